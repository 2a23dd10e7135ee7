from .whole_video_sampler import WholeVideoSampler  # noqa: F401
from .samplers import (DilatedClipSampler, StrideClipSampler,
                       TimePointClipSampler, clip_labels_from_actions,
                       localization_times, point_labels_from_actions)

__all__ = [
    'DilatedClipSampler', 'StrideClipSampler', 'TimePointClipSampler',
    'clip_labels_from_actions', 'localization_times',
    'point_labels_from_actions'
]
