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


@pytest.fixture
def http_dir(tmp_path):
    """Serves ``tmp_path / 'served'`` on 127.0.0.1; yields (dir, base URL)."""
    import functools
    import http.server
    import threading
    served = tmp_path / 'served'
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hub_dir = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    try:
        yield served, f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        torch.hub.set_dir(hub_dir)
        server.shutdown()
        server.server_close()


def test_malicious_checkpoint_refused_over_http(http_dir, tmp_path):
    """Remote schemes go through torch.hub, which unpickles with
    weights_only=False unless we force it."""
    served, url = http_dir
    marker = tmp_path / 'pwned'
    _save_malicious(served / 'evil.pth', marker)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        CheckpointLoader.load_checkpoint(f'{url}/evil.pth')
    assert not marker.exists()


def test_genuine_checkpoint_loads_over_http(http_dir, genuine):
    served, url = http_dir
    (served / 'ok.pth').write_bytes((genuine / 'epoch_2.pth').read_bytes())
    ckpt = CheckpointLoader.load_checkpoint(f'{url}/ok.pth')
    assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'],
                      HistoryBuffer)


def test_numpy1_checkpoint_names_are_allowed(tmp_path):
    """Checkpoints pickled under numpy 1.x name numpy.core.multiarray."""
    import numpy as np
    path = tmp_path / 'np.pth'
    torch.save({'meta': {'x': np.float64(1.5), 'a': np.arange(3)}}, path)
    old = tmp_path / 'np1.pth'
    import zipfile
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, 'w') as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith('data.pkl'):
                data = data.replace(b'numpy._core.multiarray',
                                    b'numpy.core.multiarray')
            dst.writestr(item, data)
    ckpt = CheckpointLoader.load_checkpoint(str(old))
    assert ckpt['meta']['x'] == 1.5
    assert ckpt['meta']['a'].tolist() == [0, 1, 2]
