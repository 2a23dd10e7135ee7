"""Safe checkpoint loading: genuine MMEngine checkpoints load and resume,
anything else is refused before it can execute."""
import io
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader, Runner

import mmaction_charades
from mmaction_charades.engine.checkpoint import (
    MAX_LOAD_BYTES_ENV, CheckpointError, CheckpointTooLargeError,
    InvalidCheckpointError, UnsafeCheckpointError, config_from_text,
    load_from_local, max_load_bytes, scan_pickle)
from toy_runner import ToyData, ToyModel

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct


def make_runner(work_dir, max_epochs, **kwargs):
    return Runner(
        model=ToyModel(dropout=0.5),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(16), batch_size=4, num_workers=0,
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
            'param_schedulers'} <= set(ckpt)
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


# --- checkpoint metadata is data ------------------------------------------

def _evil_config(marker) -> str:
    return f"_x = __import__('os').system('touch {marker}')\n"


def _with(genuine, path, edit):
    """A copy of the genuine checkpoint, edited (the test trusts it)."""
    ckpt = torch.load(genuine / 'epoch_2.pth', weights_only=False)
    edit(ckpt)
    torch.save(ckpt, path)
    return path


def test_config_text_in_meta_is_never_executed_on_resume(genuine, tmp_path):
    marker = tmp_path / 'pwned'
    work = tmp_path / 'work'
    work.mkdir()
    path = _with(genuine, work / 'evil.pth', lambda c: c['meta'].update(
        config=_evil_config(marker)))
    runner = make_runner(work, max_epochs=2, load_from=str(path), resume=True)
    with pytest.raises(InvalidCheckpointError,
                       match=r"meta\['config'\] of checkpoint .*evil.pth"):
        runner.load_or_resume()
    assert not marker.exists()


def test_plain_config_text_in_meta_is_read_as_data(genuine, tmp_path):
    """Runner.resume compares meta['config']'s gpu_ids with the world size:
    the literal-only reader gives it that value."""
    path = _with(genuine, tmp_path / 'ok.pth', lambda c: c['meta'].update(
        config="gpu_ids = [0, 1]\nmodel = dict(type='X', depth=-2)\n"))
    runner = make_runner(tmp_path / 'work', max_epochs=2,
                         load_from=str(path), resume=True)
    with pytest.raises(RuntimeError, match='Number of GPUs'):
        runner.load_or_resume()
    cfg = Config.fromstring(
        CheckpointLoader.load_checkpoint(str(path))['meta']['config'], '.py')
    assert cfg.model == dict(type='X', depth=-2)


def test_checkpoints_saved_after_a_resume_load_again(genuine, tmp_path):
    """Resuming deep-copies the checkpoint's runtime_info into the running
    message hub; the next checkpoint must hold only allowed types, so a
    second resume from it works, and checkpoint config text is still never
    executed."""
    marker = tmp_path / 'pwned'
    first = tmp_path / 'first'
    first.mkdir()
    _with(genuine, first / 'epoch_2.pth',
          lambda c: c['message_hub']['runtime_info'].update(
              cfg=_evil_config(marker)))
    for work, epochs in ((first, 3), (tmp_path / 'second', 4)):
        runner = make_runner(work, max_epochs=epochs, resume=True,
                             load_from=str(first / f'epoch_{epochs - 1}.pth'))
        runner.train()
        assert runner.epoch == epochs
        hub = CheckpointLoader.load_checkpoint(
            str(work / f'epoch_{epochs}.pth'))['message_hub']
        assert type(hub['runtime_info']['cfg']) is str
        with pytest.raises(InvalidCheckpointError, match='never executed'):
            Config.fromstring(hub['runtime_info']['cfg'], '.py')
        first = work
    assert not marker.exists()


def test_inferencer_refuses_the_config_of_a_checkpoint(genuine, tmp_path):
    from mmaction.apis.inferencers import ActionRecogInferencer
    marker = tmp_path / 'pwned'
    path = _with(
        genuine, tmp_path / 'evil.pth',
        lambda c: c['message_hub']['runtime_info'].update(
            cfg=_evil_config(marker)))
    with pytest.raises(CheckpointError, match='pass the config file'):
        ActionRecogInferencer(model=None, weights=str(path), device='cpu')
    assert not marker.exists()


def test_config_from_text_takes_literals_only():
    text = ("a = dict(b=[1, 2.5, 'c'], d={'e f': (None, True)})\n"
            "g = {1, 2}\n")
    assert config_from_text(text).to_dict() == dict(
        a=dict(b=[1, 2.5, 'c'], d={'e f': (None, True)}), g={1, 2})
    for bad in ('a = dict(**x)', 'import os', 'a = open("f")', 'a = b',
                'a, b = 1, 2', 'a = [i for i in range(3)]'):
        with pytest.raises(InvalidCheckpointError, match='line 1'):
            config_from_text(bad)


# --- empty, truncated, not a checkpoint ------------------------------------

@pytest.mark.parametrize('content', [b'', b'name,label\nA,1\n', 'half'])
def test_invalid_checkpoint_is_a_clear_error(genuine, tmp_path, content):
    path = tmp_path / 'bad.pth'
    if content == 'half':
        data = (genuine / 'epoch_2.pth').read_bytes()
        content = data[:len(data) // 2]
    path.write_bytes(content)
    with pytest.raises(InvalidCheckpointError,
                       match=r"bad.pth' (is empty|is truncated|is a "
                       r'truncated).*torch.save'):
        CheckpointLoader.load_checkpoint(str(path))


def test_truncated_legacy_checkpoint_is_a_clear_error(tmp_path):
    path = tmp_path / 'legacy.pth'
    torch.save({'w': torch.zeros(1000)}, path,
               _use_new_zipfile_serialization=False)
    path.write_bytes(path.read_bytes()[:-2000])
    with pytest.raises(InvalidCheckpointError, match='legacy.pth'):
        CheckpointLoader.load_checkpoint(str(path))


def test_errors_subclass_checkpoint_error():
    assert issubclass(UnsafeCheckpointError, CheckpointError)
    assert issubclass(UnsafeCheckpointError, pickle.UnpicklingError)
    assert issubclass(InvalidCheckpointError, CheckpointError)
    assert issubclass(CheckpointTooLargeError, CheckpointError)


# --- memory bombs ----------------------------------------------------------

def test_compressed_zip_record_is_refused_before_inflating(tmp_path):
    """A DEFLATE record of zeros declares far more than the file holds."""
    import zipfile
    plain = tmp_path / 'plain.pth'
    torch.save({'w': torch.zeros(2**22)}, plain)  # 16 MiB of zeros
    bomb = tmp_path / 'bomb.pth'
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, 'w') as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item), zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 2**17
    with pytest.raises(CheckpointTooLargeError,
                       match="bomb.pth'.*compressed.*16777[0-9]{3} in all"):
        CheckpointLoader.load_checkpoint(str(bomb))


class Allocates:
    """Unpickling this calls ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize('payload,limit', [
    (Allocates(bytearray, 2**48), None),
    (Allocates(bytearray, 4096), 1024),
    (Allocates(torch.Tensor, 2**46), None),
    (Allocates(np.ndarray, (2**45, )), None),
    (Allocates(np.ndarray, (2**44, 2), 'f8'), None),
    (Allocates(_reconstruct, np.ndarray, (2**45, ), b'b'), None),
])
def test_allocating_calls_are_bounded(tmp_path, payload, limit):
    path = tmp_path / 'alloc.pth'
    torch.save({'meta': payload}, path)
    with pytest.raises(CheckpointTooLargeError, match='alloc.pth.*calls'):
        load_from_local(str(path), max_bytes=limit)


def test_allocation_limit_argument_and_environment(genuine, monkeypatch):
    path = str(genuine / 'epoch_2.pth')
    with pytest.raises(CheckpointTooLargeError, match='zip records declare'):
        load_from_local(path, max_bytes=1000)
    monkeypatch.setenv(MAX_LOAD_BYTES_ENV, '1K')
    assert max_load_bytes() == 1024
    with pytest.raises(CheckpointTooLargeError,
                       match='over the limit of 1024 '):
        CheckpointLoader.load_checkpoint(path)
    monkeypatch.setenv(MAX_LOAD_BYTES_ENV, '2G')
    assert CheckpointLoader.load_checkpoint(path)['meta']['epoch'] == 2
    monkeypatch.setenv(MAX_LOAD_BYTES_ENV, 'lots')
    with pytest.raises(ValueError, match=MAX_LOAD_BYTES_ENV):
        max_load_bytes()


def test_legacy_checkpoint_storage_is_bounded(tmp_path):
    path = tmp_path / 'legacy.pth'
    torch.save({'w': torch.zeros(4096)}, path,
               _use_new_zipfile_serialization=False)
    assert load_from_local(str(path))['w'].shape == (4096, )
    with pytest.raises(CheckpointTooLargeError, match='16384 bytes'):
        load_from_local(str(path), max_bytes=10000)


def test_genuine_checkpoint_declares_no_allocations(genuine):
    """What a real MMEngine checkpoint references: no allocating call; only
    bytes decoded from text it holds (``_codecs.encode(text, 'latin1')``)."""
    import zipfile
    with zipfile.ZipFile(genuine / 'epoch_2.pth') as archive:
        (name, ) = [n for n in archive.namelist() if n.endswith('data.pkl')]
        data = archive.read(name)
        scan = scan_pickle(io.BytesIO(data), 2**30)
    assert 0 < scan.allocated < len(data)
    assert 'builtins.bytearray' not in scan.globals
    assert scan.storages


def test_expanded_tensor_view_refused(tmp_path):
    """439 bytes that describe 2**40 floats: .double() would take 8 TiB."""
    path = tmp_path / 'view.pth'
    torch.save({'w': torch.zeros(1).expand(2**40)}, path,
               _use_new_zipfile_serialization=False)
    assert path.stat().st_size < 1000
    with pytest.raises(InvalidCheckpointError,
                       match=r'view.pth.*describes 1099511627776 elements'):
        CheckpointLoader.load_checkpoint(str(path))
    assert load_from_local(str(_with_tensor(tmp_path)))['w'].shape == (3, 2)


def _with_tensor(tmp_path):
    """Views within their storage still load."""
    path = tmp_path / 'ok.pth'
    torch.save({'w': torch.arange(12.).view(3, 4)[1:, 1:].t()}, path)
    return path


def test_object_arrays_in_checkpoints_refused(tmp_path):
    path = tmp_path / 'obj.pth'
    torch.save({'meta': {'a': np.array([1, 'a'], dtype=object)}}, path)
    with pytest.raises(UnsafeCheckpointError,
                       match='numpy.dtype of a non-numeric type'):
        CheckpointLoader.load_checkpoint(str(path))


def _replace_records(src, dst, edit):
    """Copy a zip checkpoint, ``edit(name, data) -> data`` per record."""
    import zipfile
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, 'w') as new:
        for item in old.infolist():
            new.writestr(item, edit(item.filename, old.read(item)))
    return dst


def test_pickle_torch_cannot_load_is_a_clear_error(tmp_path):
    """Passes the scan (FROZENSET), fails torch's unpickler."""
    torch.save({'a': 1}, tmp_path / 'plain.pth')
    path = _replace_records(
        tmp_path / 'plain.pth', tmp_path / 'odd.pth',
        lambda name, data: b'\x80\x04(\x91.'
        if name.endswith('data.pkl') else data)
    with pytest.raises(InvalidCheckpointError,
                       match=r"odd.pth' is corrupt or not a checkpoint .*"
                       r'does not load weights-only \(Unsupported operand '
                       '145') as err:
        CheckpointLoader.load_checkpoint(str(path))
    assert 'references the global' not in str(err.value)


def test_overlapping_zip_records_refused(tmp_path):
    """Central directory entries data/1..7 point at data/0's local record:
    a 1 MiB file declaring 8 MiB of storage."""
    import struct
    import zipfile
    torch.save([torch.zeros(2**18) for _ in range(8)], tmp_path / 'big.pth')
    path = tmp_path / 'overlap.pth'
    with zipfile.ZipFile(tmp_path / 'big.pth') as src, \
            zipfile.ZipFile(path, 'w') as dst:
        for item in src.infolist():
            if not item.filename[:-1].endswith('/data/') or \
                    item.filename.endswith('/0'):
                dst.writestr(item, src.read(item))
    data = path.read_bytes()
    eocd = data.rindex(b'PK\x05\x06')
    count, cd_size, cd_offset = struct.unpack('<xxxxxxxxHxxLL',
                                              data[eocd:eocd + 20])
    central = data[cd_offset:cd_offset + cd_size]
    start = central.rindex(b'PK\x01\x02', 0, central.index(b'/data/0'))
    end = central.find(b'PK\x01\x02', start + 4)
    entry = central[start:end if end > 0 else None]
    extra = b''.join(entry.replace(b'/data/0', b'/data/%d' % i)
                     for i in range(1, 8))
    tail = struct.pack('<4sHHHHLLH', b'PK\x05\x06', 0, 0, count + 7,
                       count + 7, cd_size + len(extra), cd_offset, 0)
    path.write_bytes(data[:cd_offset] + central + extra + tail)
    assert path.stat().st_size < 2**20 + 2**16
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 2**23
    with pytest.raises(InvalidCheckpointError,
                       match='overlap.pth.*zip records declare .* but the '
                       'file holds .*overlapping'):
        CheckpointLoader.load_checkpoint(str(path))


def test_uninstall_restores_the_originals_and_install_guards_again(
        tmp_path):
    from mmengine.fileio import load
    from mmengine.fileio.handlers import PickleHandler, file_handlers
    from mmengine.infer import BaseInferencer
    from mmengine.runner import checkpoint as mmengine_checkpoint
    guard = [p for p in mmaction_charades.patched()
             if p.owner == 'checkpoint_guard']
    assert {"mmengine.runner.CheckpointLoader._schemes['']",
            "mmengine.runner.CheckpointLoader._schemes['https://']",
            'mmengine.config.Config.fromstring',
            'mmengine.infer.BaseInferencer._init_model',
            "mmengine.fileio.file_handlers['pkl']"} <= {
                p.target for p in guard}
    assert all(p.reason for p in guard)
    mmaction_charades.install_checkpoint_guard()  # idempotent
    assert [p for p in mmaction_charades.patched()
            if p.owner == 'checkpoint_guard'] == guard
    marker = tmp_path / 'pwned'
    _save_malicious(tmp_path / 'evil.pth', marker)
    (tmp_path / 'evil.pkl').write_bytes(pickle.dumps(Evil(marker)))
    try:
        mmaction_charades.uninstall_checkpoint_guard()
        schemes = CheckpointLoader._schemes
        assert schemes[''] is mmengine_checkpoint.load_from_local
        assert schemes['https://'] is mmengine_checkpoint.load_from_http
        assert Config.__dict__['fromstring'].__func__.__module__ == \
            'mmengine.config.config'
        assert BaseInferencer._init_model.__module__ == 'mmengine.infer.infer'
        assert type(file_handlers['pkl']) is PickleHandler
        assert not any(p.owner == 'checkpoint_guard'
                       for p in mmaction_charades.patched())
    finally:
        mmaction_charades.install_checkpoint_guard()
    assert [p.target for p in mmaction_charades.patched()
            if p.owner == 'checkpoint_guard'] == [p.target for p in guard]
    with pytest.raises(UnsafeCheckpointError, match='posix.system|os.system'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'evil.pth'))
    with pytest.raises(UnsafeCheckpointError, match='posix.system|os.system'):
        load(str(tmp_path / 'evil.pkl'))
    assert not marker.exists()
