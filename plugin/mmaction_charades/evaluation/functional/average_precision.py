"""Per-class average precision and the Charades mAP.

The official Charades classification metric (``Charades_v1_classify.m``) is
the mean over classes of the per-class average precision of the video scores,
and its WAP the mean weighted by each class's number of positives. Classes
without a positive video have no AP and are left out of the mean.

Two tie rules: :func:`per_class_average_precision` lets tied scores enter
together (scikit-learn's ``average_precision_score``);
:func:`official_average_precision` ranks ties in input order, as the official
MATLAB code's stable ``sort`` does (the order of its ground-truth file).
"""
from typing import Tuple

import torch


def _ranked(scores: torch.Tensor, targets: torch.Tensor
            ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each class's samples by descending score, ties in input order:
    (N, C) sorted scores, float64 hits (1 for a positive) and precision at
    each rank."""
    if scores.shape != targets.shape or scores.ndim != 2:
        raise ValueError(
            'scores and targets must both be (num_samples, num_classes), got '
            f'{tuple(scores.shape)} and {tuple(targets.shape)}')
    sorted_scores, order = torch.sort(scores, dim=0, descending=True,
                                      stable=True)
    hits = (targets > 0).gather(0, order).double()
    ranks = torch.arange(1, scores.shape[0] + 1, dtype=torch.float64,
                         device=scores.device)
    return sorted_scores, hits, hits.cumsum(0) / ranks[:, None]

def per_class_average_precision(scores: torch.Tensor,
                                targets: torch.Tensor) -> torch.Tensor:
    """Average precision of every class, ranking the samples by score.

    ``AP = sum_n (R_n - R_{n-1}) * P_n`` over the distinct score values taken
    as thresholds from the highest down, so tied scores enter together; this
    is the definition of :func:`sklearn.metrics.average_precision_score`.

    Args:
        scores: (N, C) scores; higher means more likely positive.
        targets: (N, C) multi-hot targets (any value > 0 is positive).

    Returns:
        (C,) float64 tensor; NaN for a class without a positive sample.
    """
    sorted_scores, hits, precision = _ranked(scores, targets)
    num_samples = scores.shape[0]
    # Precision of a tie group is read at its last member: ``group_end[i]`` is
    # the first index j >= i where the score changes after j (or the end).
    is_end = torch.ones_like(sorted_scores, dtype=torch.bool)
    is_end[:-1] = sorted_scores[:-1] != sorted_scores[1:]
    end_index = torch.where(
        is_end,
        torch.arange(num_samples, device=scores.device)[:, None],
        num_samples)
    group_end = end_index.flip(0).cummin(0).values.flip(0)
    num_positives = hits.sum(0)
    ap = (hits * precision.gather(0, group_end)).sum(0) / num_positives
    return torch.where(num_positives > 0, ap, torch.nan)


def official_average_precision(scores: torch.Tensor,
                               targets: torch.Tensor) -> torch.Tensor:
    """Per-class AP as ``Charades_v1_classify.m`` and
    ``Charades_v1_localize.m`` compute it (their ``THUMOSeventclspr``).

    Samples are ranked by descending score, tied scores keeping their input
    order (MATLAB's ``sort`` is stable); AP is the mean, over the positives,
    of the precision at the positive's rank.

    Args:
        scores: (N, C) scores; higher means more likely positive.
        targets: (N, C) multi-hot targets (any value > 0 is positive).

    Returns:
        (C,) float64 tensor; NaN for a class without a positive sample.
    """
    _, hits, precision = _ranked(scores, targets)
    num_positives = hits.sum(0)
    ap = (hits * precision).sum(0) / num_positives
    return torch.where(num_positives > 0, ap, torch.nan)


def weighted_average_precision(ap: torch.Tensor,
                               targets: torch.Tensor) -> torch.Tensor:
    """The official WAP: per-class ``ap`` (C,) weighted by the number of
    positives of each class in ``targets`` (N, C); classes without a positive
    weigh 0. 0-dim float64 tensor; NaN if there is no positive at all."""
    weights = (targets > 0).sum(0).double()
    return torch.nansum(ap * weights) / weights.sum()


def charades_map(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The official Charades mAP: mean of :func:`official_average_precision`
    over the classes that have at least one positive sample.

    Args:
        scores: (N, C) scores.
        targets: (N, C) multi-hot targets.

    Returns:
        0-dim float64 tensor; NaN if no class has a positive.
    """
    return official_average_precision(scores, targets).nanmean()
