"""Charades as an MMAction2 dataset: untrimmed videos with timed actions."""
import logging
import math
import os.path as osp
from typing import Callable, List, Optional, Tuple, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS, TRANSFORMS
from mmengine.logging import print_log
from mmengine.registry import DefaultScope

from ..utils.config_checks import check_frame_decoder, check_pipeline
from .annotations import load_annotations
from .bad_videos import BadVideoTracker
from .label_space import load_label_space
from .seeded_sampler import SampleIndex, sample_rngs

LABEL_LEVELS = ('clip', 'video')


class BadVideoError(RuntimeError):
    """A video (or frame directory) that the pipeline cannot decode."""


class NoValidVideoError(BadVideoError):
    """Every sample MMEngine tried in a row for one training item had an
    undecodable video (typically: all videos are missing or broken)."""


#: Files named in a :class:`NoValidVideoError` message.
NUM_NAMED_VIDEOS = 3


def reads_media(transform: Callable) -> bool:
    """Whether a pipeline step opens or decodes the video: MMAction2's loading
    transforms are all named ``*Init`` or ``*Decode*`` (``DecordInit``,
    ``DecordDecode``, ``PyAVInit``, ``RawFrameDecode``, ...)."""
    name = type(transform).__name__
    return 'Init' in name or 'Decode' in name


def bad_metadata(results: dict) -> Optional[str]:
    """What is wrong with the ``total_frames`` and ``avg_fps`` that a loading
    step wrote (no frame, a NaN, infinite or non-positive value), or None."""
    frames = results.get('total_frames', 1)
    fps = results.get('avg_fps', 1.)
    if not (math.isfinite(frames) and frames >= 1):
        return f'found no frame (total_frames={frames})'
    if not (math.isfinite(fps) and fps > 0):
        return (f'read avg_fps={fps}; expected a finite frame rate above 0 '
                '(zero frame durations in the container?)')
    return None


def _build_transform(transform: Union[dict, Callable]) -> Callable:
    """Build a transform config in the default scope, or in ``mmaction``
    when no downstream scope is set (a bare script or a Runner without
    ``default_scope``), where MMAction2's transforms would not be found."""
    if not isinstance(transform, dict):
        return transform
    scope = DefaultScope.get_current_instance()
    if scope is None or scope.scope_name == 'mmengine':
        transform = dict(transform)
        transform.setdefault('_scope_', 'mmaction')
    return TRANSFORMS.build(transform)


@DATASETS.register_module()
class CharadesDataset(BaseActionDataset):
    """Charades videos with multi-label, timed annotations.

    Reads the official ``Charades_v1_{train,test}.csv`` or a PySlowFast frame
    list (told apart by the header; see :mod:`.annotations`). Each data info
    holds:

    - ``filename``: ``data_prefix['video']/filename_tmpl.format(id)`` for the
      CSV, as ``DecordInit`` expects; for a frame list instead ``frame_dir``
      (under ``data_prefix['img']``), ``filename_tmpl``, ``offset``,
      ``total_frames`` and ``avg_fps`` as ``RawFrameDecode`` expects;
    - ``video_id``, ``length`` (seconds);
    - ``actions``: float32 (M, 3) ``[label, start, end]``, labels in the
      chosen label space, times in seconds with ``start < length`` and
      ``start <= end <= length`` (actions that no frame can show are
      dropped, with one warning per file; see :mod:`.annotations`);
    - ``num_classes`` and ``label``: the float32 (C,) multi-hot video label;
    - ``label_level``: ``'clip'`` lets the clip sampler replace ``label``
      with the labels of the sampled clip, ``'video'`` keeps the video's.

    Two flags decide what bad data does:

    - ``strict`` (annotations, default True): a malformed record raises an
      error naming the file, line and field; if False it is logged, dropped
      and counted in :attr:`num_dropped_records`.
    - ``strict_videos`` (decoding, default False): a video that the
      video-reading steps (loading, sampling, decoding; see
      :meth:`prepare_data`) fail on, or that has no frame or no finite
      positive fps, is logged once and replaced by a random other sample
      (MMEngine's refetch), and counted in :attr:`bad_videos` for
      :class:`SkippedVideosHook` to report each epoch; if True, or in
      ``test_mode`` (where replacing a sample would bias the evaluation), it
      raises :class:`BadVideoError` naming the file. When all the
      ``max_refetch + 1`` samples tried for one item are bad,
      :class:`NoValidVideoError` says so.

    Args:
        ann_file: official CSV or frame list.
        pipeline: data transforms; one that decodes video needs a Charades
            clip sampler when ``label_level='clip'`` (see
            :func:`~mmaction_charades.utils.config_checks.check_pipeline`).
        data_prefix: ``video`` (videos) and/or ``img`` (frame directories).
        label_space: ``'charades157'``, ``'charades21'`` or a mapping file
            path (see :mod:`.label_space`).
        test_mode: building a validation/test set.
        filename_tmpl: video file name of a video id.
        label_level: ``'clip'`` or ``'video'``, see above.
        strict: raise on bad annotation records.
        strict_videos: raise on undecodable videos during training.
        frame_fps: frame rate at which a frame list's frames were extracted
            (PySlowFast's Charades frames: 24).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 data_prefix: dict = dict(video=''),
                 label_space: str = 'charades21',
                 test_mode: bool = False,
                 filename_tmpl: str = '{}.mp4',
                 label_level: str = 'clip',
                 strict: bool = True,
                 strict_videos: bool = False,
                 frame_fps: float = 24.,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if label_level not in LABEL_LEVELS:
            raise ValueError(f'label_level must be one of {LABEL_LEVELS}, '
                             f'got {label_level!r}')
        self.label_space = load_label_space(label_space)
        self.filename_tmpl = filename_tmpl
        self.label_level = label_level
        self.strict = strict
        self.strict_videos = strict_videos
        self.frame_fps = frame_fps
        #: Annotation records dropped with ``strict=False``.
        self.num_dropped_records = 0
        #: Shared-memory counts of replaced samples; set by ``full_init``.
        self.bad_videos: Optional[BadVideoTracker] = None
        #: (file, reason) of the bad videos met by the current __getitem__.
        self._failed_videos: List[Tuple[str, str]] = []
        metainfo = dict(
            classes=self.label_space.classes,
            label_space=self.label_space.name,
            **(metainfo or {}))
        pipeline = [_build_transform(t) for t in pipeline]
        check_pipeline(pipeline, label_level, ann_file)
        #: Steps up to the last one that reads media: the guarded ones.
        self._num_reading_steps = max(
            (i + 1 for i, t in enumerate(pipeline) if reads_media(t)),
            default=0)
        super().__init__(
            ann_file,
            pipeline=pipeline,
            data_prefix=data_prefix,
            test_mode=test_mode,
            num_classes=self.label_space.num_classes,
            metainfo=metainfo,
            **kwargs)

    def full_init(self) -> None:
        """Load the annotations, then allocate the bad-video counters (before
        any DataLoader worker starts, so that the workers share them)."""
        if self._fully_initialized:
            return
        super().full_init()
        self.bad_videos = BadVideoTracker(len(self))

    def load_data_list(self) -> List[dict]:
        videos, self.num_dropped_records = load_annotations(
            self.ann_file, strict=self.strict, frame_fps=self.frame_fps)
        if self.num_dropped_records:
            print_log(
                f'{self.ann_file}: dropped {self.num_dropped_records} bad '
                f'records (strict=False), kept {len(videos)} videos',
                logger='current',
                level=logging.WARNING)
        space = self.label_space
        data_list = []
        for video in videos:
            info = dict(
                video_id=video['video_id'],
                length=video['length'],
                actions=space.label_actions(video['actions']),
                num_classes=space.num_classes,
                label=space.multi_hot(video['actions'][:, 0]),
                label_level=self.label_level)
            if 'frame_dir' in video:
                info.update(
                    frame_dir=osp.join(
                        self.data_prefix.get('img', ''), video['frame_dir']),
                    **{key: video[key] for key in (
                        'filename_tmpl', 'offset', 'total_frames', 'avg_fps',
                        'frame_numbers') if key in video})
            else:
                info['filename'] = osp.join(
                    self.data_prefix.get('video', ''),
                    self.filename_tmpl.format(video['video_id']))
            data_list.append(info)
        check_frame_decoder(self.pipeline.transforms, data_list,
                            self.ann_file)
        return data_list

    def video_labels(self) -> np.ndarray:
        """(N, C) float32 multi-hot video-level labels of all videos (what
        ``pos_weight`` is counted over)."""
        labels = [self.get_data_info(i)['label'] for i in range(len(self))]
        if not labels:
            return np.zeros((0, self.label_space.num_classes), np.float32)
        return np.stack(labels)

    def get_cat_ids(self, idx: int) -> List[int]:
        """Classes of video ``idx`` (video level), for MMEngine's
        ``ClassBalancedDataset``."""
        return np.flatnonzero(self.get_data_info(idx)['label']).tolist()

    def __getitem__(self, idx: int) -> dict:
        """MMEngine's ``__getitem__`` (which, in training, replaces a sample
        whose :meth:`prepare_data` is None by a random one, up to
        ``max_refetch`` times), raising :class:`NoValidVideoError` instead of
        MMEngine's generic error when every sample it tried had a bad
        video.

        An ``idx`` from :class:`SeededSampler` (a :class:`SampleIndex`) is
        loaded with the global RNGs seeded from its (seed, epoch, index)
        (:func:`sample_rngs`): its clip, augmentations and replacement
        sample are then the same in any worker, rank or resumed run."""
        self._failed_videos = []
        if isinstance(idx, SampleIndex):
            with sample_rngs(idx.seed, idx.epoch, int(idx)):
                return self._get_item(int(idx))
        return self._get_item(idx)

    def _get_item(self, idx: int) -> dict:
        try:
            return super().__getitem__(idx)
        except Exception as error:
            failed = self._failed_videos
            if len(failed) <= self.max_refetch:
                raise  # not (only) bad videos
            distinct = list(dict.fromkeys(source for source, _ in failed))
            named = ', '.join(repr(f) for f in distinct[:NUM_NAMED_VIDEOS])
            reason = failed[0][1].strip().split('\n')[0]
            raise NoValidVideoError(
                f'{self.ann_file}: no training sample could be read: all '
                f'{len(failed)} samples tried in a row ({len(distinct)} '
                f'distinct videos of {len(self)}) failed, e.g. {named} '
                f'(first: {reason}); check data_prefix and the videos with '
                'tools/data/charades/check_videos.py') from error

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Run the pipeline on sample ``idx``; None (MMEngine then draws
        another sample) when its video cannot be read in training with
        ``strict_videos=False``.

        The video-reading part of the pipeline, every step up to the last
        one that reads media (:func:`reads_media`; the clip samplers
        included), is guarded: an exception there, or a step writing no frame
        or a NaN, infinite or non-positive fps (:func:`bad_metadata`), makes
        a bad video. Later steps (augmentations, formatting) are not."""
        results = self.get_data_info(idx)
        source = results.get('filename', results.get('frame_dir'))
        for i, transform in enumerate(self.pipeline.transforms):
            if i >= self._num_reading_steps:
                results = transform(results)
            else:
                step = type(transform).__name__
                try:
                    results = transform(results)
                except Exception as error:
                    return self._bad_video(
                        idx, source, f'{step} raised '
                        f'{type(error).__name__}: {error}', error)
                problem = None if results is None else bad_metadata(results)
                if problem:
                    return self._bad_video(idx, source, f'{step} {problem}')
            if results is None:
                return None
        return results

    def _bad_video(self,
                   idx: int,
                   source: str,
                   reason: str,
                   error: Optional[Exception] = None) -> None:
        if self.test_mode or self.strict_videos:
            raise BadVideoError(
                f'cannot read video {source!r} (sample {idx}): {reason}'
            ) from error
        if self.bad_videos.record(idx):
            print_log(
                f'skipping unreadable video {source!r}: {reason}; a random '
                'other sample replaces it (strict_videos=False)',
                logger='current',
                level=logging.WARNING)
        self._failed_videos.append((source, reason))
        return None
