"""WorkDirLock: one training per work dir; a second one is refused naming
the holder's PID, a stale lock file is taken over."""
import os
import subprocess
import sys

import pytest

from mmaction_charades.engine.work_dir_lock import (WorkDirLock,
                                                    WorkDirLockedError)

HOLD = ('import fcntl, sys, time; f = open(sys.argv[1], "w"); '
        'fcntl.flock(f, fcntl.LOCK_EX); f.write("4242"); f.flush(); '
        'print("locked", flush=True); time.sleep(60)')


def test_second_lock_is_refused_with_holder_pid(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, '-c', HOLD, str(tmp_path / 'train.lock')],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        with pytest.raises(WorkDirLockedError) as info:
            WorkDirLock(str(tmp_path)).acquire()
        message = str(info.value)
        assert 'PID 4242' in message and str(tmp_path) in message
        assert '\n' not in message
    finally:
        holder.kill()
        holder.wait()
    # the kernel released the dead holder's lock: taken over
    lock = WorkDirLock(str(tmp_path))
    lock.acquire()
    assert (tmp_path / 'train.lock').read_text() == f'{os.getpid()}\n'
    lock.release()


TRY = ('import fcntl, sys; f = open(sys.argv[1], "a"); '
       'fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)')


def _free_for_others(path) -> bool:
    """Whether another process can take the lock now."""
    return subprocess.run([sys.executable, '-c', TRY, str(path)]).returncode \
        == 0


def test_stale_lock_file_is_taken_over_and_reentrant(tmp_path):
    """A dead PID's file is taken over; within one process the lock is
    shared (tools/train.py, then the checkpoint hook) and held until its
    last holder releases it."""
    path = tmp_path / 'train.lock'
    path.write_text('999999999\n')  # a dead PID
    tool, hook = WorkDirLock(str(tmp_path)), WorkDirLock(str(tmp_path))
    tool.acquire()
    assert path.read_text() == f'{os.getpid()}\n'
    hook.acquire()
    hook.release()
    assert not _free_for_others(path)
    tool.release()
    assert _free_for_others(path)
