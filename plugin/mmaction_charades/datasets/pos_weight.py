"""Per-class ``pos_weight`` for BCE from multi-hot training labels.

Section 3.2 of the specification weights each class by
``negatives / positives`` counted over the training videos.
"""
import warnings

import numpy as np

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
