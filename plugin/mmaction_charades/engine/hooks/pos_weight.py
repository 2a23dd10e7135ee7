"""Fill ``pos_weight='auto'`` losses and loss metrics when a run starts."""
from typing import List, Optional

import torch
from mmengine.evaluator import Evaluator
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmaction.registry import HOOKS

from ...datasets.pos_weight import pos_weight_from_labels
from ...evaluation.metrics import MultilabelBCELoss
from ...models.losses import PosWeightBCELoss


@HOOKS.register_module()
class PosWeightHook(Hook):
    """Computes per-class ``pos_weight`` from the training annotations.

    * ``before_train``: ``train_dataloader.dataset.video_labels()``, an (N, C)
      multi-hot array of the training videos, gives
      ``#negatives / #positives`` per class
      (:func:`~mmaction_charades.datasets.pos_weight.pos_weight_from_labels`,
      Section 3.2 of the specification); the weights are logged and set on
      every :class:`PosWeightBCELoss` with ``pos_weight='auto'`` in the model
      (wrapped or not). Every rank computes the same weights. They are a
      buffer of the loss, so checkpoints keep them and ``tools/test.py``
      needs neither this hook nor the training data to use them.
    * ``before_val`` / ``before_test``: every
      :class:`MultilabelBCELoss` metric with ``pos_weight='auto'`` gets the
      weights of the model's first :class:`PosWeightBCELoss` that has some
      (after the checkpoint is loaded).

    Config: ``custom_hooks = [dict(type='PosWeightHook')]``.
    """

    def before_train(self, runner) -> None:
        losses = [m for m in runner.model.modules()
                  if isinstance(m, PosWeightBCELoss) and m.auto]
        logger: MMLogger = runner.logger
        if not losses:
            logger.warning("PosWeightHook: the model has no "
                           "PosWeightBCELoss(pos_weight='auto'); nothing set")
            return
        dataset = runner.train_dataloader.dataset
        if not hasattr(dataset, 'video_labels'):
            raise TypeError(
                f'PosWeightHook needs a training dataset with video_labels() '
                f'(an (N, C) multi-hot array, as CharadesDataset has); '
                f'{type(dataset).__name__} has none')
        weights = torch.from_numpy(
            pos_weight_from_labels(dataset.video_labels()))
        for loss in losses:
            loss.set_pos_weight(weights)
        names = dataset.metainfo.get('classes') or range(len(weights))
        logger.info('PosWeightHook: pos_weight (#neg / #pos) from '
                    f'{len(dataset)} training videos:\n' + '\n'.join(
                        f'  {name}: {w:.4f}'
                        for name, w in zip(names, weights.tolist())))

    def before_val(self, runner) -> None:
        self._fill_metrics(runner, runner.val_loop.evaluator)

    def before_test(self, runner) -> None:
        self._fill_metrics(runner, runner.test_loop.evaluator)

    @staticmethod
    def _fill_metrics(runner, evaluator: Evaluator) -> None:
        metrics: List[MultilabelBCELoss] = [
            m for m in evaluator.metrics
            if isinstance(m, MultilabelBCELoss) and m.auto
        ]
        if not metrics:
            return
        weights: Optional[torch.Tensor] = next(
            (m.pos_weight for m in runner.model.modules()
             if isinstance(m, PosWeightBCELoss) and m.pos_weight is not None
             and m.pos_weight.numel() > 0), None)
        if weights is None:
            runner.logger.warning(
                "PosWeightHook: no PosWeightBCELoss in the model has weights "
                "for MultilabelBCELoss(pos_weight='auto')")
            return
        for metric in metrics:
            metric.set_pos_weight(weights)
