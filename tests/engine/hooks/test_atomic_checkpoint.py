"""AtomicCheckpointHook: a process killed at any point of a save, or a save
failing on a full disk, leaves a loadable checkpoint and no partial file, and
``--resume auto`` continues from the newest intact checkpoint.

Faults are injected deterministically in forked training processes: every
write to a file in the work dir, ``os.fsync``, ``os.replace`` and
``os.remove`` is an event, and the child exits with ``os._exit`` at event N.
"""
import builtins
import errno
import json
import multiprocessing
import os
import os.path as osp
import uuid
from pathlib import Path

import pytest
import torch
from mmengine.runner import CheckpointLoader, Runner

import mmaction_charades  # noqa: F401
from mmaction_charades.engine import atomic_io
from mmaction_charades.engine.atomic_io import is_intact_checkpoint
from mmaction_charades.engine.work_dir_lock import WorkDirLockedError
from toy_runner import ToyData, ToyModel

KILLED = 3


def make_runner(work_dir, max_epochs, resume=False, **checkpoint):
    checkpoint = dict(dict(type='AtomicCheckpointHook', interval=1,
                           max_keep_ckpts=1), **checkpoint)
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(), batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True)),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=checkpoint),
        default_scope='mmaction',
        randomness=dict(seed=0),
        resume=resume,
        # runners built in the same second would share a message hub
        experiment_name=uuid.uuid4().hex)


class FileProxy:
    """An open file whose ``write`` a test replaces; the rest is the
    file's."""

    def __init__(self, file):
        self._file = file

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._file.__exit__(*exc)


def _inject(work_dir: str, kill_at: int, log: str) -> None:
    """Log events to ``log`` and exit at event ``kill_at`` (in the child)."""
    real = dict(open=builtins.open, fsync=os.fsync, replace=os.replace,
                remove=os.remove)
    count = [0]

    def event(*what) -> None:
        with real['open'](log, 'a') as f:
            f.write(json.dumps(what) + '\n')
        count[0] += 1
        return count[0] - 1 == kill_at

    class Writer(FileProxy):

        def __init__(self, file, name):
            super().__init__(file)
            self._name = name

        def write(self, data):
            if event('write', self._name):
                self._file.write(data[:len(data) // 2])
                self._file.flush()
                os._exit(KILLED)
            return self._file.write(data)

    def open_(file, mode='r', *args, **kwargs):
        handle = real['open'](file, mode, *args, **kwargs)
        path = osp.abspath(file) if isinstance(file, (str, Path)) else ''
        name = osp.basename(path)
        if (osp.dirname(path) == work_dir and set(mode) & set('wxa')
                and name != 'train.lock' and not name.endswith('.py')):
            return Writer(handle, name)
        return handle

    def wrap(name):

        def call(*args):
            shown = [] if name == 'fsync' else [osp.basename(a) for a in args]
            if event(name, *shown):
                os._exit(KILLED)
            return real[name](*args)

        return call

    builtins.open = open_
    for name in ('fsync', 'replace', 'remove'):
        setattr(os, name, wrap(name))


def _child(work_dir, max_epochs, resume, kill_at, log, hook) -> None:
    runner = make_runner(work_dir, max_epochs, resume, type=hook)
    if log:
        _inject(osp.abspath(work_dir), kill_at, log)
    runner.train()


def train(work_dir, max_epochs, resume=False, kill_at=-1, log=None,
          hook='AtomicCheckpointHook') -> int:
    """Train in a forked process; its exit code."""
    proc = multiprocessing.get_context('fork').Process(
        target=_child,
        args=(str(work_dir), max_epochs, resume, kill_at, log, hook))
    proc.start()
    proc.join(300)
    return proc.exitcode


def _epoch_files(work_dir: Path) -> dict:
    return {p.name: p for p in work_dir.glob('epoch_*.pth')}


@pytest.fixture(scope='module')
def save_events(tmp_path_factory) -> list:
    """The events of an uninterrupted 2-epoch training."""
    work = tmp_path_factory.mktemp('calibration')
    log = str(work / 'events.jsonl')
    assert train(work / 'run', 2, log=log) == 0
    events = [json.loads(line) for line in open(log)]
    # the expected save sequence: checkpoint, then last_checkpoint, then the
    # removal of the checkpoint beyond max_keep_ckpts=1
    kinds = [e[0] if e[0] != 'replace' else f'replace {e[2]}' for e in events]
    assert kinds == [
        'write', 'fsync', 'replace epoch_1.pth', 'fsync', 'write', 'fsync',
        'replace last_checkpoint', 'fsync', 'write', 'fsync',
        'replace epoch_2.pth', 'fsync', 'write', 'fsync',
        'replace last_checkpoint', 'fsync', 'remove'
    ], events
    assert events[-1] == ['remove', 'epoch_1.pth']
    return events


@pytest.mark.slow
# every point of the second save (which also removes the first checkpoint),
# and the rename that publishes the first checkpoint
@pytest.mark.parametrize('kill_at', [2, *range(8, 17)])
def test_kill_at_every_point_of_a_save_leaves_a_resumable_checkpoint(
        tmp_path, save_events, kill_at):
    work = tmp_path / 'run'
    log = str(tmp_path / 'events.jsonl')
    assert train(work, 2, kill_at=kill_at, log=log) == KILLED
    # the kill happened exactly at the chosen event
    events = [json.loads(line) for line in open(log)]
    assert [e[0] for e in events] == [e[0] for e in save_events[:kill_at + 1]]

    saved = _epoch_files(work)
    for path in saved.values():  # a checkpoint's final name is complete
        assert is_intact_checkpoint(str(path)), path
        CheckpointLoader.load_checkpoint(str(path))
    first_published = 2  # the rename of epoch_1.pth
    if kill_at > first_published:
        assert saved, 'no checkpoint left'

    assert train(work, 2, resume=True) == 0
    assert not list(work.glob('.*.tmp')), 'partial file left'
    final = torch.load(work / 'epoch_2.pth', weights_only=False)
    assert final['meta']['epoch'] == 2
    pointer = (work / 'last_checkpoint').read_text()
    assert pointer == str(work / 'epoch_2.pth')


@pytest.mark.parametrize('damage', ['empty', 'dangling', 'truncated'])
def test_resume_auto_falls_back_to_newest_intact_checkpoint(tmp_path, damage):
    work = tmp_path / 'run'
    runner = make_runner(work, 2, max_keep_ckpts=3)
    runner.train()
    epoch_2 = work / 'epoch_2.pth'
    pointer = work / 'last_checkpoint'
    if damage == 'empty':
        pointer.write_text('')
    elif damage == 'dangling':
        pointer.write_text(str(work / 'epoch_7.pth'))
    else:
        data = epoch_2.read_bytes()
        epoch_2.write_bytes(data[:len(data) // 2])
    runner = make_runner(work, 3, resume=True, max_keep_ckpts=3)
    runner.call_hook('before_run')  # then train() calls load_or_resume
    runner.load_or_resume()
    assert runner.epoch == (1 if damage == 'truncated' else 2)


def test_resume_auto_without_intact_checkpoint_is_one_line_error(tmp_path):
    work = tmp_path / 'run'
    make_runner(work, 1).train()
    (work / 'epoch_1.pth').write_bytes(b'PK\x03\x04 truncated')
    runner = make_runner(work, 2, resume=True)
    with pytest.raises(FileNotFoundError, match='no intact checkpoint'):
        runner.call_hook('before_run')


def test_missing_last_checkpoint_resumes_newest_saved(tmp_path):
    work = tmp_path / 'run'
    make_runner(work, 2, max_keep_ckpts=2).train()
    (work / 'last_checkpoint').unlink()
    runner = make_runner(work, 3, resume=True)
    runner.call_hook('before_run')
    runner.load_or_resume()
    assert runner.epoch == 2


def test_full_disk_removes_partial_file_and_keeps_previous(tmp_path,
                                                           monkeypatch):
    work = tmp_path / 'run'
    make_runner(work, 1).train()
    before = (work / 'epoch_1.pth').read_bytes()
    real_open = builtins.open

    class FullDisk(FileProxy):

        def write(self, data):
            self._file.write(data[:len(data) // 2])
            raise OSError(errno.ENOSPC, 'No space left on device')

    def open_(file, mode='r', *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return FullDisk(handle) if 'x' in mode else handle

    monkeypatch.setattr(atomic_io, 'open', open_, raising=False)
    with pytest.raises(OSError, match='No space left'):
        make_runner(work, 2, resume=True).train()
    monkeypatch.undo()
    assert not list(work.glob('.*.tmp'))
    assert not (work / 'epoch_2.pth').exists()
    assert (work / 'epoch_1.pth').read_bytes() == before
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')


def test_best_checkpoint_replaced_after_new_one_is_written(tmp_path,
                                                          monkeypatch):
    """The previous best checkpoint is removed only once the new best one
    exists (MMEngine removes it first)."""
    runner = make_runner(tmp_path, 2, save_best='acc', rule='greater')
    runner.call_hook('before_train')
    (hook, ) = [h for h in runner.hooks if h.__class__.__name__ ==
                'AtomicCheckpointHook']
    present_at_removal = {}
    real_remove = os.remove

    def remove(path):
        present_at_removal[osp.basename(path)] = sorted(
            p.name for p in tmp_path.glob('best_*.pth'))
        real_remove(path)

    monkeypatch.setattr(os, 'remove', remove)
    for epoch, acc in ((1, 0.5), (2, 0.7)):
        runner.train_loop._epoch = epoch
        hook.after_val_epoch(runner, dict(acc=acc))
    assert present_at_removal['best_acc_epoch_1.pth'] == [
        'best_acc_epoch_1.pth', 'best_acc_epoch_2.pth'
    ]
    assert [p.name for p in tmp_path.glob('best_*.pth')] == [
        'best_acc_epoch_2.pth'
    ]


def test_second_training_into_same_work_dir_is_refused(tmp_path):
    first = make_runner(tmp_path, 1)
    first.call_hook('before_train')  # holds the lock, as a running training
    second = make_runner(tmp_path, 1)
    with pytest.raises(WorkDirLockedError, match=f'PID {os.getpid()}'):
        second.train()
    assert not (tmp_path / 'epoch_1.pth').exists()
    first.call_hook('after_train')  # released: a later training goes on
    make_runner(tmp_path, 1).train()
    assert (tmp_path / 'epoch_1.pth').is_file()
