"""Safe checkpoint loading for MMEngine under ``torch.load(weights_only=True)``.

torch>=2.6 unpickles checkpoints with ``weights_only=True``, which rejects the
non-tensor objects that MMEngine writes (the message hub's ``HistoryBuffer``,
numpy arrays and scalars in ``meta`` and ``runtime_info``), so resume and
``tools/test.py CKPT`` fail. Rather than loading arbitrary pickles, we
allow-list exactly the globals that MMEngine / MMAction2 checkpoints contain
(:data:`ALLOWED_GLOBALS`) and refuse anything else before unpickling it:

* every loader registered in :class:`mmengine.runner.CheckpointLoader` runs
  inside :func:`torch.serialization.safe_globals` with the allow-list and
  with ``torch.load`` forced to ``weights_only=True``: MMEngine's remote
  schemes (``http(s)://``, ``open-mmlab://``, ``torchvision://`` ...) go
  through ``torch.hub.load_state_dict_from_url``, which would otherwise
  unpickle with ``weights_only=False``;
* local files are scanned first with
  :func:`torch.serialization.get_unsafe_globals_in_checkpoint` (which reads
  pickle opcodes and executes nothing) and then loaded with an explicit
  ``weights_only=True``;
* a refused checkpoint raises :class:`UnsafeCheckpointError` naming the file
  and the offending globals.
"""
import pickle
import re
from contextlib import contextmanager
from functools import wraps
from typing import Callable, Iterator, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint references a global outside :data:`ALLOWED_GLOBALS`."""


def _numpy_globals() -> list:
    """numpy objects that MMEngine checkpoints pickle: numeric arrays and
    scalars in ``meta``, ``message_hub`` and the RNG states, and the dtype
    classes their state is set on (bool, integer, float and complex; no
    object, string or void dtypes)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    numeric_dtypes = dict.fromkeys(
        type(np.dtype(c)) for c in '?bBhHiIlLqQefdgFDG')
    found = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype,
             *numeric_dtypes]
    if multiarray.__name__ == 'numpy._core.multiarray':
        # checkpoints pickled under numpy 1.x name the same two functions
        # by their old module path
        found += [(multiarray._reconstruct,
                   'numpy.core.multiarray._reconstruct'),
                  (multiarray.scalar, 'numpy.core.multiarray.scalar')]
    return found


def _history_buffer_statistic(owner, name: str):
    """Stands in for ``builtins.getattr`` while unpickling.

    A pickled ``HistoryBuffer`` holds its statistics methods
    (``HistoryBuffer.min`` ...), which pickle writes as
    ``getattr(HistoryBuffer, 'min')``. Only those lookups (the four default
    statistics and any registered with ``register_statistics``, which a fresh
    process has not populated yet) are allowed; a general
    ``getattr`` would reach any attribute of any allowed object.
    """
    statistics = {'min', 'max', 'mean', 'current',
                  *HistoryBuffer._statistics_methods}
    if owner is HistoryBuffer and name in statistics:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: GLOBAL builtins.getattr applied to '
        f'{getattr(owner, "__qualname__", type(owner).__qualname__)}.{name}')


ALLOWED_GLOBALS: List = [
    HistoryBuffer, (_history_buffer_statistic, 'builtins.getattr'),
    *_numpy_globals()
]
_INSTALLED = False


def _offending_globals(message: str) -> List[str]:
    """Names of refused globals in a weights-only unpickling error."""
    return re.findall(r"GLOBAL ([\w.]+)|got <class '([\w.]+)'>", message)


def _refuse(filename: str, names: List[str]) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {filename!r}: it references the '
        f'global(s) {", ".join(names)}, which MMEngine/MMAction2 checkpoints '
        'never contain (allow-list: '
        'mmaction_charades.engine.checkpoint.ALLOWED_GLOBALS). Nothing from '
        'the file was executed. Only load checkpoints you trust.')


@contextmanager
def _weights_only_loads() -> Iterator[None]:
    """Make every ``torch.load`` call inside the block weights-only, whatever
    its caller asks for, with the allow-list."""
    original = torch.load

    @wraps(original)
    def weights_only_load(*args, **kwargs):
        kwargs['weights_only'] = True
        return original(*args, **kwargs)

    torch.load = weights_only_load
    try:
        with torch.serialization.safe_globals(ALLOWED_GLOBALS):
            yield
    finally:
        torch.load = original


def _guarded(loader: Callable) -> Callable:
    """Run a CheckpointLoader scheme weights-only, with the allow-list and
    clear errors."""

    @wraps(loader)
    def load(filename: str, *args, **kwargs):
        try:
            with _weights_only_loads():
                return loader(filename, *args, **kwargs)
        except UnsafeCheckpointError:
            raise
        except pickle.UnpicklingError as exc:
            names = [a or b for a, b in _offending_globals(str(exc))]
            names = names or [str(exc).splitlines()[0]]
            raise _refuse(filename, names) from None

    load._mmaction_charades_safe = True
    return load


def load_from_local(filename: str, map_location=None) -> dict:
    """Load a local checkpoint after checking its globals against the
    allow-list; never unpickles a refused file."""
    import os.path as osp
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    with torch.serialization.safe_globals(ALLOWED_GLOBALS):
        try:
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
        except (RuntimeError, ValueError):
            unsafe = []  # legacy (non-zip) format: weights_only still guards
        if unsafe:
            raise _refuse(filename, unsafe)
        return torch.load(filename, map_location=map_location,
                          weights_only=True)


def install() -> None:
    """Guard every scheme registered in MMEngine's CheckpointLoader."""
    global _INSTALLED
    if _INSTALLED:
        return
    schemes = CheckpointLoader._schemes
    for prefix, loader in list(schemes.items()):
        if getattr(loader, '_mmaction_charades_safe', False):
            continue
        schemes[prefix] = _guarded(load_from_local if prefix == '' else loader)
    _INSTALLED = True
