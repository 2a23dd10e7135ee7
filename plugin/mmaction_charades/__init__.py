"""Charades multi-label video recognition for MMAction2.

``import mmaction_charades`` (what ``custom_imports = dict(imports=
['mmaction_charades'])`` does) starts up in three layers:

1. :func:`compat.apply` applies the shims for upstream bugs that are present,
   each logging one INFO line saying what it patched and why;
2. the components register into MMAction2's own registries
   (``mmaction.registry``);
3. :func:`install_checkpoint_guard` guards checkpoint and pickle loading
   (README, "Security: what is trusted").

:func:`patched` lists what the shims and the guard replaced in other
packages, and why.
"""
import importlib.util

if importlib.util.find_spec('mmcv') is None:  # mmaction2 needs, not installs
    raise ImportError(
        'mmaction_charades needs MMCV 2.0 or 2.1, which mmaction2 imports but '
        "does not install: pip install 'mmcv-lite>=2.0.0rc4,<2.2' (the extra "
        "mmaction-charades[mmcv-lite]) or a full mmcv 2.1 build")

from . import compat  # noqa: E402
from .patches import Patch, patched  # noqa: E402

compat.apply()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .engine.checkpoint import install as install_checkpoint_guard  # noqa
from .engine.checkpoint import uninstall as uninstall_checkpoint_guard  # noqa
from .version import __version__  # noqa: E402

install_checkpoint_guard()

__all__ = [
    '__version__', 'Patch', 'install_checkpoint_guard', 'patched',
    'uninstall_checkpoint_guard'
]
