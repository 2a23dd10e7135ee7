"""A single-label head in a Charades config stops both training tools when
the Runner is built: ours with one error line, MMAction2's with the same
message, before any iteration."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
MESSAGE = 'model.cls_head: I3DHead with CrossEntropyLoss learns one class'


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / 'single_label_head.py'
    path.write_text(
        f"_base_ = '{ROOT}/configs/swin_t_mini_charades21.py'\n"
        "model = dict(cls_head=dict(_delete_=True, type='I3DHead', "
        'num_classes=21, in_channels=256))\n')
    return path


def _mmaction_train() -> Path:
    from mmengine.utils import get_installed_path
    path = Path(get_installed_path('mmaction2')) / '.mim' / 'tools' / \
        'train.py'
    if not path.is_file():
        pytest.skip('this mmaction2 install ships no tools/')
    return path


@pytest.mark.parametrize('tool', ['ours', 'mmaction2'])
def test_single_label_head_stops_training_tools(tool, config, tmp_path,
                                                mini_charades,
                                                mini_data_options, run_tool):
    train = 'tools/train.py' if tool == 'ours' else _mmaction_train()
    work_dir = tmp_path / 'work'
    result = run_tool([
        train, config, '--work-dir', work_dir, '--cfg-options',
        *mini_data_options(mini_charades)
    ])
    assert result.returncode != 0
    if tool == 'ours':
        assert result.returncode == 2 and 'Traceback' not in result.stderr
        (line, ) = [ln for ln in result.stderr.splitlines()
                    if ln.startswith('error')]
        assert line.startswith(f'error: {MESSAGE}')
    else:
        assert f'ConfigError: {MESSAGE}' in result.stderr
    logs = '\n'.join(p.read_text() for p in work_dir.rglob('*.log'))
    assert 'Epoch(train)' not in logs and not list(work_dir.rglob('*.pth'))
