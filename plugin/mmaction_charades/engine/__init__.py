from . import hooks, model_wrapper  # noqa: F401
from .checkpoint import (CheckpointError, CheckpointTooLargeError,
                         InvalidCheckpointError, UnsafeCheckpointError)

__all__ = [
    'CheckpointError', 'CheckpointTooLargeError', 'InvalidCheckpointError',
    'UnsafeCheckpointError'
]
