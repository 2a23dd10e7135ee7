"""fps-aware clip samplers for untrimmed, multi-label videos.

The two sampling modes of the specification's ``ClipSampler`` (Section 3.1):
a *dilated* clip that spreads ``clip_len`` frames over ``span`` seconds (the
training clip) and *stride* clips of consecutive frames, one every ``stride``
seconds from the start of the video (the test clips). Both read the
``total_frames`` and ``avg_fps`` that MMAction2's ``DecordInit`` writes and
write ``frame_inds`` flattened over clips, as MMAction2's ``SampleFrames``
does, so ``DecordDecode`` and ``FormatShape(input_format='NCTHW')`` work
unchanged.

Clip labels come from the action timings (``actions``: float (M, 3) of
``[label, start, end]`` in seconds, ``length`` in seconds, ``num_classes``):
an action labels a clip when the time ``i / avg_fps`` of at least one of the
clip's sampled frames ``i`` (0-based) lies in ``[start, min(end, length)]``,
bounds included up to ``TIME_TOLERANCE`` (20 us): the dataset stores times as
float32, whose rounding (under 8 us below 256 s) must not drop a frame that
lies exactly on a bound, while no frame at 15-30 fps or 29.97 fps lies within
33 us of a 0.01 s annotation time without lying on it.
"""
import math
from typing import Dict, Optional, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmaction.registry import TRANSFORMS


#: Seconds by which a frame time may miss an action bound and still count.
TIME_TOLERANCE = 2e-5


def frames_in_actions(times: np.ndarray, actions: np.ndarray,
                      length: float) -> np.ndarray:
    """(..., M) bool: frame time ``times[...]`` (seconds) lies in action m's
    ``[start, min(end, length)]``, bounds included (``TIME_TOLERANCE``)."""
    actions = np.asarray(actions, dtype=np.float64).reshape(-1, 3)
    times = np.asarray(times, dtype=np.float64)[..., None]
    end = np.minimum(actions[:, 2], length)
    return (times >= actions[:, 1] - TIME_TOLERANCE) & (
        times <= end + TIME_TOLERANCE)


def clip_labels_from_actions(frame_inds: np.ndarray, fps: float,
                             actions: np.ndarray, length: float,
                             num_classes: int) -> np.ndarray:
    """Multi-hot labels of clips from action timings.

    Args:
        frame_inds: (num_clips, clip_len) 0-based frame indices.
        fps: frames per second of the video.
        actions: (M, 3) ``[label, start, end]``, times in seconds.
        length: video length in seconds; ends are clamped to it.
        num_classes: C.

    Returns:
        (num_clips, C) float32 of 0/1.
    """
    frame_inds = np.asarray(frame_inds)
    actions = np.asarray(actions, dtype=np.float64).reshape(-1, 3)
    if len(actions) == 0:
        return np.zeros((frame_inds.shape[0], num_classes), dtype=np.float32)
    inside = frames_in_actions(frame_inds / fps, actions, length)  # (N, T, M)
    return _multi_hot(inside.any(axis=1), actions, num_classes)


def _multi_hot(shows: np.ndarray, actions: np.ndarray,
               num_classes: int) -> np.ndarray:
    """(N, C) float32 0/1: row n has the label of every action m with
    ``shows[n, m]`` ((N, M) bool; ``actions`` (M, 3) float64)."""
    labels = np.zeros((shows.shape[0], num_classes), dtype=np.float32)
    for m in np.flatnonzero(shows.any(axis=0)):
        labels[shows[:, m], int(actions[m, 0])] = 1.
    return labels


def dilated_offsets(clip_len: int, span: float, total_frames: int,
                    fps: float) -> Tuple[np.ndarray, float]:
    """(clip_len,) int64 frame offsets of a clip spreading ``clip_len``
    frames over ``span`` seconds (``floor(i * S / clip_len)``, ``S =
    min(span * fps, total_frames)`` frames covered) and its mean step
    ``S / clip_len``."""
    covered = min(span * fps, total_frames)
    offsets = np.floor(np.arange(clip_len) * covered / clip_len).astype(
        np.int64)
    return offsets, covered / clip_len


class BaseClipSampler(BaseTransform):
    """Writes the MMAction2 sampling keys and the clip labels.

    Subclasses implement :meth:`sample` returning (num_clips, clip_len)
    0-based frame indices and the step between frames of a clip; it may read
    (not write) the other keys of ``results``.

    Required keys: ``total_frames``, ``avg_fps``; for labels also ``actions``,
    ``num_classes``, ``length`` and optionally ``label_level`` (``'clip'``
    when absent) and ``start_index`` (0 when absent, as for videos).

    Added keys: ``frame_inds`` (int32, (num_clips * clip_len,), plus
    ``start_index``), ``clip_len``, ``frame_interval``, ``num_clips``,
    ``clip_labels`` (float32 (num_clips, C)); ``label`` is replaced by the
    union of the clip labels when ``label_level == 'clip'``. Without
    ``actions`` (inference on an unannotated video) only the sampling keys are
    written.
    """

    clip_len: int

    def sample(self, total_frames: int, fps: float,
               results: Dict) -> Tuple[np.ndarray, Union[int, float]]:
        raise NotImplementedError

    def transform(self, results: Dict) -> Dict:
        total_frames, fps = results['total_frames'], results['avg_fps']
        if not (math.isfinite(total_frames) and total_frames >= 1
                and math.isfinite(fps) and fps > 0):
            raise ValueError(
                f'{type(self).__name__}: {results.get("filename", "video")} '
                f'has total_frames={total_frames}, avg_fps={fps}; expected '
                'at least one frame and a finite positive fps')
        total_frames, fps = int(total_frames), float(fps)
        frame_inds, frame_interval = self.sample(total_frames, fps, results)
        results['frame_inds'] = (frame_inds.reshape(-1) + results.get(
            'start_index', 0)).astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = frame_interval
        results['num_clips'] = frame_inds.shape[0]
        if 'actions' in results:
            clip_labels = clip_labels_from_actions(
                frame_inds, fps, results['actions'],
                results.get('length', math.inf), results['num_classes'])
            results['clip_labels'] = clip_labels
            if results.get('label_level', 'clip') == 'clip':
                results['label'] = clip_labels.max(axis=0)
        return results


@TRANSFORMS.register_module()
class DilatedClipSampler(BaseClipSampler):
    """``clip_len`` frames spread evenly over ``span`` seconds of video.

    With ``S = min(span * fps, total_frames)`` frames covered, frame ``i`` of
    a clip starting at ``s`` is ``s + floor(i * S / clip_len)``, so the clip
    covers ``S`` frames (``span`` seconds) whatever the video's fps: at 30 fps,
    ``span=3``, ``clip_len=16`` the offsets are ``floor(5.625 * i)`` = 0, 5,
    11, 16, ..., 84. A video shorter than ``span`` (``S = total_frames``) thus
    uses all of its frames evenly spaced, repeating frames when it has fewer
    than ``clip_len``. The start ``s`` ranges over ``0 .. total_frames - 1 -
    floor((clip_len - 1) * S / clip_len)``: uniformly at random from numpy's
    global RNG in training (as MMAction2's ``SampleFrames``; under
    ``SeededSampler`` the dataset seeds it per sample from (seed, epoch,
    index)), the centre (floor) in test mode. Several clips draw
    independent sorted starts in training and evenly spaced starts in test.
    ``frame_interval`` is written as the mean step ``S / clip_len`` (float).

    Args:
        clip_len: frames per clip.
        span: seconds of video covered by one clip.
        num_clips: clips per video.
        test_mode: centre (evenly spaced) instead of random starts.
    """

    def __init__(self,
                 clip_len: int = 16,
                 span: float = 3.0,
                 num_clips: int = 1,
                 test_mode: bool = False) -> None:
        if clip_len < 1 or num_clips < 1 or not span > 0:
            raise ValueError('DilatedClipSampler needs clip_len >= 1, '
                             f'num_clips >= 1 and span > 0; got {clip_len}, '
                             f'{num_clips}, {span}')
        self.clip_len = clip_len
        self.span = span
        self.num_clips = num_clips
        self.test_mode = test_mode

    def sample(self, total_frames: int, fps: float,
               results: Dict) -> Tuple[np.ndarray, float]:
        offsets, frame_interval = dilated_offsets(self.clip_len, self.span,
                                                  total_frames, fps)
        max_start = total_frames - 1 - int(offsets[-1])
        if self.test_mode:
            if self.num_clips == 1:
                starts = np.array([max_start // 2])
            else:
                starts = (np.arange(self.num_clips) * max_start) // (
                    self.num_clips - 1)
        else:
            starts = np.sort(
                np.random.randint(0, max_start + 1, size=self.num_clips))
        return starts[:, None] + offsets[None, :], frame_interval

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'span={self.span}, num_clips={self.num_clips}, '
                f'test_mode={self.test_mode})')


@TRANSFORMS.register_module()
class StrideClipSampler(BaseClipSampler):
    """Clips of consecutive frames, one every ``stride`` seconds.

    Clip ``k`` starts at frame ``floor(k * stride * fps)`` and holds frames
    ``start + j * frame_interval`` for ``j < clip_len``. Clips are taken from
    ``k = 0`` while they end inside the video, at most ``max_clips`` of them,
    so a short video gets fewer clips. A video shorter than one clip
    (``(clip_len - 1) * frame_interval + 1 > total_frames``) still gets one
    clip from frame 0 whose indices loop over the video (``j * frame_interval
    mod total_frames``, MMAction2's ``out_of_bound_opt='loop'``).

    ``num_clips`` thus varies between videos: batching the
    ``FormatShape('NCTHW')`` output of videos with different clip counts needs
    ``batch_size=1`` or videos long enough for ``max_clips``
    (``(max_clips - 1) * stride`` seconds plus one clip).

    Args:
        clip_len: frames per clip.
        max_clips: most clips per video.
        stride: seconds between the starts of consecutive clips.
        frame_interval: step between the frames of a clip.
    """

    def __init__(self,
                 clip_len: int = 16,
                 max_clips: int = 4,
                 stride: float = 1.0,
                 frame_interval: int = 1) -> None:
        if clip_len < 1 or max_clips < 1 or frame_interval < 1 or \
                not stride > 0:
            raise ValueError('StrideClipSampler needs clip_len, max_clips, '
                             'frame_interval >= 1 and stride > 0; got '
                             f'{clip_len}, {max_clips}, {frame_interval}, '
                             f'{stride}')
        self.clip_len = clip_len
        self.max_clips = max_clips
        self.stride = stride
        self.frame_interval = frame_interval

    def sample(self, total_frames: int, fps: float,
               results: Dict) -> Tuple[np.ndarray, int]:
        offsets = np.arange(self.clip_len) * self.frame_interval
        starts = np.floor(
            np.arange(self.max_clips) * self.stride * fps).astype(np.int64)
        starts = starts[starts + offsets[-1] <= total_frames - 1]
        if len(starts) == 0:
            return (offsets % total_frames)[None, :], self.frame_interval
        return starts[:, None] + offsets[None, :], self.frame_interval

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'max_clips={self.max_clips}, stride={self.stride}, '
                f'frame_interval={self.frame_interval})')


#: Time points per video of the official localisation (Charades_v1_localize.m).
NUM_LOCALIZATION_POINTS = 25


def localization_times(
        length: float,
        num_points: int = NUM_LOCALIZATION_POINTS) -> np.ndarray:
    """(num_points,) float64 ``t_j = (j - 1) / num_points * length``, j = 1 ..
    num_points: the time points of ``Charades_v1_localize.m``."""
    return np.arange(num_points) * float(length) / num_points


def point_labels_from_actions(times: np.ndarray, actions: np.ndarray,
                              num_classes: int) -> np.ndarray:
    """(P, C) float32 multi-hot: every action with ``start <= t <= end`` at
    each time ``t`` (the official localisation rule, bounds up to
    ``TIME_TOLERANCE``, which only absorbs the float32 rounding of the
    stored times: with the CSV's 0.01 s times a point ``k * length / 25``
    lies on a bound or at least 0.4 ms from it).

    An end after the video's length needs no clamp (every point lies before
    it) and an action that starts after its end covers no point, so the
    parser's handling of both (:mod:`..annotations`) leaves this unchanged.
    """
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    actions = np.asarray(actions, dtype=np.float64).reshape(-1, 3)
    return _multi_hot(frames_in_actions(times, actions, math.inf), actions,
                      num_classes)


@TRANSFORMS.register_module()
class TimePointClipSampler(BaseClipSampler):
    """One clip centred on each of a video's time points: localisation and
    timeline inference.

    Clips have the training geometry of :class:`DilatedClipSampler`:
    ``clip_len`` frames spread over ``span`` seconds (offsets ``floor(i * S /
    clip_len)``, ``S = min(span * fps, total_frames)``). The clip of time
    ``t`` starts at ``round(t * fps - offsets[-1] / 2)``, so its middle frame
    is the one nearest ``t``, clamped into the video (a point near either end
    gets the first or last full clip).

    The time points, in seconds, are either

    - ``num_points`` (default 25, the official localisation) at ``(j - 1) /
      num_points * length``, j = 1 .. num_points, with ``length`` the
      annotated length, else ``total_frames / avg_fps``;
    - or, with ``step``, every ``step`` seconds from 0 while before that
      length (timeline inference at ``1 / step`` points per second);
    - or the ``time_points`` already in the results, which take precedence
      (inference reads a long video a few points at a time).

    Added keys, beyond :class:`BaseClipSampler`'s (one clip per point):
    ``time_points`` (float64 (P,)); with ``actions``, ``point_labels``
    (float32 (P, C), every action with ``start <= t <= end``;
    :func:`point_labels_from_actions`) and ``label`` set to them whatever
    ``label_level`` says, the ground truth of per-point scores.

    Args:
        clip_len: frames per clip.
        span: seconds of video covered by one clip.
        num_points: points spread over the video; mutually exclusive with
            ``step``. 25 when neither is given.
        step: seconds between consecutive points.
    """

    def __init__(self,
                 clip_len: int = 16,
                 span: float = 3.0,
                 num_points: Optional[int] = None,
                 step: Optional[float] = None) -> None:
        if num_points is not None and step is not None:
            raise ValueError('TimePointClipSampler takes num_points or step, '
                             f'not both; got {num_points} and {step}')
        if num_points is None and step is None:
            num_points = NUM_LOCALIZATION_POINTS
        if clip_len < 1 or not span > 0 or (
                num_points is not None and num_points < 1) or (
                    step is not None and not step > 0):
            raise ValueError('TimePointClipSampler needs clip_len >= 1, span '
                             '> 0 and num_points >= 1 or step > 0; got '
                             f'{clip_len}, {span}, {num_points}, {step}')
        self.clip_len = clip_len
        self.span = span
        self.num_points = num_points
        self.step = step

    def time_points(self, length: float) -> np.ndarray:
        """(P,) float64 seconds of the points of a video lasting ``length``."""
        if self.step is None:
            return localization_times(length, self.num_points)
        return np.arange(max(1, math.ceil(length / self.step))) * self.step

    def points_of(self, results: Dict) -> np.ndarray:
        """(P,) float64 seconds: ``results['time_points']`` if given, else
        :meth:`time_points` of the annotated (or decoded) length."""
        times = results.get('time_points')
        if times is None:
            length = results.get('length')
            if length is None:
                fps = results['avg_fps']
                length = results['total_frames'] / fps if fps > 0 else 0.
            times = self.time_points(length)
        return np.asarray(times, dtype=np.float64).reshape(-1)

    def sample(self, total_frames: int, fps: float,
               results: Dict) -> Tuple[np.ndarray, float]:
        offsets, frame_interval = dilated_offsets(self.clip_len, self.span,
                                                  total_frames, fps)
        max_start = total_frames - 1 - int(offsets[-1])
        starts = np.floor(results['time_points'] * fps - offsets[-1] / 2 +
                          0.5)
        starts = np.clip(starts, 0, max_start).astype(np.int64)
        return starts[:, None] + offsets[None, :], frame_interval

    def transform(self, results: Dict) -> Dict:
        results['time_points'] = self.points_of(results)
        results = super().transform(results)
        if 'actions' in results:
            labels = point_labels_from_actions(results['time_points'],
                                               results['actions'],
                                               results['num_classes'])
            results['point_labels'] = results['label'] = labels
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'span={self.span}, num_points={self.num_points}, '
                f'step={self.step})')
