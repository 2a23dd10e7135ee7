"""End to end through tools/train.py and tools/test.py on generated data:
train, save, test; a malicious checkpoint; the plugin under MMAction2's own
tools/train.py. Bad command lines: test_cli_errors.py."""
import json
from pathlib import Path

import pytest
import torch

import mmaction_charades  # noqa: F401

CONFIG = 'configs/swin_t_mini_charades21.py'
pytestmark = pytest.mark.slow


def _losses(work_dir: Path) -> list:
    (scalars, ) = work_dir.glob('*/vis_data/scalars.json')
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    return [row['train/loss'] for row in rows if 'train/loss' in row]


@pytest.fixture(scope='module')
def trained(tmp_path_factory, mini_charades, mini_data_options, run_tool):
    work_dir = tmp_path_factory.mktemp('train')
    result = run_tool([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--seed', '0',
        '--cfg-options', *mini_data_options(mini_charades),
        'train_cfg.max_epochs=4', 'train_cfg.val_interval=4',
        'default_hooks.logger.interval=1'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    return work_dir


def test_train_saves_checkpoint_and_reduces_loss(trained):
    assert (trained / 'epoch_4.pth').is_file()
    losses = _losses(trained)
    assert len(losses) == 12  # 3 iterations x 4 epochs
    assert sum(losses[-3:]) < sum(losses[:3]), losses


def test_test_tool_writes_metrics(trained, mini_charades, mini_data_options,
                                  run_tool, tmp_path):
    dump = tmp_path / 'preds.pkl'
    result = run_tool([
        'tools/test.py', CONFIG, trained / 'epoch_4.pth', '--work-dir',
        tmp_path, '--dump', dump, '--cfg-options',
        *mini_data_options(mini_charades)
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith('mAP: ')
    results = json.loads((tmp_path / 'results.json').read_text())
    assert float(lines[-1].split()[1]) == pytest.approx(results['mAP'],
                                                        abs=1e-4)
    assert results['protocol'] == 'charades_video'  # the default
    for key in ('test_loss', 'WAP'):
        assert 0 <= results[key] < 10, key
    assert (tmp_path / 'results.md').is_file()
    assert dump.is_file()


def test_test_tool_refuses_malicious_checkpoint(tmp_path, mini_charades,
                                               mini_data_options, run_tool):
    marker = tmp_path / 'pwned'

    class Evil:

        def __reduce__(self):
            import os
            return os.system, (f'touch {marker}', )

    ckpt = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': Evil()}, ckpt)
    result = run_tool(['tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path,
                       '--cfg-options', *mini_data_options(mini_charades)])
    assert result.returncode == 2
    assert 'posix.system' in result.stderr or 'os.system' in result.stderr
    assert 'Traceback' not in result.stderr
    assert not marker.exists()


def test_plugin_under_mmaction2_own_train_tool(tmp_path, mini_charades,
                                               mini_data_options, run_tool):
    """`custom_imports` is all MMAction2's unchanged tools/train.py needs."""
    from mmengine.utils import get_installed_path
    mmaction_train = Path(get_installed_path('mmaction2')) / '.mim' / \
        'tools' / 'train.py'
    if not mmaction_train.is_file():
        pytest.skip('this mmaction2 install ships no tools/')
    result = run_tool([
        mmaction_train, CONFIG, '--work-dir', tmp_path, '--cfg-options',
        *mini_data_options(mini_charades), 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / 'epoch_1.pth').is_file()


def _error_line(result) -> str:
    assert result.returncode == 2, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr
    (line, ) = [ln for ln in result.stderr.splitlines()
                if ln.startswith('error')]
    return line


def test_test_tool_refuses_checkpoint_of_another_model(
        tmp_path, mini_charades, mini_data_options, run_tool):
    """An R3D checkpoint for the Swin config: refused, unless
    --partial-load asks for MMEngine's partial load."""
    from mmengine.config import Config
    from mmaction.registry import MODELS
    r3d = MODELS.build(
        Config.fromfile('configs/r3d18_mini_charades21.py').model)
    state = r3d.state_dict()
    state['cls_head.loss_cls.pos_weight'] = torch.ones(21)  # as if trained
    ckpt = tmp_path / 'r3d.pth'
    torch.save({'state_dict': state, 'meta': {}}, ckpt)
    args = ['tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path,
            '--cfg-options', *mini_data_options(mini_charades)]
    line = _error_line(run_tool(args))
    assert 'does not match the model' in line and 'missing keys' in line
    assert 'unexpected keys' in line and '--partial-load' in line
    assert not (tmp_path / 'results.json').exists()

    result = run_tool([*args[:3], '--partial-load', *args[3:]])
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith('mAP: ')


def test_second_training_into_same_work_dir_is_refused(
        tmp_path, mini_charades, mini_data_options, run_tool):
    import os
    from mmaction_charades.engine.work_dir_lock import WorkDirLock
    lock = WorkDirLock(str(tmp_path))
    lock.acquire()  # this process plays the running training
    try:
        line = _error_line(run_tool([
            'tools/train.py', CONFIG, '--work-dir', tmp_path,
            '--cfg-options', *mini_data_options(mini_charades),
            'train_cfg.max_epochs=1'
        ]))
    finally:
        lock.release()
    assert f'in use by another training (PID {os.getpid()}' in line
    # refused before the Runner wrote anything (its config dump, log dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['train.lock']


def test_fine_tuning_with_another_head_needs_partial_load(
        trained, tmp_path, mini_charades, mini_data_options, run_tool):
    """load_from a checkpoint with a 7-class head (as if pretrained on
    another dataset) into the 21-class model: refused with a hint, then
    trained with --partial-load, which loads the matching part."""
    ckpt = torch.load(trained / 'epoch_4.pth', weights_only=False)
    state = ckpt['state_dict']
    state['cls_head.fc_cls.weight'] = state['cls_head.fc_cls.weight'][:7]
    state['cls_head.fc_cls.bias'] = state['cls_head.fc_cls.bias'][:7]
    pretrained = tmp_path / 'pretrained.pth'
    torch.save({'state_dict': state, 'meta': {}}, pretrained)
    work = tmp_path / 'work'
    args = ['tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
            *mini_data_options(mini_charades), f'load_from={pretrained}',
            'train_cfg.max_epochs=1', 'train_cfg.val_interval=2']
    line = _error_line(run_tool(args))
    assert 'shape mismatches cls_head.fc_cls.weight' in line
    assert '--partial-load' in line and 'tools/train.py' in line
    result = run_tool([*args[:2], '--partial-load', *args[2:]])
    assert result.returncode == 0, result.stderr[-3000:]
    tuned = torch.load(work / 'epoch_1.pth', weights_only=False)
    assert tuned['state_dict']['cls_head.fc_cls.weight'].shape[0] == 21


def test_test_tool_refuses_nan_scores(trained, tmp_path, mini_charades,
                                      mini_data_options, run_tool):
    """A checkpoint with NaN head weights used to print a plausible mAP."""
    ckpt = torch.load(trained / 'epoch_4.pth', weights_only=False)
    ckpt['state_dict']['cls_head.fc_cls.weight'].fill_(float('nan'))
    broken = tmp_path / 'nan.pth'
    torch.save(ckpt, broken)
    line = _error_line(run_tool([
        'tools/test.py', CONFIG, broken, '--work-dir', tmp_path,
        '--cfg-options', *mini_data_options(mini_charades)
    ]))
    assert 'samples have a NaN or infinite pred_score' in line
    assert not (tmp_path / 'results.json').exists()
