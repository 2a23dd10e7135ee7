"""Multi-label accuracy equals torcheval's on the same tensors."""
import pytest
import torch
from torcheval.metrics import functional as tef

import mmaction_charades  # noqa: F401
from mmaction_charades.evaluation.functional import (
    CRITERIA, multilabel_accuracy, topk_multilabel_accuracy)


def _random_case(seed: int, num_samples=13, num_classes=7, ties=False):
    g = torch.Generator().manual_seed(seed)
    if ties:  # few distinct values: many tied scores within a row
        scores = torch.randint(0, 3, (num_samples, num_classes),
                               generator=g).float() / 2
    else:
        scores = torch.rand(num_samples, num_classes, generator=g)
    targets = (torch.rand(num_samples, num_classes, generator=g) < 0.3).long()
    targets[0] = 0  # an all-zero target row
    targets[1] = 1  # every class positive: k < #positives
    return scores, targets


@pytest.mark.parametrize('criteria', CRITERIA)
@pytest.mark.parametrize('k', [2, 3, 5, 7])
@pytest.mark.parametrize('ties', [False, True])
def test_topk_matches_torcheval(criteria, k, ties):
    for seed in range(3):
        scores, targets = _random_case(seed, ties=ties)
        ours = topk_multilabel_accuracy(scores, targets, k=k,
                                        criteria=criteria)
        ref = tef.topk_multilabel_accuracy(scores, targets, k=k,
                                           criteria=criteria)
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        torch.testing.assert_close(ours, ref, rtol=0, atol=0)


@pytest.mark.parametrize('criteria', CRITERIA)
@pytest.mark.parametrize('threshold', [0.5, 0.3, 1.0])
@pytest.mark.parametrize('ties', [False, True])
def test_threshold_matches_torcheval(criteria, threshold, ties):
    for seed in range(3):
        scores, targets = _random_case(seed, ties=ties)
        scores[2] = 0.0  # an all-negative prediction row
        targets[2] = 0  # ... whose target is all-zero as well ('overlap')
        ours = multilabel_accuracy(scores, targets, threshold, criteria)
        ref = tef.multilabel_accuracy(scores, targets, threshold=threshold,
                                      criteria=criteria)
        assert ours.dtype == ref.dtype
        torch.testing.assert_close(ours, ref, rtol=0, atol=0)


def test_hand_computed_values():
    # 2 samples, 4 classes; top-2 sets: {0, 1} and {2, 3}
    scores = torch.tensor([[0.9, 0.8, 0.1, 0.0], [0.1, 0.2, 0.7, 0.6]])
    targets = torch.tensor([[1, 0, 0, 0], [0, 0, 1, 1]])
    expected = dict(exact_match=0.5, hamming=7 / 8, overlap=1.0, contain=1.0,
                    belong=0.5)
    for criteria, value in expected.items():
        assert topk_multilabel_accuracy(
            scores, targets, 2, criteria).item() == pytest.approx(value)
    # threshold 0.5: sets {0, 1} and {2, 3}, as above
    assert multilabel_accuracy(scores, targets, 0.5,
                               'belong').item() == pytest.approx(0.5)


def test_bad_arguments():
    scores, targets = _random_case(0)
    with pytest.raises(ValueError, match='k must be an int >= 2'):
        topk_multilabel_accuracy(scores, targets, k=1)
    with pytest.raises(ValueError, match='exceeds the number of classes'):
        topk_multilabel_accuracy(scores, targets, k=8)
    with pytest.raises(ValueError, match='criteria must be one of'):
        multilabel_accuracy(scores, targets, criteria='jaccard')
    with pytest.raises(ValueError, match='num_samples, num_classes'):
        multilabel_accuracy(scores, targets[:, :3])
