from . import hooks, model_wrapper  # noqa: F401
from .checkpoint import (CheckpointError, CheckpointTooLargeError,
                         InvalidCheckpointError, UnsafeCheckpointError)
from .hooks import CheckpointMismatchError
from .work_dir_lock import WorkDirLockedError

__all__ = [
    'CheckpointError', 'CheckpointMismatchError', 'CheckpointTooLargeError',
    'InvalidCheckpointError', 'UnsafeCheckpointError', 'WorkDirLockedError'
]
