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


def test_stale_lock_file_is_taken_over_and_released(tmp_path):
    (tmp_path / 'train.lock').write_text('999999999\n')  # a dead PID
    first = WorkDirLock(str(tmp_path))
    first.acquire()
    with pytest.raises(WorkDirLockedError):
        WorkDirLock(str(tmp_path)).acquire()
    first.release()
    second = WorkDirLock(str(tmp_path))
    second.acquire()
    second.release()


def test_lock_handed_over_to_the_training(tmp_path):
    """tools/train.py locks before the Runner exists; the training's hook
    claims that lock, and a second training of the process is refused."""
    tool = WorkDirLock(str(tmp_path))
    tool.acquire()
    tool.hand_over()
    assert WorkDirLock.claim(str(tmp_path)) is tool
    with pytest.raises(WorkDirLockedError):
        WorkDirLock.claim(str(tmp_path))
    tool.release()
    WorkDirLock.claim(str(tmp_path)).release()
