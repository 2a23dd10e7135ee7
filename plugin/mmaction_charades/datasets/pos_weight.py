"""Per-class ``pos_weight`` for BCE from multi-hot training labels.

Section 3.2 of the specification weights each class by
``negatives / positives`` counted over the training *videos* (a video counts
once for every class among its annotated actions), and so do we: the weights
come from the video-level labels, even though the loss trains on the labels
of one clip per video (``label_level='clip'``), whose positives are rarer.
"""
import warnings

import numpy as np
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from torch.utils.data import ConcatDataset, Dataset

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


def epoch_video_labels(dataset: Dataset) -> np.ndarray:
    """(N, C) video labels of the N samples that one epoch of ``dataset``
    draws, through MMEngine's dataset wrappers.

    * a dataset with ``video_labels()`` (:class:`CharadesDataset`): those;
    * ``RepeatDataset``: its dataset's labels ``times`` over (the weights do
      not change);
    * ``ConcatDataset`` (MMEngine's or torch's): its datasets' labels
      concatenated;
    * ``ClassBalancedDataset``: its dataset's labels at its repeat indices,
      so each video counts as often as the epoch repeats it.

    Raises:
        TypeError: for any other dataset.
    """
    if hasattr(dataset, 'video_labels'):
        return np.asarray(dataset.video_labels())
    if isinstance(dataset, (RepeatDataset, ClassBalancedDataset)):
        dataset.full_init()
        labels = epoch_video_labels(dataset.dataset)
        if isinstance(dataset, RepeatDataset):
            return np.tile(labels, (dataset.times, 1))
        return labels[np.asarray(dataset.repeat_indices, dtype=np.int64)]
    if isinstance(dataset, ConcatDataset):
        return np.concatenate(
            [epoch_video_labels(d) for d in dataset.datasets])
    raise TypeError(
        'pos_weight needs a training dataset with video_labels() (an (N, C) '
        'multi-hot array, as CharadesDataset has), or RepeatDataset, '
        'ConcatDataset or ClassBalancedDataset of such datasets; '
        f'{type(dataset).__name__} is none of these')


def pos_weight_from_dataset(dataset: Dataset) -> np.ndarray:
    """(C,) float32 ``#negatives / #positives`` per class over the videos one
    epoch draws (:func:`epoch_video_labels`, :func:`pos_weight_from_labels`).
    """
    return pos_weight_from_labels(epoch_video_labels(dataset))
