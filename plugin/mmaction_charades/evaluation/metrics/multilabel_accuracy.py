"""Top-k and thresholded multi-label accuracy (torcheval's criteria)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmaction.registry import METRICS

from ..functional import (CRITERIA, multilabel_accuracy,
                          topk_multilabel_accuracy)
from .base import MultilabelScoreMetric


#: A row of the results table: its label and ``{criterion: result name}``.
TableRow = Tuple[str, Dict[str, str]]


def _as_criteria(criteria: Union[str, Sequence[str]]) -> tuple:
    criteria = (criteria, ) if isinstance(criteria, str) else tuple(criteria)
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown:
        raise ValueError(f'unknown criteria {unknown}; choose from {CRITERIA}')
    return criteria


@METRICS.register_module()
class TopKMultilabelAccuracy(MultilabelScoreMetric):
    """Accuracy of the top-k classes of ``pred_score`` as the predicted set.

    Reports ``top{k}/{criterion}`` for every k and criterion, as
    :func:`~mmaction_charades.evaluation.functional.topk_multilabel_accuracy`
    (torcheval's ``TopKMultilabelAccuracy``) over the whole dataset.

    Args:
        k: Set sizes, each >= 2. Defaults to (2, 3, 5) (Tables 4.1-4.2).
        criteria: Any of ``exact_match, hamming, overlap, contain, belong``.
        collect_device, prefix: As for :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self,
                 k: Union[int, Sequence[int]] = (2, 3, 5),
                 criteria: Union[str, Sequence[str]] = CRITERIA,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.k = (k, ) if isinstance(k, int) else tuple(k)
        if any(type(k) is not int or k < 2 for k in self.k):
            raise ValueError(f'every k must be an int >= 2, got {self.k}')
        self.criteria = _as_criteria(criteria)

    def result_name(self, k: int, criterion: str) -> str:
        """Name of the top-``k`` accuracy under ``criterion`` in
        :meth:`compute_metrics` (the evaluator prepends ``'<prefix>/'``)."""
        return f'top{k}/{criterion}'

    def table_rows(self) -> List[TableRow]:
        """Rows ``('Top-<k>', {criterion: result name})``, one per k."""
        return [(f'Top-{k}', {c: self.result_name(k, c)
                              for c in self.criteria}) for k in self.k]

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, targets = self.stack_results(results)
        return {
            self.result_name(k, c):
            topk_multilabel_accuracy(scores, targets, k=k, criteria=c).item()
            for k in self.k for c in self.criteria
        }


@METRICS.register_module()
class MultilabelAccuracy(MultilabelScoreMetric):
    """Accuracy of the classes with ``pred_score >= threshold`` as the
    predicted set.

    Reports ``threshold/{criterion}``, as
    :func:`~mmaction_charades.evaluation.functional.multilabel_accuracy`
    (torcheval's ``MultilabelAccuracy``).

    Args:
        threshold: Probability from which a class is predicted. Defaults to
            0.5.
        criteria: Any of ``exact_match, hamming, overlap, contain, belong``.
        collect_device, prefix: As for :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self,
                 threshold: float = 0.5,
                 criteria: Union[str, Sequence[str]] = CRITERIA,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.threshold = threshold
        self.criteria = _as_criteria(criteria)

    def result_name(self, criterion: str) -> str:
        """Name of the accuracy under ``criterion`` in :meth:`compute_metrics`
        (the evaluator prepends ``'<prefix>/'``)."""
        return f'threshold/{criterion}'

    def table_rows(self) -> List[TableRow]:
        """The row ``('Threshold (<threshold>)', {criterion: result name})``
        with the configured threshold."""
        return [(f'Threshold ({self.threshold:g})',
                 {c: self.result_name(c) for c in self.criteria})]

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, targets = self.stack_results(results)
        return {
            self.result_name(c):
            multilabel_accuracy(scores, targets, self.threshold, c).item()
            for c in self.criteria
        }
