from .atomic_checkpoint import AtomicCheckpointHook
from .checkpoint_compat import CheckpointCompatHook, CheckpointMismatchError
from .pos_weight import PosWeightHook
from .rng_state import RNGStateHook
from .skipped_videos import SkippedVideosHook
from .train_metrics import TrainMultilabelMetricsHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointCompatHook', 'CheckpointMismatchError',
    'PosWeightHook', 'RNGStateHook', 'SkippedVideosHook',
    'TrainMultilabelMetricsHook'
]
