"""Test loss of the aggregated multi-label scores."""
from typing import Dict, Optional, Sequence, Union

import torch
from mmaction.registry import METRICS

from .base import MultiLabelScoreMetric

#: Lower bound of ``log(p)``, as in
#: :func:`torch.nn.functional.binary_cross_entropy`.
LOG_CLAMP = -100.0


@METRICS.register_module()
class MultilabelBCELoss(MultiLabelScoreMetric):
    """Binary cross-entropy of ``pred_score`` against ``gt_label``.

    ``loss = mean over samples n and classes c of
    -(w_c * y * log p + (1 - y) * log(1 - p))``, with ``log`` clamped at -100
    as torch does. ``pred_score`` is the video probability after clip
    aggregation, so with several clips this is the BCE of the aggregated
    (max or mean) probability, not the mean of the per-clip losses; with one
    clip it equals the training loss on the same video. Section 4 of the
    specification averages the per-batch losses instead; the two agree when
    all batches have the same size.

    Args:
        pos_weight: ``None`` (no weighting), C weights ``w_c``, or ``'auto'``:
            the weights of the model's ``PosWeightBCELoss``, copied by
            :class:`~mmaction_charades.engine.hooks.PosWeightHook` before
            validation and test.
        loss_name: Metric key. Defaults to ``'test_loss'``; use ``'val_loss'``
            in the validation evaluator.
        collect_device, prefix: As for :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self,
                 pos_weight: Union[None, str, Sequence[float]] = None,
                 loss_name: str = 'test_loss',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.auto = pos_weight == 'auto'
        if isinstance(pos_weight, str) and not self.auto:
            raise ValueError("pos_weight must be None, 'auto' or a list of "
                             f'per-class weights, got {pos_weight!r}')
        self.pos_weight = (None if pos_weight is None or self.auto else
                           torch.as_tensor(pos_weight, dtype=torch.float32))
        self.loss_name = loss_name

    def set_pos_weight(self, pos_weight: torch.Tensor) -> None:
        """Fill the ``'auto'`` weights with a (C,) tensor."""
        if not self.auto:
            raise RuntimeError(
                'set_pos_weight is only for '
                "MultilabelBCELoss(pos_weight='auto')")
        self.pos_weight = torch.as_tensor(
            pos_weight, dtype=torch.float32).detach().cpu()

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, targets = self.stack_results(results)
        targets = targets.float()
        if self.auto and self.pos_weight is None:
            raise RuntimeError(
                "MultilabelBCELoss(pos_weight='auto') got no weights: add "
                "dict(type='PosWeightHook') to custom_hooks and use a model "
                "whose loss is PosWeightBCELoss(pos_weight='auto')")
        pos_weight = 1.0 if self.pos_weight is None else self.pos_weight
        log_p = scores.log().clamp(min=LOG_CLAMP)
        log_not_p = (-scores).log1p().clamp(min=LOG_CLAMP)
        loss = -(pos_weight * targets * log_p + (1 - targets) * log_not_p)
        return {self.loss_name: loss.mean().item()}
