"""One training per work directory: an ``fcntl.flock`` lock file."""
import fcntl
import os
import os.path as osp
from typing import IO, Dict, List

from ..utils.cli import UserError


class WorkDirLockedError(UserError):
    """Another live process trains into the same work directory."""


#: Locks this process holds: lock path -> [open lock file, holders].
_HELD: Dict[str, List] = {}


class WorkDirLock:
    """Exclusive lock on ``WORK_DIR/train.lock``, which holds the holder's
    PID.

    The kernel releases a ``flock`` when its process exits, however it exits,
    so a lock file left by a dead process is simply taken over. Within one
    process the lock is re-entrant (``tools/train.py`` takes it before the
    Runner writes into the work dir, :class:`AtomicCheckpointHook` again for
    the training), and it is released when its last holder releases it.
    """

    FILENAME = 'train.lock'

    def __init__(self, work_dir: str) -> None:
        self.path = osp.abspath(osp.join(work_dir, self.FILENAME))
        self._holds = False

    def acquire(self) -> None:
        """Take the lock or raise :class:`WorkDirLockedError` naming the
        holder's PID."""
        if self._holds:
            return
        if self.path in _HELD:
            _HELD[self.path][1] += 1
            self._holds = True
            return
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        file = open(self.path, 'a+')
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or 'unknown'
            file.close()
            raise WorkDirLockedError(
                f'work dir {osp.dirname(self.path)!r} is in use by another '
                f'training (PID {holder}, lock {self.path}): wait for it to '
                'end or choose another --work-dir') from None
        file.truncate(0)
        file.write(f'{os.getpid()}\n')
        file.flush()
        _HELD[self.path] = [file, 1]
        self._holds = True

    def release(self) -> None:
        if not self._holds:
            return
        self._holds = False
        held = _HELD[self.path]
        held[1] -= 1
        if held[1] == 0:
            del _HELD[self.path]
            fcntl.flock(held[0], fcntl.LOCK_UN)
            held[0].close()
