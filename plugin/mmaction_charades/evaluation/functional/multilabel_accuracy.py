"""Multi-label accuracy under torcheval's five set criteria.

The predicted label set of a sample is either its top-k classes
(:func:`topk_multilabel_accuracy`) or the classes whose score reaches a
threshold (:func:`multilabel_accuracy`); it is compared with the target set
under one criterion (Section 4.1 of the specification):

* ``exact_match``: prediction and target sets are equal (subset accuracy);
* ``hamming``: fraction of the ``N * C`` label slots predicted correctly
  (the zeros count too);
* ``overlap``: the sets share a class, or both are empty;
* ``contain``: the prediction holds every target class;
* ``belong``: every predicted class is a target class.

The definitions, and the values returned, are those of
``torcheval.metrics.functional.{topk_multilabel_accuracy,multilabel_accuracy}``
(torcheval 0.0.7), which the tests use as an oracle; torcheval is not needed
at runtime.
"""
import torch

CRITERIA = ('exact_match', 'hamming', 'overlap', 'contain', 'belong')


def _check_inputs(scores: torch.Tensor, targets: torch.Tensor,
                  criteria: str) -> None:
    if criteria not in CRITERIA:
        raise ValueError(
            f'criteria must be one of {CRITERIA}, got {criteria!r}')
    if scores.shape != targets.shape or scores.ndim != 2:
        raise ValueError(
            'scores and targets must both be (num_samples, num_classes), got '
            f'{tuple(scores.shape)} and {tuple(targets.shape)}')


def _set_accuracy(pred: torch.Tensor, targets: torch.Tensor,
                  criteria: str) -> torch.Tensor:
    """Accuracy of (N, C) boolean predicted sets against (N, C) targets.

    Targets are compared as given (multi-hot 0/1); returns a 0-dim float
    tensor.
    """
    pred = pred.to(targets.dtype)
    if criteria == 'hamming':
        return (pred == targets).sum() / targets.numel()
    if criteria == 'exact_match':
        correct = (pred == targets).all(dim=1)
    elif criteria == 'overlap':
        shared = ((pred == 1) & (targets == 1)).any(dim=1)
        both_empty = ((pred == 0) & (targets == 0)).all(dim=1)
        correct = shared | both_empty
    elif criteria == 'contain':
        correct = (pred >= targets).all(dim=1)
    else:  # belong
        correct = (pred <= targets).all(dim=1)
    return correct.sum() / targets.shape[0]


def topk_multilabel_accuracy(scores: torch.Tensor,
                             targets: torch.Tensor,
                             k: int = 2,
                             criteria: str = 'exact_match') -> torch.Tensor:
    """Accuracy of the top-k classes taken as the predicted label set.

    Args:
        scores: (N, C) scores (logits or probabilities).
        targets: (N, C) multi-hot targets.
        k: Size of the predicted set, an int >= 2 (for k = 1 use
            :func:`multilabel_accuracy`, as torcheval requires). A k larger
            than the number of target classes is allowed.
        criteria: One of :data:`CRITERIA`.

    Returns:
        0-dim float tensor. Tied scores are ranked by :func:`torch.topk`, as
        torcheval ranks them (its order among equal scores is unspecified).
    """
    _check_inputs(scores, targets, criteria)
    if type(k) is not int or k < 2:
        raise ValueError(
            f'k must be an int >= 2 (use multilabel_accuracy for k = 1), '
            f'got {k!r}')
    if k > scores.shape[1]:
        raise ValueError(
            f'k={k} exceeds the number of classes {scores.shape[1]}')
    pred = torch.zeros_like(scores, dtype=torch.bool)
    pred.scatter_(1, scores.topk(k, dim=1).indices, True)
    return _set_accuracy(pred, targets, criteria)


def multilabel_accuracy(scores: torch.Tensor,
                        targets: torch.Tensor,
                        threshold: float = 0.5,
                        criteria: str = 'exact_match') -> torch.Tensor:
    """Accuracy of the classes with ``score >= threshold`` as the predicted
    set.

    Args:
        scores: (N, C) probabilities.
        targets: (N, C) multi-hot targets.
        threshold: A class is predicted when its score is not below it.
        criteria: One of :data:`CRITERIA`.

    Returns:
        0-dim float tensor.
    """
    _check_inputs(scores, targets, criteria)
    # ``~(s < t)`` rather than ``s >= t``: a NaN score counts as predicted,
    # as in torcheval.
    return _set_accuracy(~(scores < threshold), targets, criteria)
