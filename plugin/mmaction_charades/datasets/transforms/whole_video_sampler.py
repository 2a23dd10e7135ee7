"""Whole-video frame sampling for VTN's single-pass inference."""
import math
from typing import Dict, Tuple

import numpy as np

from mmaction.registry import TRANSFORMS
from .samplers import BaseClipSampler


@TRANSFORMS.register_module()
class WholeVideoSampler(BaseClipSampler):
    """One clip of frames spread over the whole video.

    VTN classifies a video from frames covering all of it in one pass
    instead of averaging short clips (Neimark et al., ICCVW 2021, Sec. 4).
    The video is cut into ``n = clamp(floor(duration * fps), 1,
    max_frames)`` equal segments (``duration = total_frames / avg_fps``)
    and one frame is taken from each: the segment centre in test mode, a
    uniformly random frame of the segment in training (numpy's global RNG,
    as MMAction2's samplers). So consecutive frames are at least ``1 / fps``
    seconds apart, and a video longer than ``max_frames / fps`` seconds is
    covered by ``max_frames`` evenly spread frames.

    ``clip_len`` is written as ``n`` (it varies between videos: batch them
    with :func:`variable_length_collate`), ``num_clips`` as 1 and
    ``frame_interval`` as the mean step ``total_frames / n``; labels are
    written as by :class:`BaseClipSampler` (an action labels the video when
    one of the sampled frames falls inside it).

    Args:
        fps: Frames sampled per second of video.
        max_frames: Most frames per video (VTN's position limit: 288).
        test_mode: Segment centres instead of random frames.
    """

    clip_len = None  # per video; written by :meth:`transform`

    def __init__(self,
                 fps: float = 1.0,
                 max_frames: int = 288,
                 test_mode: bool = True) -> None:
        if not fps > 0 or max_frames < 1:
            raise ValueError('WholeVideoSampler needs fps > 0 and '
                             f'max_frames >= 1; got {fps}, {max_frames}')
        self.fps = fps
        self.max_frames = max_frames
        self.test_mode = test_mode

    def sample(self, total_frames: int, fps: float,
               results: Dict) -> Tuple[np.ndarray, float]:
        num = math.floor(total_frames / fps * self.fps)
        num = min(max(num, 1), self.max_frames)
        step = total_frames / num
        offset = 0.5 if self.test_mode else np.random.rand(num)
        inds = np.floor((np.arange(num) + offset) * step).astype(np.int64)
        return np.minimum(inds, total_frames - 1)[None, :], step

    def transform(self, results: Dict) -> Dict:
        results = super().transform(results)
        results['clip_len'] = len(results['frame_inds'])
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(fps={self.fps}, '
                f'max_frames={self.max_frames}, test_mode={self.test_mode})')
