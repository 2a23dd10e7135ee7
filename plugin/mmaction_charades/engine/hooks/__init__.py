from .atomic_checkpoint import AtomicCheckpointHook
from .checkpoint_compat import CheckpointCompatHook, CheckpointMismatchError
from .config_check import MultilabelConfigCheckHook
from .pos_weight import PosWeightHook
from .results_report import ResultsReportHook
from .rng_state import RNGStateHook
from .skipped_videos import SkippedVideosHook
from .train_metrics import TrainMultilabelMetricsHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointCompatHook', 'CheckpointMismatchError',
    'MultilabelConfigCheckHook', 'PosWeightHook', 'ResultsReportHook',
    'RNGStateHook', 'SkippedVideosHook',
    'TrainMultilabelMetricsHook'
]
