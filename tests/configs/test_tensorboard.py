"""The TensorBoard variant of the runtime (configs/_base_/tensorboard.py)
used as the README says."""
import importlib.util
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmaction_charades  # noqa: F401
from toy_runner import ToyData, ToyModel

ROOT = Path(__file__).resolve().parents[2]
HAS_TENSORBOARD = importlib.util.find_spec('tensorboard') is not None


@pytest.fixture
def visualizer(tmp_path) -> dict:
    """The visualizer of a config written as the README shows."""
    config = tmp_path / 'swin_t_mini_tensorboard.py'
    config.write_text(
        f"_base_ = ['{ROOT}/configs/swin_t_mini_charades21.py',\n"
        f"          '{ROOT}/configs/_base_/tensorboard.py']\n"
        'visualizer = _base_.tensorboard_visualizer\n')
    cfg = Config.fromfile(str(config))
    assert cfg.custom_imports['imports'] == ['mmaction_charades']
    return cfg.visualizer.to_dict()


def test_config_adds_tensorboard_to_the_json_backend(visualizer):
    assert visualizer['type'] == 'ActionVisualizer'
    assert visualizer['vis_backends'] == [
        dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]


def _train(tmp_path, visualizer: dict) -> Runner:
    runner = Runner(
        model=ToyModel(),
        work_dir=str(tmp_path / 'work'),
        train_dataloader=dict(dataset=ToyData(), batch_size=4,
                              sampler=dict(type='DefaultSampler')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmaction',
        visualizer=dict(visualizer, name='tensorboard_test'),
        cfg=dict(model=dict(type='ToyModel')))
    runner.train()
    return runner


@pytest.mark.skipif(HAS_TENSORBOARD, reason='tensorboard is installed')
def test_without_tensorboard_the_runner_stops_when_built(tmp_path,
                                                         visualizer):
    with pytest.raises(ImportError, match='pip install .*tensorboard'):
        _train(tmp_path, visualizer)
    assert not list(tmp_path.rglob('*.pth'))


@pytest.mark.skipif(not HAS_TENSORBOARD, reason='tensorboard not installed')
def test_tensorboard_events_are_written(tmp_path, visualizer):
    runner = _train(tmp_path, visualizer)
    vis_data = Path(runner.log_dir) / 'vis_data'
    assert (vis_data / 'scalars.json').is_file()
    assert list(vis_data.glob('events.out.tfevents.*'))
