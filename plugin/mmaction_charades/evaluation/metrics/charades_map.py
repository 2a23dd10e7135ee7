"""The official Charades metric: mean and weighted mean of per-class AP."""
from typing import Dict, Optional

from mmaction.registry import METRICS

from ..functional import official_average_precision, weighted_average_precision
from .base import MultilabelScoreMetric


@METRICS.register_module()
class CharadesMAP(MultilabelScoreMetric):
    """``mAP`` and ``WAP`` of ``pred_score`` as ``Charades_v1_classify.m``
    computes them.

    Per-class AP is :func:`official_average_precision` (tied scores ranked in
    dataset order, the order of the annotation file, as the official code's
    stable sort does); ``mAP`` is its mean over the classes with a positive
    sample (a class without one has AP NaN), ``WAP`` the mean weighted by
    each class's number of positives (:func:`weighted_average_precision`).

    The per-class APs stay out of the returned metrics, and so out of the
    one-line log and the scalars (157 entries would make a 6,000-character
    line): they are kept in :attr:`class_ap`, which
    :class:`~mmaction_charades.engine.hooks.ResultsReportHook` writes to the
    results files. ``<class>`` is the name from ``dataset_meta['classes']``
    when the dataset gives one per class, else the class index.

    Args:
        classwise: Keep the per-class APs in :attr:`class_ap`. Defaults to
            True.
        collect_device, prefix: As for :class:`mmengine.evaluator.BaseMetric`.
    """

    #: Names of the mean and the weighted mean AP in :meth:`compute_metrics`.
    mean_name = 'mAP'
    weighted_name = 'WAP'

    def __init__(self,
                 classwise: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.classwise = classwise
        #: ``{class: AP}`` of the last :meth:`compute_metrics` (which runs on
        #: the main process only); empty with ``classwise=False``.
        self.class_ap: Dict[str, float] = {}

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, targets = self.stack_results(results)
        ap = official_average_precision(scores, targets)
        self.class_ap = {}
        if self.classwise:
            names = (self.dataset_meta or {}).get('classes')
            if names is None or len(names) != len(ap):
                names = range(len(ap))
            self.class_ap = {
                str(name): value.item()
                for name, value in zip(names, ap)
            }
        return {
            self.mean_name: ap.nanmean().item(),
            self.weighted_name: weighted_average_precision(ap,
                                                           targets).item()
        }
