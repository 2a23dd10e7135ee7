"""Test loss of the aggregated multi-label scores."""
import logging
from typing import Dict, Optional

import torch
from mmengine.logging import print_log
from mmaction.registry import METRICS

from ...models.heads.multilabel_head import BCE_FIELD
from .base import MultilabelScoreMetric


@METRICS.register_module()
class MultilabelBCELoss(MultilabelScoreMetric):
    """Mean of the per-video test BCE that the multi-label heads compute.

    The head's ``PosWeightBCELoss`` owns the class weights ``w_c`` and, in
    ``predict``, sets on each data sample the field ``bce_loss``:
    ``mean over classes c of -(w_c * y * log p + (1 - y) * log(1 - p))`` of
    the video's ``pred_score`` ``p`` against its ``gt_label`` ``y``, with
    ``log`` clamped at -100 as torch does. This metric averages it over the
    videos, giving the mean over samples and classes. ``pred_score`` is the
    video probability after clip aggregation, so with several clips this is
    the BCE of the aggregated (max or mean) probability, not the mean of the
    per-clip losses; with one clip it equals the training loss on the same
    video. Section 4 of the specification averages the per-batch losses
    instead; the two agree when all batches have the same size.

    Args:
        pos_weight: Deprecated, no effect: the weights are always the
            model's (also with the default ``None``, which used to mean
            unweighted). ``'auto'``, what configs used to write, is accepted
            with a :class:`DeprecationWarning`; a list is refused: fixed
            weights belong to the head's loss
            (``loss_cls=dict(type='PosWeightBCELoss', pos_weight=[...])``).
        loss_name: Metric key. Defaults to ``'test_loss'``; use ``'val_loss'``
            in the validation evaluator.
        collect_device, prefix: As for :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self,
                 pos_weight: Optional[str] = None,
                 loss_name: str = 'test_loss',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if pos_weight == 'auto':
            print_log(
                "MultilabelBCELoss(pos_weight='auto') is deprecated and has "
                "no effect: the test loss uses the weights of the model's "
                'PosWeightBCELoss; drop the argument', logger='current',
                level=logging.WARNING)
        elif pos_weight is not None:
            raise ValueError(
                'MultilabelBCELoss takes no class weights any more (got '
                f'pos_weight={pos_weight!r}): the multi-label heads compute '
                "the test loss with their loss's weights; give them as "
                "loss_cls=dict(type='PosWeightBCELoss', pos_weight=[...]) "
                'in the head')
        self.loss_name = loss_name

    def sample_result(self, sample: dict) -> dict:
        if BCE_FIELD not in sample:
            raise ValueError(
                f'MultilabelBCELoss needs the {BCE_FIELD!r} that the '
                "Multilabel* heads set in predict; a sample has none. Either "
                'the predictions come from a file dumped by an older '
                'mmaction-charades, before the head computed the loss '
                '(re-run tools/test.py --dump, or drop MultilabelBCELoss '
                "from the evaluator), or the head's "
                "PosWeightBCELoss(pos_weight='auto') has no weights (train "
                'with PosWeightHook or load a checkpoint trained with it), '
                'the head is not a multi-label one or its loss not a '
                'PosWeightBCELoss, or the sample has no multi-hot gt_label')
        result = super().sample_result(sample)
        result[BCE_FIELD] = torch.as_tensor(
            sample[BCE_FIELD]).detach().float().cpu()
        return result

    def compute_metrics(self, results: list) -> Dict[str, float]:
        self.stack_results(results)  # refuses NaN / infinite scores
        losses = torch.stack([r[BCE_FIELD] for r in results])
        return {self.loss_name: losses.double().mean().item()}
