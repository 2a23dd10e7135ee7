"""Timelines: a whole video scored every ``1 / fps`` seconds.

:func:`inference_timeline` runs the config's test pipeline with its clip
sampler replaced by :class:`~mmaction_charades.datasets.transforms.
TimePointClipSampler` (clips of the training geometry centred every ``1 /
fps`` seconds) and the multi-label head keeping per-clip scores
(``average_clips='none'``). Consecutive time steps whose score reaches a
threshold merge into one :class:`Detection` per class.
"""
import copy
import os.path as osp
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmaction.apis import init_recognizer as _mmaction_init_recognizer
from mmaction.registry import TRANSFORMS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint

from ..datasets.charades import BadVideoError, bad_metadata, reads_media
from ..datasets.label_space import load_label_space
from ..datasets.transforms import TimePointClipSampler
from ..models.heads.multilabel_head import MultilabelHeadMixin

#: Clip samplers that :func:`inference_timeline` replaces.
CLIP_SAMPLERS = ('DilatedClipSampler', 'StrideClipSampler',
                 'TimePointClipSampler', 'SampleFrames')


class UnsupportedConfigError(ValueError):
    """A config whose model or pipeline cannot score time steps."""


@dataclass
class Detection:
    """Class ``label`` (named ``name``) from ``start`` to ``end`` seconds,
    ``score`` its highest per-step score there."""
    label: int
    name: str
    start: float
    end: float
    score: float


@dataclass
class Timeline:
    """Per-time-step scores of one video.

    Attributes:
        video: the video file.
        times: (T,) seconds of the time steps (clip centres).
        scores: (T, C) sigmoid scores.
        classes: the C class names.
        step: seconds between steps.
        duration: video length in seconds (``total_frames / fps``).
    """
    video: str
    times: np.ndarray
    scores: np.ndarray
    classes: Tuple[str, ...]
    step: float
    duration: float
    #: Optional ground truth, (M, 3) ``[label, start, end]`` in seconds.
    actions: Optional[np.ndarray] = field(default=None, repr=False)

    def detections(self, threshold: float = 0.5) -> List[Detection]:
        """:func:`merge_detections` of the scores."""
        return merge_detections(self.times, self.scores, self.step,
                                self.duration, threshold, self.classes)

    def to_dict(self, threshold: float = 0.5) -> dict:
        """JSON-ready: steps, scores, classes, detections and the ground
        truth (``[label, start, end]`` rows) when known."""
        out = dict(
            video=self.video, step=self.step, duration=self.duration,
            classes=list(self.classes), times=self.times.tolist(),
            scores=self.scores.tolist(), threshold=threshold,
            detections=[asdict(d) for d in self.detections(threshold)])
        if self.actions is not None:
            out['ground_truth'] = np.asarray(self.actions).tolist()
        return out


def merge_detections(times: np.ndarray,
                     scores: np.ndarray,
                     step: float,
                     duration: float,
                     threshold: float = 0.5,
                     classes: Optional[Sequence[str]] = None
                     ) -> List[Detection]:
    """Runs of consecutive steps with ``score >= threshold``, per class.

    Step ``k`` stands for ``[t_k - step / 2, t_k + step / 2]`` (its clip is
    centred on ``t_k``), so a run of steps ``a .. b`` is the detection
    ``[t_a - step / 2, t_b + step / 2]`` clipped to ``[0, duration]``.
    Sorted by start, then class.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(len(times), -1)
    found = []
    for label in range(scores.shape[1]):
        on = np.concatenate([[False], scores[:, label] >= threshold, [False]])
        edges = np.flatnonzero(np.diff(on.astype(np.int8)))
        for first, after in zip(edges[::2], edges[1::2]):
            found.append(Detection(
                label=label,
                name=str(classes[label]) if classes is not None else
                str(label),
                start=max(0., float(times[first]) - step / 2),
                end=min(float(duration), float(times[after - 1]) + step / 2),
                score=float(scores[first:after, label].max())))
    return sorted(found, key=lambda d: (d.start, d.label))


def init_recognizer(config: Union[str, Config],
                    checkpoint: Optional[str] = None,
                    device: Union[str, torch.device] = 'cuda:0') -> nn.Module:
    """MMAction2's ``init_recognizer``, loading ``checkpoint`` strictly
    (every key and shape must match; MMAction2 loads leniently) through
    MMEngine's ``CheckpointLoader``, which the checkpoint guard makes
    weights-only with its allow-list (README, "Security")."""
    model = _mmaction_init_recognizer(config, None, device)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model


def _pipeline_config(cfg: Config) -> List[dict]:
    """The test pipeline of one view per clip: the ``charades_localize``
    protocol's where the config has it (``charades_video``'s default test
    pipeline may take 3 crops of every clip), else the test pipeline."""
    localize = (cfg.get('test_protocols') or {}).get('charades_localize')
    if localize is not None:
        return copy.deepcopy(list(localize.test_dataloader.dataset.pipeline))
    if cfg.get('test_pipeline') is not None:
        return copy.deepcopy(list(cfg.test_pipeline))
    return copy.deepcopy(list(cfg.test_dataloader.dataset.pipeline))


def _type_name(step: dict) -> str:
    kind = step.get('type')
    return getattr(kind, '__name__', str(kind))


def clip_geometry(cfg: Config) -> Tuple[int, float]:
    """``(clip_len, span)`` of the training clips: the config's
    ``DilatedClipSampler`` (training pipeline first), else a test
    ``TimePointClipSampler``."""
    pipelines = []
    for key in ('train_pipeline', 'test_pipeline'):
        if cfg.get(key) is not None:
            pipelines.append(cfg[key])
    for loader in ('train_dataloader', 'test_dataloader'):
        pipeline = cfg.get(loader, {}).get('dataset', {}).get('pipeline')
        if pipeline is not None:
            pipelines.append(pipeline)
    for pipeline in pipelines:
        for step in pipeline:
            if _type_name(step) in ('DilatedClipSampler',
                                    'TimePointClipSampler'):
                return step.get('clip_len', 16), step.get('span', 3.0)
    names = [_type_name(s) for s in _pipeline_config(cfg)]
    raise UnsupportedConfigError(
        f'found no DilatedClipSampler (training clip geometry) in the config '
        f'(test pipeline: {names}); timelines score one clip of the training '
        'geometry per time step'
        + (': WholeVideoSampler configs (VTN) score a whole video in one '
           'pass and give no per-step scores' if 'WholeVideoSampler' in names
           else ''))


def timeline_pipeline(cfg: Config,
                      step: float) -> Tuple[list, TimePointClipSampler, list]:
    """The config's test pipeline split around its clip sampler, which is
    replaced by a :class:`TimePointClipSampler` every ``step`` seconds:
    ``(loading steps, sampler, later steps)``, built."""
    steps = _pipeline_config(cfg)
    names = [_type_name(s) for s in steps]
    where = [i for i, name in enumerate(names) if name in CLIP_SAMPLERS]
    if not where:
        clip_geometry(cfg)  # raises the VTN message where it applies
        raise UnsupportedConfigError(
            f'the test pipeline {names} has no clip sampler to replace '
            f'(one of {CLIP_SAMPLERS})')
    clip_len, span = clip_geometry(cfg)
    sampler = TimePointClipSampler(clip_len=clip_len, span=span, step=step)
    build = [TRANSFORMS.build(s) for s in steps]
    return build[:where[0]], sampler, build[where[0] + 1:]


@contextmanager
def per_clip_scores(model: nn.Module) -> Iterator[None]:
    """The model's multi-label head keeps per-clip scores meanwhile."""
    head = getattr(model, 'cls_head', None)
    if not isinstance(head, MultilabelHeadMixin):
        raise UnsupportedConfigError(
            f'{type(model).__name__}.cls_head is '
            f'{type(head).__name__}, not a multi-label head '
            '(Multilabel*Head), which timelines need for per-clip scores')
    saved = head.average_clips
    head.average_clips = 'none'
    try:
        yield
    finally:
        head.average_clips = saved


def _class_names(cfg: Config, num_classes: int) -> Tuple[str, ...]:
    spec = cfg.get('test_dataloader', {}).get('dataset', {}).get(
        'label_space')
    if spec is not None:
        names = load_label_space(spec).classes
        if len(names) == num_classes:
            return tuple(names)
    return tuple(str(c) for c in range(num_classes))


def _apply(transform, results: dict, video: str) -> dict:
    """Run a pipeline step; one that reads the video (:func:`reads_media`)
    turns any failure, or frames or fps it cannot have, into
    :class:`BadVideoError`."""
    if not reads_media(transform):
        return transform(results)
    name = type(transform).__name__
    try:
        results = transform(results)
    except Exception as error:  # noqa: BLE001 -- any decoder error
        raise BadVideoError(f'cannot read video {video!r}: {name} raised '
                            f'{type(error).__name__}: {error}') from error
    problem = bad_metadata(results)
    if problem:
        raise BadVideoError(f'cannot read video {video!r}: {name} {problem}')
    return results


def inference_timeline(model: nn.Module,
                       video: str,
                       fps: float = 1.0,
                       batch_size: int = 8) -> Timeline:
    """Score ``video`` every ``1 / fps`` seconds.

    Args:
        model: a recognizer from :func:`init_recognizer` (``model.cfg`` is
            its config) with a multi-label head.
        video: video file.
        fps: time steps per second.
        batch_size: time steps (clips) per forward pass.

    Raises:
        FileNotFoundError: no such video.
        BadVideoError: the video cannot be decoded.
        UnsupportedConfigError: the config has no clip geometry (VTN's
            whole-video sampling) or the head is not a multi-label one.
    """
    if not fps > 0:
        raise ValueError(f'fps must be > 0, got {fps}')
    if not osp.isfile(video):
        raise FileNotFoundError(f'video {video!r} does not exist')
    step = 1. / fps
    cfg = model.cfg
    loading, sampler, rest = timeline_pipeline(cfg, step)
    head = dict(filename=video, start_index=0, modality='RGB')
    for transform in loading:
        head = _apply(transform, head, video)
    duration = head['total_frames'] / head['avg_fps']
    times = sampler.time_points(duration)
    chunks = []
    with per_clip_scores(model), torch.no_grad():
        for first in range(0, len(times), batch_size):
            chunk = times[first:first + batch_size]
            # a shallow copy: decoding drops the reader from its results only
            results = sampler(dict(head, time_points=chunk))
            for transform in rest:
                results = _apply(transform, results, video)
            sample = model.test_step(pseudo_collate([results]))[0]
            scores = sample.pred_score.detach().float().cpu().numpy()
            if len(scores) != len(chunk):
                raise UnsupportedConfigError(
                    f'the test pipeline gave {len(scores)} scores for '
                    f'{len(chunk)} time steps: timelines '
                    'need one view per clip (a CenterCrop, not ThreeCrop or '
                    'TenCrop)')
            chunks.append(scores)
    scores = np.concatenate(chunks).reshape(len(times), -1)
    return Timeline(video=video, times=times, scores=scores,
                    classes=_class_names(cfg, scores.shape[1]), step=step,
                    duration=float(duration))


def plot_timeline(timeline: Timeline,
                  path: str,
                  threshold: float = 0.5,
                  min_rows: int = 5) -> None:
    """Write a PNG: the classes (rows) that reach ``threshold``, have a
    ground-truth action or are among the ``min_rows`` highest, shaded by
    score over time; the timeline's ground-truth ``actions`` outlined in
    red. Needs matplotlib (the ``plots`` extra)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    scores, actions = timeline.scores, timeline.actions
    best = scores.max(axis=0) if len(scores) else np.zeros(scores.shape[1])
    rows = set(np.flatnonzero(best >= threshold).tolist())
    rows |= set(np.argsort(-best, kind='stable')[:min_rows].tolist())
    if actions is not None:
        rows |= {int(a) for a in np.asarray(actions).reshape(-1, 3)[:, 0]}
    rows = sorted(rows)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.35 * len(rows)))
    half = timeline.step / 2
    last = timeline.times[-1] if len(timeline.times) else 0.
    image = ax.imshow(scores[:, rows].T, aspect='auto', cmap='Blues',
                      vmin=0, vmax=1, interpolation='nearest',
                      extent=(-half, last + half, len(rows) - 0.5, -0.5))
    if actions is not None:
        for label, start, end in np.asarray(actions).reshape(-1, 3):
            row = rows.index(int(label))
            ax.add_patch(Rectangle((start, row - 0.4), end - start, 0.8,
                                   fill=False, edgecolor='red', lw=1.5))
        ax.plot([], [], color='red', label='ground truth')
        ax.legend(loc='upper right', fontsize='small')
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([timeline.classes[r] for r in rows], fontsize='small')
    ax.set_xlim(0, timeline.duration)
    ax.set_xlabel('time (s)')
    ax.set_title(osp.basename(timeline.video))
    fig.colorbar(image, ax=ax, label='score', pad=0.01)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
