"""Per-class AP and Charades mAP equal scikit-learn's average precision."""
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

import mmaction_charades  # noqa: F401
from mmaction_charades.evaluation.functional import (
    charades_map, per_class_average_precision)


def _sklearn_ap(scores: torch.Tensor, targets: torch.Tensor) -> list:
    return [
        average_precision_score(targets[:, c].numpy(), scores[:, c].numpy())
        if targets[:, c].any() else math.nan
        for c in range(targets.shape[1])
    ]


@pytest.mark.parametrize('ties', [False, True])
@pytest.mark.parametrize('seed', range(4))
def test_matches_sklearn(ties, seed):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(40, 9, generator=g)
    if ties:
        scores = (scores * 4).floor()  # 4 distinct values per class
    targets = (torch.rand(40, 9, generator=g) < 0.25).long()
    targets[:, 0] = 0  # a class without positives
    targets[:, 1] = 1  # a class with only positives
    ap = per_class_average_precision(scores, targets)
    ref = _sklearn_ap(scores, targets)
    assert math.isnan(ap[0]) and math.isnan(ref[0])
    np.testing.assert_allclose(ap[1:].numpy(), ref[1:], rtol=1e-12)
    assert charades_map(scores, targets).item() == pytest.approx(
        np.nanmean(ref), rel=1e-12)


def test_hand_computed():
    # ranking: pos, neg, pos -> AP = (1/1 + 2/3) / 2
    scores = torch.tensor([[0.9], [0.5], [0.1]])
    targets = torch.tensor([[1], [0], [1]])
    assert per_class_average_precision(
        scores, targets).item() == pytest.approx(5 / 6)
    # a tie of one positive and one negative at the top: precision 1/2 there
    scores = torch.tensor([[0.7], [0.7], [0.1]])
    targets = torch.tensor([[1], [0], [0]])
    assert per_class_average_precision(
        scores, targets).item() == pytest.approx(0.5)


def test_no_positive_at_all_is_nan():
    assert math.isnan(
        charades_map(torch.rand(5, 3), torch.zeros(5, 3, dtype=torch.long)))
