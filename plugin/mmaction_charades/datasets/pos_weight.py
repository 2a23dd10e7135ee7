"""Per-class ``pos_weight`` for BCE from multi-hot training labels.

Section 3.2 of the specification weights each class by
``negatives / positives`` counted over the training videos.
"""
import warnings

import numpy as np

from .annotations import load_annotations
from .label_space import load_label_space

#: ``pos_weight`` given to a class without any positive training video: such a
#: class contributes no positive term to the loss, so its weight is irrelevant
#: to training; 1.0 keeps the loss finite and unweighted.
NO_POSITIVE_WEIGHT = 1.0


def pos_weight_from_labels(labels: np.ndarray) -> np.ndarray:
    """Per-class ``#negatives / #positives`` over videos.

    Args:
        labels: (N, C) multi-hot video labels (any value > 0 is positive).

    Returns:
        (C,) float32 weights; a class with no positive gets
        :data:`NO_POSITIVE_WEIGHT` and a warning.
    """
    labels = np.asarray(labels) > 0
    if labels.ndim != 2:
        raise ValueError(f'labels must be (N, C) multi-hot, got {labels.shape}')
    positives = labels.sum(axis=0).astype(np.float64)
    negatives = labels.shape[0] - positives
    weights = np.full(labels.shape[1], NO_POSITIVE_WEIGHT, dtype=np.float64)
    has_pos = positives > 0
    weights[has_pos] = negatives[has_pos] / positives[has_pos]
    if not has_pos.all():
        warnings.warn(
            f'classes {np.flatnonzero(~has_pos).tolist()} have no positive '
            f'training video; their pos_weight is set to {NO_POSITIVE_WEIGHT}')
    return weights.astype(np.float32)


def compute_pos_weight(ann_file: str,
                       label_space: str = 'charades21',
                       strict: bool = True,
                       frame_fps: float = 24.) -> np.ndarray:
    """Per-class ``#negatives / #positives`` over the videos of ``ann_file``
    (an action that no frame can show, dropped by the parser, counts for no
    class).

    Args:
        ann_file: training annotations (official CSV or PySlowFast frame list,
            see :func:`~.annotations.load_annotations`).
        label_space: ``'charades157'``, ``'charades21'`` or a mapping file.
        strict: raise on a bad record (else drop it).
        frame_fps: extraction rate of a frame list's frames.

    Returns:
        (C,) float32, as :func:`pos_weight_from_labels`.
    """
    space = load_label_space(label_space)
    videos, _ = load_annotations(ann_file, strict=strict, frame_fps=frame_fps)
    labels = np.zeros((len(videos), space.num_classes), dtype=np.float32)
    for row, video in enumerate(videos):
        labels[row] = space.multi_hot(video['actions'][:, 0])
    return pos_weight_from_labels(labels)
