"""Crash-safe local writes and a cheap integrity check for checkpoints.

:func:`atomic_write` leaves a file either as it was or complete: the data go
to a temporary file in the same directory, which is flushed, fsynced and
renamed over the target (``os.replace``); the directory is fsynced so that the
rename survives a power loss. A failed write (say ``ENOSPC``) removes its
temporary file; one left by a killed process is removed by
:func:`remove_stale_temporaries`. :class:`AtomicLocalBackend` is MMEngine's
local file backend with such writes, registered as ``'atomic_local'`` so that
``backend_args=dict(backend='atomic_local')`` routes ``Runner.save_checkpoint``
through it.
"""
import os
import os.path as osp
import re
import uuid
import zipfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator, List, Optional, Union

from mmengine.fileio import LocalBackend, register_backend

_TEMPORARY = re.compile(r'^\..+\.\d+\.[0-9a-f]{8}\.tmp$')


def _fsync_dir(dirname: str) -> None:
    """Make a rename durable; file systems that cannot fsync a directory
    (some network and FUSE mounts) keep the rename without it."""
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Union[str, Path], data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically (temporary file in the same
    directory, flush, fsync, ``os.replace``, directory fsync).

    On any error, including a full disk, the temporary file is removed, the
    error is re-raised and ``path`` keeps its previous content.
    """
    path = osp.abspath(path)
    dirname = osp.dirname(path)
    os.makedirs(dirname, exist_ok=True)
    tmp = osp.join(
        dirname,
        f'.{osp.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp')
    try:
        with open(tmp, 'xb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_dir(dirname)


def remove_stale_temporaries(dirname: str) -> List[str]:
    """Remove the temporary files that :func:`atomic_write` calls killed
    before their rename left in ``dirname``; returns their paths.

    Only call it while no other process writes there (e.g. under the
    work-directory lock).
    """
    if not osp.isdir(dirname):
        return []
    removed = []
    for name in os.listdir(dirname):
        path = osp.join(dirname, name)
        if _TEMPORARY.match(name) and osp.isfile(path):
            os.remove(path)
            removed.append(path)
    return removed


def is_intact_checkpoint(path: str) -> bool:
    """Whether ``path`` is a complete ``torch.save`` zip archive: it opens,
    holds a ``data.pkl`` and every member passes its CRC check.

    Reads the archive without unpickling anything. Truncated, empty or
    corrupted files (and legacy non-zip checkpoints) are not intact.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            return (any(n.split('/')[-1] == 'data.pkl' for n in names)
                    and archive.testzip() is None)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile):
        return False


class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` whose ``put`` and ``put_text``
    use :func:`atomic_write`, and whose removals can be deferred until the
    files replacing them are written (:meth:`deferred_removals`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._deferred: Optional[List[str]] = None

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(filepath, obj)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write(filepath, obj.encode(encoding))

    def remove(self, filepath: Union[str, Path]) -> None:
        if self._deferred is not None:
            self._deferred.append(str(filepath))
        else:
            super().remove(filepath)

    @contextmanager
    def deferred_removals(self) -> Iterator[List[str]]:
        """Queue the ``remove`` calls made inside the block and carry them
        out when it ends without an error (an error keeps the files). The
        block receives the queue and may drop paths from it."""
        self._deferred = []
        try:
            yield self._deferred
            pending = self._deferred
        finally:
            self._deferred = None
        for path in pending:
            if self.isfile(path):
                self.remove(path)


register_backend('atomic_local', AtomicLocalBackend)
