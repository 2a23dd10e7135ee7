from .pos_weight import PosWeightHook
from .rng_state import RNGStateHook
from .skipped_videos import SkippedVideosHook
from .train_metrics import TrainMultilabelMetricsHook

__all__ = [
    'PosWeightHook', 'RNGStateHook', 'SkippedVideosHook',
    'TrainMultilabelMetricsHook'
]
