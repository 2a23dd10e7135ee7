"""Safe checkpoint loading for MMEngine under ``torch.load(weights_only=True)``.

torch>=2.6 unpickles checkpoints with ``weights_only=True``, which rejects the
non-tensor objects that MMEngine writes (the message hub's ``HistoryBuffer``,
numpy arrays and scalars in ``meta`` and ``runtime_info``), so resume and
``tools/test.py CKPT`` fail. Rather than loading arbitrary pickles, we
allow-list exactly the globals that MMEngine / MMAction2 checkpoints contain
(:data:`ALLOWED_GLOBALS`) and refuse anything else before unpickling it:

* every loader registered in :class:`mmengine.runner.CheckpointLoader` runs
  with ``torch.load`` forced to ``weights_only=True`` and the allow-list:
  MMEngine's remote schemes (``http(s)://``, ``open-mmlab://``,
  ``torchvision://`` ...) download through ``torch.hub``-like helpers, which
  would otherwise unpickle with ``weights_only=False``;
* before ``torch.load`` reads a file, :func:`check_checkpoint` inspects it
  without executing anything: the zip records' declared sizes (torch writes
  them STORED; compressed records are refused), then the pickle opcodes:
  globals outside the allow-list, the tensor storages they declare and the
  sizes passed to allocating callables (``bytearray(n)``, ``torch.Tensor(n)``,
  numpy's ``_reconstruct``). What a load may allocate is bounded by
  :func:`max_load_bytes` (argument, else ``$MMACTION_CHARADES_MAX_LOAD_BYTES``,
  else 16 GiB); after loading, :func:`check_loaded` refuses tensors that
  describe more elements than their storage holds, and object arrays;
* config text saved in a checkpoint (``meta['cfg']``, ``meta['config']``,
  ``message_hub['runtime_info']['cfg']``) is data, remembered by value in
  :data:`CHECKPOINT_CONFIG_TEXTS`: ``Config.fromstring`` reads such text
  with a literal-only parser instead of executing it, and MMEngine
  inferencers refuse to build a model from it (a config names arbitrary
  callables through the registry); pass the config file explicitly.

Errors derive from :class:`CheckpointError`: :class:`UnsafeCheckpointError`
(a refused global), :class:`InvalidCheckpointError` (empty, truncated, not a
checkpoint) and :class:`CheckpointTooLargeError`.
"""
import ast
import io
import os
import os.path as osp
import pickle
import pickletools
import re
import zipfile
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from collections import deque
from contextlib import contextmanager
from functools import wraps
from typing import (IO, Callable, Dict, Iterator, List, Optional, Set, Tuple,
                    Union)

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .. import patches

MAX_LOAD_BYTES_ENV = 'MMACTION_CHARADES_MAX_LOAD_BYTES'
DEFAULT_MAX_LOAD_BYTES = 16 * 2**30
_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c  # torch.serialization.MAGIC_NUMBER
_TORCH_LOAD = torch.load

Source = Union[str, os.PathLike, IO[bytes]]


class CheckpointError(Exception):
    """A checkpoint (or predictions file) that cannot be loaded safely."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint references a global outside :data:`ALLOWED_GLOBALS`."""


class InvalidCheckpointError(CheckpointError):
    """An empty, truncated or corrupt file, or not a checkpoint at all."""


class CheckpointTooLargeError(CheckpointError):
    """Loading the file would allocate more than :func:`max_load_bytes`."""


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


def global_name(entry) -> str:
    """The pickled name of an :data:`ALLOWED_GLOBALS` entry."""
    if isinstance(entry, tuple):
        return entry[1]
    return f'{entry.__module__}.{entry.__qualname__}'


def _allowed_names() -> Set[str]:
    """Globals a checkpoint may name: torch's weights-only defaults (tensors,
    storages, dtypes, ``OrderedDict`` ...) and :data:`ALLOWED_GLOBALS`."""
    from torch import _weights_only_unpickler  # no public list of defaults
    return {*_weights_only_unpickler._get_allowed_globals(),
            *map(global_name, ALLOWED_GLOBALS)}


def max_load_bytes(max_bytes: Optional[int] = None) -> int:
    """The allocation limit of a load: ``max_bytes`` if given, else
    ``$MMACTION_CHARADES_MAX_LOAD_BYTES`` (bytes, or with a K/M/G/T suffix
    for powers of 1024), else :data:`DEFAULT_MAX_LOAD_BYTES` (16 GiB)."""
    if max_bytes is not None:
        return int(max_bytes)
    text = os.environ.get(MAX_LOAD_BYTES_ENV, '').strip()
    if not text:
        return DEFAULT_MAX_LOAD_BYTES
    match = re.fullmatch(r'(\d+)\s*([KMGT]?)i?B?', text, re.IGNORECASE)
    if not match:
        raise ValueError(f'${MAX_LOAD_BYTES_ENV}={text!r}: expected a number '
                         'of bytes, optionally with a K, M, G or T suffix')
    return int(match[1]) * 1024**' KMGT'.index(match[2].upper() or ' ')


def _refuse(filename: str, names: List[str], kind: str = 'checkpoint',
            writer: str = 'MMEngine/MMAction2 checkpoints',
            allow_list: str = 'mmaction_charades.engine.checkpoint.'
            'ALLOWED_GLOBALS') -> UnsafeCheckpointError:
    return UnsafeCheckpointError(
        f'Refused to load {kind} {filename!r}: it references the '
        f'global(s) {", ".join(names)}, which {writer} never contain '
        f'(allow-list: {allow_list}). Nothing from the file was executed. '
        f'Only load {kind}s you trust.')


def _too_large(filename: str, what: str,
               limit: int) -> CheckpointTooLargeError:
    return CheckpointTooLargeError(
        f'Refused to load {filename!r}: {what}, over the limit of {limit} '
        f'bytes ({limit / 2**30:.3g} GiB). Nothing was allocated or executed. '
        f'Raise the limit with ${MAX_LOAD_BYTES_ENV} if you trust the file.')


# ---------------------------------------------------------------------------
# Static inspection of pickles: stack effects only, nothing is executed.


class _Global:
    """A global pushed by GLOBAL/STACK_GLOBAL/INST in the simulated stack."""

    def __init__(self, name: str) -> None:
        self.name = name


class _Bytes:
    """The ``bytes`` that ``_codecs.encode(text, 'latin1')`` returns."""

    def __init__(self, size: int) -> None:
        self.size = size


_UNKNOWN, _MARK = object(), object()
_TENSOR_CLASSES = {'torch.Tensor'} | {
    f'{t.__module__}.{t.__name__}' for t in torch._tensor_classes}
_RECONSTRUCT = {'numpy._core.multiarray._reconstruct',
                'numpy.core.multiarray._reconstruct'}
_ALLOCATORS = {'builtins.bytearray', 'torch._tensor._rebuild_from_type_v2',
               'numpy.ndarray', *_TENSOR_CLASSES, *_RECONSTRUCT}
_GET = {'GET', 'BINGET', 'LONG_BINGET'}
_PUT = {'PUT', 'BINPUT', 'LONG_BINPUT'}


class PickleScan:
    """What one pickle declares, read from its opcodes without executing it.

    Attributes:
        globals: Names of every global it references.
        storages: Tensor storages from its persistent ids, key -> bytes.
        allocated: Bytes that calls to allocating callables request.
        result: The pickled object if it is a plain constant (the legacy
            format's magic number), else None.
    """

    def __init__(self) -> None:
        self.globals: Set[str] = set()
        self.storages: Dict[str, int] = {}
        self.allocated = 0
        self.result = None


def _storage_bytes(pid: tuple) -> Tuple[str, int]:
    """Key and size of a ``('storage', type, key, location, numel, ...)``
    persistent id."""
    if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == 'storage'
            and isinstance(pid[1], _Global) and isinstance(pid[2], str)
            and isinstance(pid[4], int) and pid[4] >= 0):
        raise ValueError('unexpected persistent id (not a tensor storage)')
    kind = pid[1].name.rpartition('.')[2]
    if kind == 'UntypedStorage':
        return pid[2], pid[4]
    dtype = torch.serialization.StorageType(kind).dtype
    return pid[2], pid[4] * torch._utils._element_size(dtype)


def _call_bytes(func, args) -> Optional[int]:
    """Bytes that calling ``func(*args)`` allocates beyond the pickle's own
    data: 0 for non-allocating callables, None when it cannot be bounded."""
    name = func.name if isinstance(func, _Global) else None
    if not isinstance(args, tuple):
        return None if name in _ALLOCATORS else 0
    ints = all(type(a) is int and a >= 0 for a in args)
    if name == 'builtins.bytearray':
        if len(args) == 1 and isinstance(args[0], _Bytes):
            return args[0].size
        if all(isinstance(a, (bytes, str)) for a in args):
            return len(args[0]) if args else 0  # a copy of pickled data
        return args[0] if len(args) == 1 and ints else None
    if name in _TENSOR_CLASSES:
        return int(np.prod(args, dtype=object)) * 16 if ints else None
    if name == 'torch._tensor._rebuild_from_type_v2' and len(args) == 4:
        return _call_bytes(args[0], args[2])
    if name in _RECONSTRUCT:
        return _array_bytes(*args[1:3]) if len(args) == 3 else None
    if name == 'numpy.ndarray':
        return _array_bytes(*args[:2]) if 1 <= len(args) <= 2 else None
    return 0


def _array_bytes(shape, dtype=b'f8') -> Optional[int]:
    """Bytes of a numpy array of constant ``shape`` and ``dtype``."""
    shape = (shape, ) if type(shape) is int else shape
    if not (isinstance(shape, tuple)
            and all(type(d) is int and d >= 0 for d in shape)):
        return None
    count = int(np.prod(shape, dtype=object))
    if count == 0:
        return 0
    if not isinstance(dtype, (bytes, str)):
        return None
    try:
        return count * np.dtype(dtype).itemsize
    except TypeError:
        return None


def _pop_to_mark(stack: list) -> list:
    items = []
    while True:
        item = stack.pop()
        if item is _MARK:
            return items[::-1]
        items.append(item)


def scan_pickle(stream: IO[bytes], limit: int) -> PickleScan:
    """Read one pickle's opcodes from ``stream`` and simulate their stack
    effects, without constructing or calling anything.

    Raises ``ValueError`` for a malformed or truncated pickle and
    ``MemoryError`` (with the reason) for a call whose allocation exceeds
    ``limit`` or cannot be bounded.
    """
    scan, stack, memo = PickleScan(), [], {}
    for count, (op, arg, _) in enumerate(pickletools.genops(stream)):
        name = op.name
        if name == 'MARK':
            stack.append(_MARK)
        elif name in ('GLOBAL', 'INST', 'STACK_GLOBAL'):
            if name == 'STACK_GLOBAL':
                qualname, module = stack.pop(), stack.pop()
                if not (isinstance(module, str) and isinstance(qualname, str)):
                    raise ValueError('STACK_GLOBAL of a computed name')
            else:  # protocol 2 writes Python 2 names, as pickle reads them
                module, qualname = arg.split(' ', 1)
                module, qualname = NAME_MAPPING.get(
                    (module, qualname),
                    (IMPORT_MAPPING.get(module, module), qualname))
            scan.globals.add(f'{module}.{qualname}')
            func = _Global(f'{module}.{qualname}')
            if name == 'INST':
                stack.append(_call(scan, func, tuple(_pop_to_mark(stack)),
                                   limit))
            else:
                stack.append(func)
        elif name.startswith('EXT'):
            scan.globals.add(f'copyreg extension {arg}')
            stack.append(_UNKNOWN)
        elif name in _PUT or name == 'MEMOIZE':
            index = len(memo) if name == 'MEMOIZE' else arg
            if index > count:  # C unpicklers size their memo by the index
                raise MemoryError(f'memo index {index} at opcode {count}')
            memo[index] = stack[-1]
        elif name in _GET:
            stack.append(memo.get(arg, _UNKNOWN))
        elif name in ('TUPLE', 'TUPLE1', 'TUPLE2', 'TUPLE3', 'EMPTY_TUPLE'):
            size = {'TUPLE1': 1, 'TUPLE2': 2, 'TUPLE3': 3}.get(name, 0)
            items = (_pop_to_mark(stack) if name == 'TUPLE' else
                     [stack.pop() for _ in range(size)][::-1])
            stack.append(tuple(items))
        elif name in ('REDUCE', 'NEWOBJ', 'NEWOBJ_EX', 'OBJ'):
            if name == 'OBJ':
                func, *args = _pop_to_mark(stack)
                args = tuple(args)
            else:
                if name == 'NEWOBJ_EX':  # keyword sizes are not tracked
                    stack.pop()
                args, func = stack.pop(), stack.pop()
                if name == 'NEWOBJ_EX':
                    args = _UNKNOWN
            stack.append(_call(scan, func, args, limit))
        elif name in ('BINPERSID', 'PERSID'):
            key, size = _storage_bytes(stack.pop() if name == 'BINPERSID'
                                       else arg)
            scan.storages[key] = max(size, scan.storages.get(key, 0))
            stack.append(_UNKNOWN)
        elif name == 'STOP':
            result = stack.pop()
            scan.result = result if isinstance(result, int) else None
        else:
            before = op.stack_before
            if pickletools.markobject in before:
                _pop_to_mark(stack)
                before = before[:before.index(pickletools.markobject)]
            for _ in before:
                stack.pop()
            constant = arg is not None and not before and len(
                op.stack_after) == 1
            stack.extend([arg] if constant else [_UNKNOWN] * len(
                op.stack_after))
    return scan


def _call(scan: PickleScan, func, args, limit: int):
    """Account for a simulated call; returns what it pushes."""
    name = func.name if isinstance(func, _Global) else 'a computed callable'
    if name == '_codecs.encode':  # how protocol 2 pickles bytes
        if not (isinstance(args, tuple) and len(args) == 2
                and isinstance(args[0], str) and args[1] == 'latin1'):
            scan.globals.add("_codecs.encode of anything but (text held in "
                             "the pickle, 'latin1')")
            return _UNKNOWN
        size = len(args[0])
    elif name == 'numpy.dtype' and not _numeric_dtype(args):
        scan.globals.add('numpy.dtype of a non-numeric type (object, '
                         'string, void or computed)')
        return _UNKNOWN
    else:
        size = _call_bytes(func, args)
    if size is None:
        raise MemoryError(f'it calls {name} with sizes that cannot be '
                          'checked before loading')
    scan.allocated += size
    if scan.allocated > limit:
        raise MemoryError(f'it calls {name}, requesting {size} bytes')
    return _Bytes(size) if name == '_codecs.encode' else _UNKNOWN


def _numeric_dtype(args) -> bool:
    """Whether ``numpy.dtype(*args)`` names a bool, integer, float or
    complex type (given as text held in the pickle)."""
    if not (isinstance(args, tuple) and args and isinstance(args[0], str)):
        return False
    try:
        return np.dtype(args[0]).kind in 'biufc'
    except TypeError:
        return False


class _BoundedReader:
    """A binary stream whose ``read(n)`` never asks for more than is left,
    so a declared length cannot make the reader preallocate it."""

    def __init__(self, f: IO[bytes], size: int) -> None:
        self.f, self.end = f, size

    def read(self, n: int = -1) -> bytes:
        left = max(self.end - self.f.tell(), 0)
        return self.f.read(left if n < 0 else min(n, left))

    def readline(self) -> bytes:
        return self.f.readline()

    def tell(self) -> int:
        return self.f.tell()


def _describe(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, 'name', '<in-memory checkpoint>')


def _checked_scan(stream, name: str, limit: int,
                  allowed: Set[str]) -> PickleScan:
    """:func:`scan_pickle` with its errors mapped onto CheckpointError."""
    try:
        scan = scan_pickle(stream, limit)
    except MemoryError as exc:
        raise _too_large(name, str(exc), limit) from None
    except (ValueError, IndexError, KeyError, AttributeError, RuntimeError,
            UnicodeDecodeError) as exc:
        raise InvalidCheckpointError(
            f'{name!r} is truncated, corrupt or not a checkpoint written by '
            f'torch.save ({exc})') from None
    unsafe = sorted(scan.globals - allowed)
    if unsafe:
        raise _refuse(name, unsafe)
    return scan


def _check_zip(f: IO[bytes], name: str, size: int, limit: int,
               allowed: Set[str]) -> None:
    try:
        archive = zipfile.ZipFile(f)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidCheckpointError(
            f'{name!r} is a truncated or corrupt zip file; expected a '
            f'checkpoint written by torch.save ({exc})') from None
    declared = sum(info.file_size for info in infos)
    if declared > limit:
        raise _too_large(name, f'its zip records declare {declared} bytes',
                         limit)
    records = {}
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            raise CheckpointTooLargeError(
                f'Refused to load {name!r}: its zip record {info.filename!r} '
                f'is compressed ({info.compress_size} bytes declaring '
                f'{info.file_size}; {declared} in all), which torch.save '
                'never writes, so nothing was inflated or executed.')
        if info.header_offset + info.compress_size > size or \
                info.compress_size != info.file_size:
            raise InvalidCheckpointError(
                f'{name!r}: zip record {info.filename!r} declares '
                f'{info.file_size} bytes that the file does not hold '
                '(truncated or corrupt)')
        records[info.filename] = info.file_size
    if declared > size:  # torch.save writes STORED records that never overlap
        raise InvalidCheckpointError(
            f'{name!r}: its zip records declare {declared} bytes but the file '
            f'holds {size} (overlapping records, truncated or corrupt)')
    pickles = [r for r in records if r.endswith('data.pkl')]
    if len(pickles) != 1:
        raise InvalidCheckpointError(
            f'{name!r} is a zip file but not a checkpoint written by '
            'torch.save (expected one <archive>/data.pkl record)')
    prefix = pickles[0][:-len('data.pkl')]
    with archive.open(pickles[0]) as data:
        scan = _checked_scan(data, name, limit, allowed)
    for key, nbytes in scan.storages.items():
        held = records.get(f'{prefix}data/{key}')
        if held is None or held < nbytes:
            raise InvalidCheckpointError(
                f'{name!r}: tensor storage {key!r} declares {nbytes} bytes '
                f'but its record holds {held or 0} (truncated or corrupt)')


def _check_legacy(f: IO[bytes], name: str, size: int, limit: int,
                  allowed: Set[str]) -> None:
    """torch's legacy format: magic number, protocol, system info and the
    object, each a pickle, then raw storage data."""
    reader = _BoundedReader(f, size)
    scans = [_checked_scan(reader, name, limit, allowed)]
    if scans[0].result != _LEGACY_MAGIC:
        raise InvalidCheckpointError(
            f'{name!r} is not a checkpoint: expected a file written by '
            'torch.save (zip, or the legacy pickle format)')
    scans += [_checked_scan(reader, name, limit, allowed) for _ in range(3)]
    storage = sum(scans[-1].storages.values())
    if storage + scans[-1].allocated > limit:
        raise _too_large(name, f'it declares {storage} bytes of tensor '
                         'storage', limit)
    if storage > size:
        raise InvalidCheckpointError(
            f'{name!r} declares {storage} bytes of tensor storage but holds '
            f'{size} bytes (truncated or corrupt)')


def check_checkpoint(source: Source, max_bytes: Optional[int] = None,
                     allowed: Optional[Set[str]] = None) -> None:
    """Check a ``torch.save`` file (a path or a seekable binary stream)
    before ``torch.load`` reads it; nothing in it is executed.

    Args:
        source: The file.
        max_bytes: Allocation limit, see :func:`max_load_bytes`.
        allowed: Global names a pickle may reference; by default torch's
            weights-only defaults and :data:`ALLOWED_GLOBALS`.

    Raises:
        InvalidCheckpointError: Empty, truncated or not a checkpoint.
        CheckpointTooLargeError: Declared sizes over the limit, compressed
            records, or an allocation that cannot be bounded.
        UnsafeCheckpointError: A global outside ``allowed``.
    """
    limit, name = max_load_bytes(max_bytes), _describe(source)
    allowed = _allowed_names() if allowed is None else allowed
    if isinstance(source, (str, os.PathLike)):
        with open(source, 'rb') as f:
            return check_checkpoint(f, limit, allowed)
    start = source.tell()
    size = source.seek(0, io.SEEK_END) - start
    source.seek(start)
    try:
        if size == 0:
            raise InvalidCheckpointError(
                f'{name!r} is empty; expected a checkpoint written by '
                'torch.save')
        magic = source.read(4)
        source.seek(start)
        check = _check_zip if magic == b'PK\x03\x04' else _check_legacy
        check(source, name, size, limit, allowed)
    finally:
        source.seek(start)


def check_loaded(obj, name: str) -> None:
    """Refuse loaded data that describes more than its bytes: a tensor whose
    elements exceed its storage (``expand``-style zero or overlapping
    strides, a view of 2**40 elements over one float) or an object array.
    Walks containers and objects' attributes, as unpickling built them."""
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, torch.Tensor):
            if item.layout == torch.strided and item.numel() > max(
                    item.untyped_storage().nbytes() - item.storage_offset()
                    * item.element_size(), 0) // max(item.element_size(), 1):
                raise InvalidCheckpointError(
                    f'Refused to load {name!r}: a tensor of shape '
                    f'{tuple(item.shape)} and stride {item.stride()} '
                    f'describes {item.numel()} elements over a storage of '
                    f'{item.untyped_storage().nbytes()} bytes; torch.save '
                    'never writes such a view')
        elif isinstance(item, np.ndarray):
            if item.dtype.hasobject:
                raise UnsafeCheckpointError(
                    f'Refused to load {name!r}: it holds a numpy array of '
                    'object dtype, which checkpoints and predictions never '
                    'contain')
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset, deque)):
            stack.extend(item)
        elif hasattr(item, '__dict__') and not isinstance(item, type):
            stack.extend(vars(item).values())


def load_pickle(path: Source, allowed: Dict[str, object],
                max_bytes: Optional[int] = None,
                kind: str = 'predictions file',
                source: str = '`tools/test.py --dump`',
                allow_list: str = 'the allow-list'):
    """Unpickle a plain pickle file (a path or a binary stream) that may only
    reference ``allowed`` (pickled name -> object), after checking its
    opcodes and sizes as :func:`check_checkpoint` does; nothing outside
    ``allowed`` is imported or called."""
    limit, name = max_load_bytes(max_bytes), _describe(path)
    if isinstance(path, (str, os.PathLike)):
        with open(path, 'rb') as f:
            data = f.read(limit + 1)
    else:
        data = path.read(limit + 1)
    if not data:
        raise InvalidCheckpointError(f'{name!r} is empty; expected a pickle '
                                     f'as written by {source}')
    if len(data) > limit:
        raise _too_large(name, f'it holds over {limit} bytes', limit)
    try:
        scan = scan_pickle(io.BytesIO(data), limit)
    except MemoryError as exc:
        raise _too_large(name, str(exc), limit) from None
    except (ValueError, IndexError, KeyError, AttributeError,
            UnicodeDecodeError) as exc:
        raise InvalidCheckpointError(
            f'{name!r} is truncated or not a pickle as written by {source} '
            f'({exc})') from None
    writer = f'{source} files'
    unsafe = sorted(scan.globals - set(allowed))
    if unsafe:
        raise _refuse(name, unsafe, kind, writer, allow_list)

    class Unpickler(pickle.Unpickler):

        def find_class(self, module: str, qualname: str):
            module, qualname = NAME_MAPPING.get(
                (module, qualname),
                (IMPORT_MAPPING.get(module, module), qualname))
            found = allowed.get(f'{module}.{qualname}')
            if found is None:  # unreachable after the scan; kept as a guard
                raise _refuse(name, [f'{module}.{qualname}'], kind, writer,
                              allow_list)
            return found

        def persistent_load(self, pid):
            raise InvalidCheckpointError(
                f'{name!r}: unexpected persistent id {pid!r}')

    try:
        loaded = Unpickler(io.BytesIO(data)).load()
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, ValueError, TypeError, IndexError,
            EOFError, AttributeError, RuntimeError) as exc:
        raise InvalidCheckpointError(
            f'{name!r} is corrupt: expected a pickle as written by {source} '
            f'({type(exc).__name__}: {exc})') from None
    check_loaded(loaded, name)
    return loaded


def load_storage_bytes(data: bytes, max_bytes: Optional[int] = None):
    """A weights-only, checked stand-in for ``torch.storage._load_from_bytes``
    (which calls ``torch.load(weights_only=False)``): how a tensor inside a
    plain pickle holds its data."""
    buffer = io.BytesIO(data)
    check_checkpoint(buffer, max_bytes)
    with torch.serialization.safe_globals(ALLOWED_GLOBALS):
        return _TORCH_LOAD(buffer, weights_only=True)  # load_pickle checks


# ---------------------------------------------------------------------------
# Loading.


@contextmanager
def _weights_only_loads(max_bytes: Optional[int] = None) -> Iterator[None]:
    """Make every ``torch.load`` call inside the block weights-only, whatever
    its caller asks for, with the allow-list, after :func:`check_checkpoint`
    (for paths and seekable streams)."""
    original = torch.load

    @wraps(_TORCH_LOAD)
    def weights_only_load(f, *args, **kwargs):
        if isinstance(f, (str, os.PathLike)) or hasattr(f, 'seek'):
            check_checkpoint(f, max_bytes)
        kwargs['weights_only'] = True
        loaded = _TORCH_LOAD(f, *args, **kwargs)
        check_loaded(loaded, _describe(f))
        return loaded

    torch.load = weights_only_load
    try:
        with torch.serialization.safe_globals(ALLOWED_GLOBALS):
            yield
    finally:
        torch.load = original


# Config texts read from checkpoints, by value -> where each was found: plain
# ``str`` in the loaded data (a ``str`` subclass would be deep-copied into the
# message hub and pickled into the next checkpoint), recognised by
# ``Config.fromstring`` and read as data.
CHECKPOINT_CONFIG_TEXTS: Dict[str, str] = {}


def _remember_config_texts(checkpoint, filename: str):
    """Remember the config strings MMEngine reads back from a checkpoint."""
    if not isinstance(checkpoint, dict):
        return checkpoint
    places = [(checkpoint.get('meta'), 'cfg', "meta['cfg']"),
              (checkpoint.get('meta'), 'config', "meta['config']")]
    hub = checkpoint.get('message_hub')
    if isinstance(hub, dict):
        places.append((hub.get('runtime_info'), 'cfg',
                       "message_hub['runtime_info']['cfg']"))
    for owner, key, where in places:
        if isinstance(owner, dict) and isinstance(owner.get(key), str):
            CHECKPOINT_CONFIG_TEXTS.setdefault(
                owner[key], f'{where} of checkpoint {filename!r}')
    return checkpoint


def _literal(node: ast.AST):
    """A literal, or ``dict(key=literal, ...)``; ValueError for any other
    expression."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == 'dict' and not node.args \
            and all(k.arg is not None for k in node.keywords):
        return {k.arg: _literal(k.value) for k in node.keywords}
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_literal(e) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](
            items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_literal(k): _literal(v) for k, v in zip(node.keys,
                                                         node.values)}
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(f'{ast.unparse(node)[:80]!r} is not a literal'
                         ) from None


def config_from_text(text: str, source: str = '<checkpoint>') -> Config:
    """Read config text as data: top-level ``name = value`` assignments whose
    values are literals or ``dict(...)`` of literals. Nothing is executed or
    imported; anything else raises :class:`InvalidCheckpointError`."""
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise InvalidCheckpointError(
            f'{source}: not config text ({exc})') from None
    values = {}
    for stmt in module.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring
        try:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)):
                raise ValueError('not a `name = value` assignment')
            values[stmt.targets[0].id] = _literal(stmt.value)
        except (ValueError, TypeError, RecursionError) as exc:
            raise InvalidCheckpointError(
                f'{source} line {stmt.lineno}: expected `name = value` '
                f'with a literal value ({exc}); config text in a checkpoint '
                'is read as data and never executed') from None
    return Config(values)


def _guarded(loader: Callable) -> Callable:
    """Run a CheckpointLoader scheme weights-only, with the allow-list and
    clear errors."""

    @wraps(loader)
    def load(filename: str, *args, **kwargs):
        try:
            with _weights_only_loads():
                checkpoint = loader(filename, *args, **kwargs)
        except CheckpointError:
            raise
        except pickle.UnpicklingError as exc:
            names = re.findall(
                r"GLOBAL ([\w.]+)|got <class '([\w.]+)'>", str(exc))
            if names:
                raise _refuse(filename, [a or b for a, b in names]) from None
            reason = re.search(r'WeightsUnpickler error:\s*(.+)', str(exc))
            raise InvalidCheckpointError(
                f'{filename!r} is corrupt or not a checkpoint written by '
                'torch.save: its pickle does not load weights-only ('
                f'{reason[1] if reason else str(exc).splitlines()[0]}). '
                'Nothing from the file was executed.') from None
        return _remember_config_texts(checkpoint, filename)

    load._mmaction_charades_safe = True
    return load


def load_from_local(filename: str, map_location=None,
                    max_bytes: Optional[int] = None) -> dict:
    """Load a local checkpoint after :func:`check_checkpoint`; never
    unpickles a refused file."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    with _weights_only_loads(max_bytes):
        return torch.load(filename, map_location=map_location)


GUARD = 'checkpoint_guard'


def _install_config_guards() -> None:
    """``Config.fromstring`` reads config text from a checkpoint
    (:data:`CHECKPOINT_CONFIG_TEXTS`) as data; MMEngine
    inferencers refuse to build a model from a checkpoint's config."""
    from mmengine.infer import BaseInferencer
    fromstring = Config.fromstring

    @wraps(fromstring)
    def safe_fromstring(cfg_str: str, file_format: str) -> Config:
        source = CHECKPOINT_CONFIG_TEXTS.get(cfg_str) if isinstance(
            cfg_str, str) else None
        if source is not None:
            return config_from_text(cfg_str, source)
        return fromstring(cfg_str, file_format)

    patches.replace_attr(
        GUARD, Config, 'fromstring', staticmethod(safe_fromstring),
        'mmengine.config.Config.fromstring', 'reads config text saved in a '
        'checkpoint as data (literals only), never executing it')
    init_model = BaseInferencer._init_model

    @wraps(init_model)
    def _init_model(self, cfg, weights=None, device='cpu'):
        if not cfg and weights is not None:
            raise CheckpointError(
                f'{type(self).__name__}(model=None, weights={weights!r}): '
                'building a model from the config saved in a checkpoint would '
                'run whatever callables it names, so the checkpoint config is '
                "never used; pass the config file too, e.g. model='configs/"
                "....py'")
        return init_model(self, cfg, weights, device)

    patches.replace_attr(
        GUARD, BaseInferencer, '_init_model', _init_model,
        'mmengine.infer.BaseInferencer._init_model', 'refuses to build a '
        "model from a checkpoint's own config")


def install() -> None:
    """Install the checkpoint guard (idempotent): guard every scheme
    registered in MMEngine's CheckpointLoader, the places MMEngine parses
    config text from a checkpoint, and ``mmengine.fileio.load`` of
    ``.pkl``/``.pickle`` files. ``import mmaction_charades`` calls it;
    :func:`mmaction_charades.patched` lists what it replaced and
    :func:`uninstall` puts the originals back."""
    global _INSTALLED
    if _INSTALLED:
        return
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if getattr(loader, '_mmaction_charades_safe', False):
            continue
        patches.replace_item(
            GUARD, lambda: CheckpointLoader._schemes, prefix,
            _guarded(load_from_local if prefix == '' else loader),
            f'mmengine.runner.CheckpointLoader._schemes[{prefix!r}]',
            'loads weights-only with the allow-list, after check_checkpoint')
    _install_config_guards()
    from mmengine.fileio.handlers import file_handlers

    from ..utils.submission import RestrictedPickleHandler
    for ext in ('pkl', 'pickle'):
        patches.replace_item(
            GUARD, lambda: file_handlers, ext, RestrictedPickleHandler(),
            f'mmengine.fileio.file_handlers[{ext!r}]', 'mmengine.load of '
            'pickles admits only what `tools/test.py --dump` writes')
    _INSTALLED = True


def uninstall() -> None:
    """Remove the checkpoint guard: MMEngine's own loaders, config parsing
    and pickle handler are back, unguarded; :func:`install` guards them
    again."""
    global _INSTALLED
    patches.restore(lambda owner: owner == GUARD)
    _INSTALLED = False
