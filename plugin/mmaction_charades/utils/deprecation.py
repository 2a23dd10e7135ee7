"""Deprecated public names: registry aliases and module attributes."""
import logging
import warnings
from typing import Callable, Dict, Type

from mmengine.logging import print_log
from mmengine.registry import Registry


def registered_alias(new: Type, old_name: str, registry: Registry) -> Type:
    """Register ``old_name`` in ``registry`` as a subclass of ``new`` that
    logs a warning (MMEngine's current logger) naming ``new`` when built, so
    configs with the old ``type`` still build.

    Returns:
        The alias class; its ``replaced_by`` is ``new``.
    """

    def __init__(self, *args, **kwargs):
        print_log(
            f'{old_name} is deprecated, use {new.__name__} (same arguments)',
            logger='current',
            level=logging.WARNING)
        new.__init__(self, *args, **kwargs)

    alias = type(
        old_name, (new, ),
        dict(__init__=__init__, __module__=new.__module__, replaced_by=new,
             __doc__=f'Deprecated alias of :class:`{new.__name__}`.'))
    return registry.register_module(module=alias)


def deprecated_getattr(module_name: str,
                       aliases: Dict[str, object]) -> Callable[[str], object]:
    """A module-level ``__getattr__`` (PEP 562) that serves the old names of
    ``aliases`` (old name -> the object now, or an alias of
    :func:`registered_alias`) with a :class:`DeprecationWarning` naming the
    new one."""

    def __getattr__(name: str) -> object:
        if name not in aliases:
            raise AttributeError(
                f'module {module_name!r} has no attribute {name!r}')
        value = aliases[name]
        new = getattr(value, 'replaced_by', value)
        warnings.warn(
            f'{module_name}.{name} is deprecated, use {new.__name__}',
            DeprecationWarning,
            stacklevel=2)
        return value

    return __getattr__
