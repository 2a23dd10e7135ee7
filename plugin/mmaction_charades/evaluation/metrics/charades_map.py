"""The official Charades metric: mean of per-class average precision."""
from typing import Dict, List, Optional

from mmaction.registry import METRICS

from ..functional import per_class_average_precision
from .base import MultilabelScoreMetric


@METRICS.register_module()
class CharadesMAP(MultilabelScoreMetric):
    """``mAP``: mean over the classes with a positive video of the AP of
    ``pred_score``, and ``AP/<class>`` for each class.

    ``<class>`` is the name from ``dataset_meta['classes']`` when the dataset
    gives one per class, else the class index. A class without a positive
    video has AP NaN and is left out of the mean.

    Args:
        classwise: Also report the per-class APs. Defaults to True.
        collect_device, prefix: As for :class:`mmengine.evaluator.BaseMetric`.
    """

    #: Name of the mean AP in :meth:`compute_metrics`.
    mean_name = 'mAP'

    def __init__(self,
                 classwise: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.classwise = classwise
        #: The ``<class>`` of every ``AP/<class>`` of the last
        #: :meth:`compute_metrics` (which runs on the main process only).
        self.reported_classes: List[str] = []

    def ap_name(self, name: str) -> str:
        """Name of the AP of class ``name`` in :meth:`compute_metrics` (the
        evaluator prepends ``'<prefix>/'``)."""
        return f'AP/{name}'

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, targets = self.stack_results(results)
        ap = per_class_average_precision(scores, targets)
        metrics = {self.mean_name: ap.nanmean().item()}
        self.reported_classes = []
        if self.classwise:
            names = (self.dataset_meta or {}).get('classes')
            if names is None or len(names) != len(ap):
                names = range(len(ap))
            self.reported_classes = [str(name) for name in names]
            metrics.update({
                self.ap_name(name): value.item()
                for name, value in zip(self.reported_classes, ap)
            })
        return metrics
