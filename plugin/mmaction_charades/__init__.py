"""Charades multi-label video recognition for MMAction2.

Importing this package applies the compatibility shims of :mod:`.compat` and
the checkpoint allow-list of :mod:`.engine.checkpoint`, then registers every
component into MMAction2's own registries (``mmaction.registry``), so a config
only needs ``custom_imports = dict(imports=['mmaction_charades'])``.
"""
from . import compat

compat.apply()

# registration
from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
