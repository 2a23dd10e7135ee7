"""Inference next to MMAction2's ``mmaction.apis``: :func:`init_recognizer`
(MMAction2's, loading the checkpoint strictly through the checkpoint guard)
and :func:`inference_timeline`, per-time-step scores of a whole video."""
from .timeline import (Detection, Timeline, UnsupportedConfigError,
                       inference_timeline, init_recognizer, merge_detections,
                       plot_timeline)

__all__ = [
    'Detection', 'Timeline', 'UnsupportedConfigError', 'inference_timeline',
    'init_recognizer', 'merge_detections', 'plot_timeline'
]
