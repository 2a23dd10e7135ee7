"""One training per work directory: an ``fcntl.flock`` lock file."""
import fcntl
import os
import os.path as osp
from typing import IO, Dict, Optional

from ..utils.cli import UserError


class WorkDirLockedError(UserError):
    """Another live process trains into the same work directory."""


#: Locks a tool took before its Runner existed, each kept for the training
#: that will :meth:`WorkDirLock.claim` it (lock path -> lock).
_HANDED_OVER: Dict[str, 'WorkDirLock'] = {}


class WorkDirLock:
    """Exclusive lock on ``WORK_DIR/train.lock``, which holds the holder's
    PID.

    The kernel releases a ``flock`` when its process exits, however it exits,
    so a lock file left by a dead process is simply taken over. A second lock
    on the same work dir is refused, in this process too.
    """

    FILENAME = 'train.lock'

    def __init__(self, work_dir: str) -> None:
        self.path = osp.abspath(osp.join(work_dir, self.FILENAME))
        self._file: Optional[IO[str]] = None

    @classmethod
    def claim(cls, work_dir: str) -> 'WorkDirLock':
        """The lock handed over for ``work_dir`` (:meth:`hand_over`), else a
        newly acquired one."""
        lock = cls(work_dir)
        handed = _HANDED_OVER.pop(lock.path, None)
        if handed is not None:
            return handed
        lock.acquire()
        return lock

    def hand_over(self) -> None:
        """Keep this acquired lock for the next training of this process
        into its work dir (``tools/train.py`` locks before the Runner writes
        there; the Runner's checkpoint hook then claims it)."""
        _HANDED_OVER[self.path] = self

    def acquire(self) -> None:
        """Take the lock or raise :class:`WorkDirLockedError` naming the
        holder's PID."""
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
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
