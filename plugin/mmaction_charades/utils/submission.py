"""Charades classification submission files.

The official evaluation script (``Charades_v1_classify.m``) reads one line per
test video: the video id followed by one score per class, all separated by
single spaces, e.g. ``0A8ZT 0.0123 0.871 ... 0.004`` with 157 scores. A
prediction in the 21-group label space is written the same way with 21 scores.

Predictions come from ``tools/test.py --dump preds.pkl``: MMEngine's
``DumpResults`` pickles a list with one dict per test sample (the
``ActionDataSample.to_dict()`` content), holding ``pred_score`` (shape (C,))
and the ``meta_keys`` that ``PackActionInputs`` kept, such as ``video_id`` and
``filename``.

:func:`score_submission` scores a submission file against the test CSV as
``Charades_v1_classify.m`` does (official AP and WAP), in the 157 classes or
the 21 groups.

Such a pickle is read by a restricted unpickler that admits only what
``--dump`` writes (:data:`PREDICTION_GLOBALS`: containers, numbers, strings,
tensors and numeric arrays), under the allocation limit of
:func:`~mmaction_charades.engine.checkpoint.max_load_bytes`. For sharing,
:func:`save_predictions` writes the same samples as pickle-free JSON, which
:func:`load_predictions` reads back.
"""
import _codecs
import collections
import json
from functools import partial
from pathlib import Path
from typing import (Dict, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    Union)

import numpy as np
import torch
from mmengine.fileio.handlers import PickleHandler

from ..datasets.annotations import load_annotations
from ..datasets.label_space import LabelSpace, load_label_space
from ..engine.checkpoint import (_numpy_globals, global_name, load_pickle,
                                 load_storage_bytes, max_load_bytes)

PathLike = Union[str, Path]

NUM_CHARADES_CLASSES = 157
SCORE_FORMAT = '.9g'  # nine significant digits round-trip float32 exactly
PREDICTION_GLOBALS = {
    'collections.OrderedDict': collections.OrderedDict,
    '_codecs.encode': _codecs.encode,  # bytes, protocol 2
    'torch._utils._rebuild_tensor_v2': torch._utils._rebuild_tensor_v2,
    # unguarded, this one runs torch.load(weights_only=False)
    'torch.storage._load_from_bytes': load_storage_bytes,
    **{global_name(g): g if not isinstance(g, tuple) else g[0]
       for g in _numpy_globals()},
}


def load_prediction_pickle(source, max_bytes: Optional[int] = None):
    """Unpickle a ``--dump`` file (a path or a binary stream) with the
    restricted loader: nothing outside :data:`PREDICTION_GLOBALS` is imported
    or called, under the allocation limit ``max_bytes``."""
    limit = max_load_bytes(max_bytes)
    allowed = dict(PREDICTION_GLOBALS)
    allowed['torch.storage._load_from_bytes'] = partial(
        load_storage_bytes, max_bytes=limit)
    return load_pickle(source, allowed, limit, allow_list='mmaction_charades.'
                       'utils.submission.PREDICTION_GLOBALS')


class RestrictedPickleHandler(PickleHandler):
    """``mmengine.fileio`` handler of ``.pkl``/``.pickle`` (registered by
    :func:`~mmaction_charades.engine.checkpoint.install`): loads with
    :func:`load_prediction_pickle`, so ``mmengine.load`` of a ``--dump`` file
    (as MMAction2's ``eval_metric.py`` does) never runs code; dumps as
    MMEngine does."""

    def load_from_fileobj(self, file, **kwargs):
        return load_prediction_pickle(file)

    def load_from_path(self, filepath, **kwargs):
        return load_prediction_pickle(filepath)


def save_predictions(path: PathLike, predictions: Sequence[Mapping]) -> None:
    """Write per-sample prediction dicts as JSON (tensors and arrays become
    lists), a pickle-free format for sharing; :func:`load_predictions`
    reads it."""

    def plain(value):
        if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
            return value.tolist()
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    with Path(path).open('w') as f:
        json.dump([plain(dict(p)) for p in predictions], f)


def load_predictions(path: PathLike, max_bytes: Optional[int] = None) -> list:
    """Load per-sample prediction dicts: JSON from :func:`save_predictions`
    (``.json``) or the pickle of ``DumpResults``, read by a restricted
    unpickler (nothing outside :data:`PREDICTION_GLOBALS` is imported or
    called) under the allocation limit ``max_bytes``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such predictions file')
    if path.suffix.lower() == '.json':
        try:
            with path.open() as f:
                predictions = json.load(f)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f'{path}: not a JSON predictions file ({exc})'
                             ) from None
    else:
        predictions = load_prediction_pickle(path, max_bytes)
    if not isinstance(predictions, (list, tuple)) or not all(
            isinstance(p, Mapping) for p in predictions):
        raise ValueError(f'{path}: expected a list of per-sample dicts as '
                         'written by `tools/test.py --dump`, got '
                         f'{type(predictions).__name__}')
    return list(predictions)


def read_annotation_ids(ann_file: PathLike) -> list:
    """Video ids of a Charades annotation file (official CSV or frame list)
    in row order, read by the dataset's parser
    (:func:`~mmaction_charades.datasets.load_annotations`): a malformed
    record raises the ``AnnotationError`` that ``CharadesDataset`` raises,
    naming file, line and field."""
    ann_file = Path(ann_file)
    if not ann_file.is_file():
        raise FileNotFoundError(f'{ann_file}: no such annotation file')
    videos, _ = load_annotations(str(ann_file))
    return [video['video_id'] for video in videos]


def _sample_video_id(sample: Mapping) -> Optional[str]:
    """``video_id``, else the basename of ``filename`` without extension."""
    if sample.get('video_id') not in (None, ''):
        return str(sample['video_id'])
    filename = sample.get('filename')
    if filename:
        return Path(str(filename)).stem
    return None


def _sample_scores(sample: Mapping, index: int, name: str,
                   num_classes: int,
                   num_points: Optional[int] = None) -> np.ndarray:
    """``pred_score`` of one sample as a float64 array of shape (C,), or
    (num_points, C)."""
    if 'pred_score' not in sample:
        raise ValueError(f'sample {index} ({name}): no `pred_score`; keys are '
                         f'{sorted(sample)}')
    score = sample['pred_score']
    if isinstance(score, torch.Tensor):  # shape first: never convert a view
        shape = tuple(score.shape)       # that describes more than it holds
    else:
        try:
            score = np.asarray(score, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f'sample {index} ({name}): `pred_score` is a '
                             f'{type(score).__name__}, expected a vector of '
                             'class scores') from None
        shape = score.shape
    expected = (num_classes, ) if num_points is None else (num_points,
                                                           num_classes)
    if shape != expected:
        raise ValueError(
            f'sample {index} ({name}): expected {num_classes} scores'
            + ('' if num_points is None else f' at {num_points} points')
            + ', got '
            f'shape {shape} (use --num-classes to match the '
            'label space, e.g. 21 for the groups)')
    if isinstance(score, torch.Tensor):
        score = score.detach().cpu().double().numpy()
    if not np.isfinite(score).all():
        raise ValueError(f'sample {index} ({name}): non-finite score')
    return score


def predictions_to_scores(predictions: Sequence[Mapping],
                          num_classes: int = NUM_CHARADES_CLASSES,
                          row_ids: Optional[Sequence[str]] = None,
                          num_points: Optional[int] = None) -> dict:
    """Map each test video id to its class scores.

    Ids come from each sample's ``video_id``, else the basename of its
    ``filename`` without extension, else ``row_ids[index]`` (the video ids of
    the annotation file in row order, which the test set follows).

    Args:
        predictions: Per-sample dicts with ``pred_score`` of shape (C,).
        num_classes: C, the expected number of scores per sample.
        row_ids: Optional ids in dataset order, used when a sample names none.
        num_points: localisation: ``pred_score`` is (num_points, C).

    Returns:
        dict[str, np.ndarray]: video id -> scores (C,) or (num_points, C), in
        prediction order.
    """
    if row_ids is not None and len(row_ids) != len(predictions):
        raise ValueError(f'{len(predictions)} predictions but the annotation '
                         f'file lists {len(row_ids)} videos')
    scores = {}
    for index, sample in enumerate(predictions):
        video_id = _sample_video_id(sample)
        if video_id is None:
            if row_ids is None:
                raise ValueError(
                    f'sample {index}: neither `video_id` nor `filename` is '
                    'in the prediction; add them to PackActionInputs('
                    'meta_keys=...) or pass --ann-file for the row order')
            video_id = row_ids[index]
        if video_id in scores:
            raise ValueError(f'sample {index}: video id {video_id!r} '
                             'predicted twice')
        scores[video_id] = _sample_scores(sample, index,
                                          f'video {video_id!r}', num_classes,
                                          num_points)
    return scores


def write_submission(path: PathLike, scores: Mapping[str, np.ndarray]) -> None:
    """Write ``<video_id> <score_0> ... <score_C-1>`` lines, one per video."""
    lengths = {len(np.ravel(s)) for s in scores.values()}
    if len(lengths) > 1:
        raise ValueError(f'videos have different score counts: {lengths}')
    _check_video_ids(scores)
    with Path(path).open('w') as f:
        for video_id, score in scores.items():
            f.write(f'{video_id} {_score_text(np.ravel(score))}\n')


def _check_video_ids(scores: Mapping[str, np.ndarray]) -> None:
    """Refuse a video id that would not be one field of a line."""
    for video_id in scores:
        if not video_id or any(c.isspace() for c in video_id):
            raise ValueError(f'video id {video_id!r} is empty or has spaces')


def _score_text(row: np.ndarray) -> str:
    """The scores of one submission line, space-separated."""
    return ' '.join(format(float(v), SCORE_FORMAT) for v in row)


def submission_lines(path: PathLike) -> Iterator[Tuple[int, List[str]]]:
    """``(line number, fields)`` of every non-blank line of a submission
    file, fields split on whitespace (the official readers accept spaces or
    tabs)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such submission file')
    with path.open() as f:
        for line_num, line in enumerate(f, start=1):
            fields = line.split()
            if fields:
                yield line_num, fields


def parse_scores(path: PathLike, line_num: int, values: Sequence[str],
                 num_classes: int, head: str = 'the video id') -> np.ndarray:
    """The ``num_classes`` scores of one submission line (the fields after
    ``head``) as float64, or a ``ValueError`` naming the file and line."""
    if len(values) != num_classes:
        raise ValueError(f'{path} line {line_num}: expected {head} and '
                         f'{num_classes} scores, got {len(values)} scores')
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        bad = next(v for v in values if not _is_float(v))
        raise ValueError(f'{path} line {line_num}: score {bad!r} is not a '
                         'number') from None


def read_submission(path: PathLike,
                    num_classes: Optional[int] = None) -> dict:
    """Read a classification submission file back.

    Args:
        path: The submission text file.
        num_classes: Expected scores per line; by default the first line's.

    Returns:
        dict[str, np.ndarray]: video id -> float64 scores (C,), in file order.
    """
    scores, first_line = {}, {}
    for line_num, (video_id, *values) in submission_lines(path):
        if num_classes is None:
            num_classes = len(values)
        row = parse_scores(path, line_num, values, num_classes)
        if video_id in scores:
            raise ValueError(
                f'{path} line {line_num}: video id {video_id!r} already '
                f'on line {first_line[video_id]}')
        scores[video_id], first_line[video_id] = row, line_num
    return scores


def video_targets(ann_file: PathLike,
                  label_space: Union[str, LabelSpace] = 'charades157'
                  ) -> Tuple[List[str], np.ndarray]:
    """Video ids (file order) and (N, C) multi-hot video labels of an
    annotation file in ``label_space``, read as ``CharadesDataset`` reads
    it (the same parser, the same dropped actions)."""
    ann_file = Path(ann_file)
    if not ann_file.is_file():
        raise FileNotFoundError(f'{ann_file}: no such annotation file')
    if isinstance(label_space, str):
        label_space = load_label_space(label_space)
    videos, _ = load_annotations(str(ann_file))
    labels = np.zeros((len(videos), label_space.num_classes), np.float32)
    for row, video in zip(labels, videos):
        row[:] = label_space.multi_hot(video['actions'][:, 0].astype(int))
    return [v['video_id'] for v in videos], labels



def _scored_label_space(path: PathLike, scores: Mapping,
                        label_space: Union[None, str, LabelSpace]
                        ) -> LabelSpace:
    """The label space a submission's ``scores`` (any key -> (C,)) are
    scored in: ``label_space``, by default ``charades157`` for C = 157 and
    ``charades21`` for 21; a C that does not fit is a ``ValueError``."""
    num_classes = len(next(iter(scores.values()))) if scores else None
    if label_space is None:
        spaces = {157: 'charades157', 21: 'charades21'}
        if num_classes not in spaces:
            raise ValueError(f'{path}: {num_classes} scores per line; pass '
                             'the label space of other than 157 or 21')
        label_space = spaces[num_classes]
    space = (load_label_space(label_space)
             if isinstance(label_space, str) else label_space)
    if num_classes not in (None, space.num_classes):
        raise ValueError(f'{path}: {num_classes} scores per line, expected '
                         f'{space.num_classes} for {space.name}')
    return space

def score_submission(path: PathLike, ann_file: PathLike,
                     label_space: Union[None, str, LabelSpace] = None
                     ) -> dict:
    """Score a classification submission as ``Charades_v1_classify.m`` does.

    Rows follow ``ann_file``; a video the submission lacks scores ``-inf``
    in every class, and videos ``ann_file`` lacks are ignored, as in the
    official script. Per-class AP is the official one (ties in ``ann_file``
    order); ``mAP`` its mean over the classes with a positive video,
    ``WAP`` its mean weighted by their positives.

    Args:
        path: The submission file (:func:`write_submission`).
        ann_file: The test CSV (or frame list) with the ground truth.
        label_space: The space of the scores; by default ``charades157`` for
            157 scores per line and ``charades21`` for 21.

    Returns:
        dict with ``mAP``, ``WAP``, ``AP`` (class name -> AP, NaN without a
        positive) and ``missing`` (ids of ``ann_file`` without scores).
    """
    from ..evaluation.functional import (official_average_precision,
                                         weighted_average_precision)
    scores = read_submission(path)
    space = _scored_label_space(path, scores, label_space)
    ids, targets = video_targets(ann_file, space)
    if not ids:
        raise ValueError(f'{ann_file}: no videos to score')
    missing = [video_id for video_id in ids if video_id not in scores]
    rows = np.stack([scores.get(video_id, np.full(space.num_classes,
                                                  -np.inf))
                     for video_id in ids])
    targets = torch.from_numpy(targets)
    ap = official_average_precision(torch.from_numpy(rows), targets)
    return dict(mAP=ap.nanmean().item(),
                WAP=weighted_average_precision(ap, targets).item(),
                AP=dict(zip(space.classes, ap.tolist())),
                missing=missing)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Localisation (Charades_v1_localize.m): one line per video and time point,
# ``<video_id> <frame> <score_0> ... <score_C-1>`` with frames 1 .. 25 at
# (frame - 1) / 25 * length (TimePointClipSampler, CharadesLocalizationMAP).


def write_localization_submission(path: PathLike,
                                  scores: Mapping[str, np.ndarray]) -> None:
    """Write ``<video_id> <frame> <scores>`` lines from (P, C) scores per
    video, frames numbered 1 .. P."""
    shapes = {np.shape(s) for s in scores.values()}
    if len(shapes) > 1 or any(len(shape) != 2 for shape in shapes):
        raise ValueError('expected (num_points, C) scores, the same shape '
                         f'for every video; got shapes {sorted(shapes)}')
    _check_video_ids(scores)
    with Path(path).open('w') as f:
        for video_id, points in scores.items():
            for frame, row in enumerate(np.asarray(points), start=1):
                f.write(f'{video_id} {frame} {_score_text(row)}\n')


def read_localization_submission(
        path: PathLike,
        num_classes: Optional[int] = None) -> Dict[Tuple[str, int],
                                                   np.ndarray]:
    """Read a localisation submission back.

    Args:
        path: The submission text file.
        num_classes: Expected scores per line; by default the first line's.

    Returns:
        ``(video id, frame) -> float64 scores (C,)``, in file order; frames
        are the file's 1-based numbers.
    """
    scores, first_line = {}, {}
    for line_num, (video_id, *fields) in submission_lines(path):
        frame, values = (fields[0], fields[1:]) if fields else ('', [])
        if not (frame.isascii() and frame.isdigit() and int(frame) >= 1):
            raise ValueError(f'{path} line {line_num}: frame {frame!r} is '
                             'not a number 1, 2, ...')
        if num_classes is None:
            num_classes = len(values)
        row = parse_scores(path, line_num, values, num_classes,
                           head='the video id, the frame')
        key = (video_id, int(frame))
        if key in scores:
            raise ValueError(
                f'{path} line {line_num}: video {video_id!r} frame {frame} '
                f'already on line {first_line[key]}')
        scores[key], first_line[key] = row, line_num
    return scores


def score_localization(path: PathLike,
                       ann_file: PathLike,
                       label_space: Union[None, str, LabelSpace] = None,
                       num_points: int = 25) -> dict:
    """Score a localisation submission as ``Charades_v1_localize.m`` does.

    Rows are the ``num_points`` frames of every video of ``ann_file``, in
    file then frame order (the official tie order); ground truth at frame
    ``j`` is every action with ``start <= t <= end``, ``t = (j - 1) /
    num_points * length``. A frame the submission lacks scores ``-inf`` in
    every class; frames of other videos, or beyond ``num_points``, are
    ignored, as in the official script.

    Args:
        path: The submission file (:func:`write_localization_submission`).
        ann_file: The test CSV with the ground truth.
        label_space: The space of the scores; by default ``charades157``
            for 157 scores per line and ``charades21`` for 21.
        num_points: Frames per video.

    Returns:
        dict with ``mAP``, ``WAP`` and ``missing`` (the ``(video id,
        frame)`` of ``ann_file`` without scores).
    """
    from ..datasets.transforms.samplers import (localization_times,
                                                point_labels_from_actions)
    from ..evaluation.metrics.localization_map import localization_map
    scores = read_localization_submission(path)
    space = _scored_label_space(path, scores, label_space)
    videos, _ = load_annotations(str(ann_file))
    if not videos:
        raise ValueError(f'{ann_file}: no videos to score')
    missing, rows, targets = [], [], []
    for video in videos:
        for frame in range(1, num_points + 1):
            key = (video['video_id'], frame)
            if key not in scores:
                missing.append(key)
            rows.append(scores.get(key, np.full(space.num_classes, -np.inf)))
        targets.append(point_labels_from_actions(
            localization_times(video['length'], num_points),
            space.label_actions(video['actions']), space.num_classes))
    metrics = localization_map(torch.as_tensor(np.stack(rows)),
                               torch.as_tensor(np.concatenate(targets)))
    return dict(metrics, missing=missing)
