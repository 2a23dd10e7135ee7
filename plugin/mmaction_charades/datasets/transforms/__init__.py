from .listed_frames import ListedRawFrameDecode
from .whole_video_sampler import WholeVideoSampler  # noqa: F401
from .samplers import (DilatedClipSampler, StrideClipSampler,
                       clip_labels_from_actions)

__all__ = [
    'DilatedClipSampler', 'ListedRawFrameDecode', 'StrideClipSampler',
    'clip_labels_from_actions'
]
