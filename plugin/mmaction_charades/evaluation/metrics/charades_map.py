"""The official Charades metric: mean of per-class average precision."""
from typing import Dict, Optional

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

    def __init__(self,
                 classwise: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.classwise = classwise

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, targets = self.stack_results(results)
        ap = per_class_average_precision(scores, targets)
        metrics = {'mAP': ap.nanmean().item()}
        if self.classwise:
            names = (self.dataset_meta or {}).get('classes')
            if names is None or len(names) != len(ap):
                names = range(len(ap))
            metrics.update(
                {f'AP/{name}': value.item()
                 for name, value in zip(names, ap)})
        return metrics
