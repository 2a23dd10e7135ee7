"""Per-class AP and Charades mAP equal scikit-learn's average precision."""
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

import mmaction_charades  # noqa: F401
from mmaction_charades.evaluation.functional import (
    charades_map, official_average_precision, per_class_average_precision,
    weighted_average_precision)


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
    if not ties:  # charades_map is the official rule (ties in input order)
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


def _thumos_event_cls_pr(conf: np.ndarray, labels: np.ndarray) -> float:
    """Line-by-line re-implementation of the official MATLAB
    ``THUMOSeventclspr`` (``Charades_v1_classify.m``): ``sort(-conf)`` is
    stable, ``ap`` sums the precision at every positive, divided by npos."""
    sortind = np.argsort(-conf, kind='stable')
    tp = np.cumsum(labels[sortind] == 1)
    fp = np.cumsum(labels[sortind] != 1)
    prec = tp / (fp + tp)
    npos = np.sum(labels == 1)
    ap = 0.
    for i in range(len(conf)):
        if labels[sortind][i] == 1:
            ap += prec[i]
    return ap / npos if npos else math.nan


@pytest.mark.parametrize('ties', [False, True])
@pytest.mark.parametrize('seed', range(4))
def test_official_matches_matlab_formula(ties, seed):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(40, 9, generator=g)
    if ties:
        scores = (scores * 4).floor()
    targets = (torch.rand(40, 9, generator=g) < 0.25).long()
    targets[:, 0] = 0
    ap = official_average_precision(scores, targets)
    ref = [_thumos_event_cls_pr(scores[:, c].numpy(), targets[:, c].numpy())
           for c in range(9)]
    assert math.isnan(ap[0]) and math.isnan(ref[0])
    np.testing.assert_allclose(ap[1:].numpy(), ref[1:], rtol=1e-12)
    assert charades_map(scores, targets).item() == pytest.approx(
        np.nanmean(ref), rel=1e-12)
    if not ties:  # without ties the rules agree with scikit-learn
        np.testing.assert_allclose(ap[1:].numpy(),
                                   _sklearn_ap(scores, targets)[1:],
                                   rtol=1e-12)


def test_official_tie_order_hand_computed():
    # tie of a negative listed first and a positive: the official rule ranks
    # the negative first (precision 1/2 at the positive) ...
    targets = torch.tensor([[0], [1], [0]])
    scores = torch.tensor([[0.7], [0.7], [0.1]])
    assert official_average_precision(scores,
                                      targets).item() == pytest.approx(0.5)
    # ... and the positive first when it is listed first (precision 1)
    assert official_average_precision(
        scores, targets[[1, 0, 2]]).item() == pytest.approx(1.)


def test_weighted_average_precision_hand_computed():
    ap = torch.tensor([1., 0.5, math.nan], dtype=torch.float64)
    targets = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 0, 0]])
    # (1 * 3 + 0.5 * 1) / 4; the class without a positive weighs 0
    assert weighted_average_precision(ap, targets).item() == pytest.approx(
        3.5 / 4)
