"""Safe checkpoint loading: genuine MMEngine checkpoints load and resume,
anything else is refused before it can execute."""
import io
import os
import pickle

import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import CheckpointLoader, Runner
from torch.utils.data import Dataset

import mmaction_charades  # noqa: F401
from mmaction_charades.engine.checkpoint import UnsafeCheckpointError


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)
        self.drop = nn.Dropout(0.5)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(self.drop(torch.stack(inputs))).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - torch.stack(labels))**2).mean())
        return out


class ToyData(Dataset):
    metainfo = dict(classes=('a', ))

    def __len__(self):
        return 16

    def __getitem__(self, i):
        gen = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(4, generator=gen),
                    labels=torch.tensor(float(i % 2)))


def make_runner(work_dir, max_epochs, **kwargs):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(), batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True)),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        param_scheduler=dict(type='ExponentialLR', gamma=0.5),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[dict(type='RNGStateHook')],
        default_scope='mmaction',
        randomness=dict(seed=0),
        **kwargs)


class Evil:
    """Unpickling this runs a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.fixture(scope='module')
def genuine(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('genuine')
    make_runner(work_dir, max_epochs=2).train()
    return work_dir


def test_genuine_checkpoint_loads_with_message_hub_and_optimizer(genuine):
    ckpt = CheckpointLoader.load_checkpoint(str(genuine / 'epoch_2.pth'))
    assert {'meta', 'state_dict', 'message_hub', 'optimizer',
            'param_schedulers', 'rng_state'} <= set(ckpt)
    scalars = ckpt['message_hub']['log_scalars']
    assert isinstance(scalars['train/loss'], HistoryBuffer)
    assert len(ckpt['optimizer']['state']) == 2  # weight and bias moments


def test_genuine_checkpoint_resumes(genuine, tmp_path):
    reference = torch.load(genuine / 'epoch_2.pth', weights_only=False)
    runner = make_runner(genuine, max_epochs=2, resume=True)
    runner.load_or_resume()
    assert runner.iter == 8 and runner.epoch == 2
    sched = runner.param_schedulers[0]
    assert sched.last_step == reference['param_schedulers'][0]['last_step']
    state = runner.optim_wrapper.optimizer.state_dict()['state']
    for key, value in reference['optimizer']['state'].items():
        torch.testing.assert_close(state[key]['exp_avg'], value['exp_avg'])
    assert runner.message_hub.get_scalar('train/loss').current() == \
        reference['message_hub']['log_scalars']['train/loss'].current()


def _save_malicious(path, marker, legacy=False):
    payload = {'state_dict': {'w': torch.zeros(1)}, 'meta': Evil(marker)}
    torch.save(payload, path, _use_new_zipfile_serialization=not legacy)


@pytest.mark.parametrize('legacy', [False, True])
def test_malicious_checkpoint_refused_by_checkpoint_loader(tmp_path, legacy):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    _save_malicious(path, marker, legacy)
    with pytest.raises(UnsafeCheckpointError, match='posix.system|os.system'):
        CheckpointLoader.load_checkpoint(str(path))
    assert not marker.exists()


@pytest.mark.parametrize('mode', ['load_from', 'resume'])
def test_malicious_checkpoint_refused_by_runner(tmp_path, mode):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    _save_malicious(path, marker)
    runner = make_runner(tmp_path / 'work', max_epochs=1, load_from=str(path),
                         resume=mode == 'resume')
    with pytest.raises(UnsafeCheckpointError, match=str(path)):
        runner.load_or_resume()
    assert not marker.exists()


def test_getattr_only_for_history_buffer_statistics(tmp_path):
    """The allow-listed ``getattr`` stand-in resolves HistoryBuffer's
    statistics methods and nothing else."""

    class Sneaky:

        def __reduce__(self):
            return getattr, (torch.Tensor, 'tolist')

    path = tmp_path / 'sneaky.pth'
    torch.save({'meta': Sneaky()}, path)
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        CheckpointLoader.load_checkpoint(str(path))


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nope.pth'))


def test_plain_pickle_globals_listed_in_error(tmp_path):
    path = tmp_path / 'evil.pkl'
    buf = io.BytesIO()
    pickle.dump({'x': Evil(tmp_path / 'pwned')}, buf)
    path.write_bytes(buf.getvalue())
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(str(path))
    assert not (tmp_path / 'pwned').exists()
