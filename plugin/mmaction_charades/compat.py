"""Shims for known upstream bugs of the pinned OpenMMLab stack.

Each shim is applied once by :func:`apply` (called first on ``import
mmaction_charades``), checks whether its bug is present and does nothing when
upstream is fixed. A shim that takes effect says so once, at INFO through
MMEngine's logger, naming what it patched and why; :data:`APPLIED` lists
them, :func:`mmaction_charades.patched` lists what they replaced and
:func:`restore` puts the originals back.

* ``drn``: the mmaction2 1.2.0 wheel ships ``mmaction/models/localizers/
  __init__.py`` importing ``.drn.drn`` but not the ``drn`` package itself,
  so ``import mmaction.models`` raises ``ModuleNotFoundError``. We register
  a placeholder package whose ``DRN`` raises a clear error when built.
* ``pkg_resources``: MMEngine resolves ``_base_ = 'mmaction::...'`` configs
  through ``pkg_resources`` (mmengine/utils/package_utils.py), removed in
  setuptools 82. We provide the two names MMEngine uses, backed by
  :mod:`importlib.metadata`.
* ``mmcv_lite_warning``: mmcv-lite (the only mmcv 2.1 that installs here)
  has no compiled ops by design, yet ``mmcv.cnn.bricks.transformer`` warns on
  every import that ``MultiScaleDeformableAttention`` is missing. We filter
  exactly that message; nothing in MMAction2's recognizers uses the op.
* ``multimodal``: ``mmaction.utils.dependency.WITH_MULTIMODAL`` only checks
  that ``transformers>=4.28`` is installed, then ``import mmaction.models``
  imports VindLU, which also needs ``timm``. With transformers but no timm
  (transformers is one of our test oracles) we report the multimodal models
  as unavailable, so MMAction2 registers its own placeholders for them.
* ``swin_train``: ``SwinTransformer3D.train`` (mmaction/models/backbones/
  swin.py) returns None instead of the module, so ``backbone.eval()`` is None
  and ``model = backbone.eval()`` breaks. We make it return the module.
* ``cpu_dist``: MMEngine's ``pytorch`` launcher calls
  ``torch.cuda.set_device`` unconditionally and defaults to NCCL
  (mmengine/dist/utils.py ``_init_dist_pytorch``), so ``torchrun`` on a
  CPU-only machine fails. Without CUDA we initialise the process group with
  gloo and skip ``set_device``.
"""
import ast
import importlib.util
import inspect
import logging
import os
import sys
import textwrap
import types
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from . import patches

#: Why each shim exists: the upstream bug it works around.
REASONS: Dict[str, str] = {
    'drn': 'the mmaction2 wheel lacks mmaction/models/localizers/drn, so '
    '`import mmaction.models` fails',
    'pkg_resources': 'setuptools>=82 removed it and MMEngine resolves '
    '`mmaction::` config bases with it',
    'mmcv_lite_warning': 'mmcv-lite has no compiled ops and warns about '
    'MultiScaleDeformableAttention on every import',
    'multimodal': 'transformers without timm: `import mmaction.models` would '
    'fail importing VindLU',
    'swin_train': 'SwinTransformer3D.train returns None, so '
    '`backbone.eval()` is None',
    'cpu_dist': "no CUDA: MMEngine's pytorch launcher would call "
    'torch.cuda.set_device and use NCCL',
}
#: Names of the shims that took effect, in the order applied.
APPLIED: List[str] = []


def _mmaction_has_drn() -> bool:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return True  # nothing to patch
    root = Path(list(spec.submodule_search_locations)[0])
    return (root / 'models' / 'localizers' / 'drn' / '__init__.py').exists()


class _MissingDRN:
    """Placeholder for ``mmaction.models.localizers.DRN``."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            'DRN is not available: the installed mmaction2 wheel lacks the '
            'package mmaction/models/localizers/drn (an upstream packaging '
            'bug). Install mmaction2 from source to use DRN.')


def _replace_attr(shim: str, obj, name: str, value, target: str) -> None:
    patches.replace_attr(shim, obj, name, value, target, REASONS[shim])


def _add_module(shim: str, module: types.ModuleType) -> None:
    patches.replace_item(shim, lambda: sys.modules, module.__name__, module,
                         f'sys.modules[{module.__name__!r}]', REASONS[shim])


def _shim_drn() -> bool:
    if 'mmaction.models.localizers.drn' in sys.modules or _mmaction_has_drn():
        return False
    pkg = types.ModuleType('mmaction.models.localizers.drn')
    pkg.__path__ = []
    mod = types.ModuleType('mmaction.models.localizers.drn.drn')
    mod.DRN = _MissingDRN
    pkg.drn = mod
    _add_module('drn', pkg)
    _add_module('drn', mod)
    return True


def _has_pkg_resources() -> bool:
    """Whether ``import pkg_resources`` would work, without importing it (the
    import itself warns that the API is deprecated)."""
    if 'pkg_resources' in sys.modules:
        return sys.modules['pkg_resources'] is not None
    return importlib.util.find_spec('pkg_resources') is not None


def _shim_pkg_resources() -> bool:
    if _has_pkg_resources():
        return False
    import importlib.metadata as metadata

    class DistributionNotFound(Exception):
        """Raised when a distribution is not installed."""

    class _Distribution:

        def __init__(self, dist: 'metadata.Distribution') -> None:
            self._dist = dist
            self.version = dist.version
            self.location = str(dist.locate_file(''))

        def has_metadata(self, name: str) -> bool:
            return self._dist.read_text(name) is not None

        def get_metadata(self, name: str) -> str:
            return self._dist.read_text(name) or ''

    def get_distribution(name: str) -> _Distribution:
        try:
            return _Distribution(metadata.distribution(name))
        except metadata.PackageNotFoundError as exc:
            raise DistributionNotFound(name) from exc

    mod = types.ModuleType('pkg_resources')
    mod.DistributionNotFound = DistributionNotFound
    mod.get_distribution = get_distribution
    mod.__spec__ = importlib.util.spec_from_loader('pkg_resources', loader=None)
    _add_module('pkg_resources', mod)
    return True


_MSDA_WARNING = 'Fail to import ``MultiScaleDeformableAttention``'


def _shim_mmcv_lite_warning() -> bool:
    if 'mmcv.cnn.bricks.transformer' in sys.modules or \
            importlib.util.find_spec('mmcv._ext') is not None:
        return False  # already warned, or a full mmcv with compiled ops
    import warnings
    warnings.filterwarnings('ignore', message=_MSDA_WARNING,
                            category=UserWarning)
    entry = warnings.filters[0]

    def remove() -> None:
        if entry in warnings.filters:  # no public API removes a filter
            warnings.filters.remove(entry)
            getattr(warnings, '_filters_mutated', lambda: None)()

    patches.record('mmcv_lite_warning', 'warnings.filters',
                   REASONS['mmcv_lite_warning'], remove)
    return True


def _shim_multimodal() -> bool:
    if 'mmaction.models' in sys.modules:
        return False
    from mmaction.utils import dependency
    if not dependency.WITH_MULTIMODAL or importlib.util.find_spec('timm'):
        return False
    _replace_attr('multimodal', dependency, 'WITH_MULTIMODAL', False,
                  'mmaction.utils.dependency.WITH_MULTIMODAL')
    return True


def _returns_value(func: Callable) -> bool:
    """Whether the source of ``func`` has a ``return <value>``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    return any(
        isinstance(node, ast.Return) and node.value is not None
        for node in ast.walk(tree))


def _shim_swin_train() -> bool:
    from mmaction.models.backbones.swin import SwinTransformer3D
    original = SwinTransformer3D.train
    if _returns_value(original):
        return False

    def train(self, mode: bool = True):
        original(self, mode)
        return self

    train.__doc__ = original.__doc__
    _replace_attr('swin_train', SwinTransformer3D, 'train', train,
                  'mmaction.models.backbones.swin.SwinTransformer3D.train')
    return True


def _shim_cpu_dist() -> bool:
    import torch
    if torch.cuda.is_available():
        return False
    import torch.distributed as torch_dist
    from mmengine.dist import utils as dist_utils

    if getattr(dist_utils._init_dist_pytorch, '_cpu_shim', False):
        return False
    original = dist_utils._init_dist_pytorch

    def _init_dist_pytorch(backend: str = 'gloo', init_backend: str = 'torch',
                           **kwargs) -> None:
        if torch.cuda.is_available() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)

    _init_dist_pytorch._cpu_shim = True
    _replace_attr('cpu_dist', dist_utils, '_init_dist_pytorch',
                  _init_dist_pytorch, 'mmengine.dist.utils._init_dist_pytorch')
    return True


_SHIMS: Tuple[Tuple[str, Callable[[], bool]], ...] = (
    ('drn', _shim_drn), ('pkg_resources', _shim_pkg_resources),
    ('mmcv_lite_warning', _shim_mmcv_lite_warning),
    ('multimodal', _shim_multimodal), ('swin_train', _shim_swin_train),
    ('cpu_dist', _shim_cpu_dist))


#: Environment variables holding a process's global rank before the process
#: group exists: torchrun (``pytorch`` launcher), Slurm and Open MPI.
RANK_VARIABLES = ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK')


def _log(message: str) -> None:
    """INFO through MMEngine's current logger, once per job: only on rank 0
    of a torchrun, Slurm or MPI launch (the process group does not exist
    yet, so the rank comes from :data:`RANK_VARIABLES`)."""
    rank = next((os.environ[v] for v in RANK_VARIABLES if v in os.environ),
                '0')
    if rank == '0':
        from mmengine.logging import print_log
        print_log(message, logger='current', level=logging.INFO)


def apply() -> List[str]:
    """Apply every shim whose bug is present and that is not applied yet,
    logging one line for each; returns the names applied so far."""
    for name, shim in _SHIMS:
        if name in APPLIED or not shim():
            continue
        APPLIED.append(name)
        targets = ', '.join(p.target for p in patches.patched()
                            if p.owner == name)
        _log(f'mmaction_charades compat shim {name}: patched {targets}: '
             f'{REASONS[name]}')
    return list(APPLIED)


def restore() -> List[str]:
    """Undo every applied shim (the originals are back, bugs included);
    returns their names. :func:`apply` applies them again."""
    undone = list(APPLIED)
    patches.restore(lambda owner: owner in undone)
    APPLIED.clear()
    return undone
