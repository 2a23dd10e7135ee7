from . import hooks, model_wrapper  # noqa: F401
from .checkpoint import UnsafeCheckpointError

__all__ = ['UnsafeCheckpointError']
