"""Fill ``pos_weight='auto'`` losses when training starts."""
import torch
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmaction.registry import HOOKS

from ...datasets.pos_weight import pos_weight_from_dataset
from ...models.losses import PosWeightBCELoss


@HOOKS.register_module()
class PosWeightHook(Hook):
    """Computes per-class ``pos_weight`` from the training annotations.

    ``before_train``: the video labels of the samples one epoch of
    ``train_dataloader.dataset`` draws
    (:func:`~mmaction_charades.datasets.pos_weight.pos_weight_from_dataset`:
    ``CharadesDataset.video_labels()``, also through MMEngine's
    ``RepeatDataset``, ``ConcatDataset`` and ``ClassBalancedDataset``) give
    ``#negatives / #positives`` per class (Section 3.2 of the
    specification: video-level frequencies); the weights are logged and set
    on every :class:`PosWeightBCELoss` with ``pos_weight='auto'`` in the
    model (wrapped or not). Every rank computes the same weights. They are a
    buffer of the loss, so checkpoints keep them, and the head's test loss
    (``MultilabelBCELoss``) and ``tools/test.py`` need neither this hook nor
    the training data to use them.

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
        weights = torch.from_numpy(pos_weight_from_dataset(dataset))
        for loss in losses:
            loss.set_pos_weight(weights)
        names = getattr(dataset, 'metainfo', {}).get('classes') or range(
            len(weights))
        logger.info('PosWeightHook: pos_weight (#neg / #pos) from the '
                    f'{len(dataset)} training videos of an epoch:\n' +
                    '\n'.join(f'  {name}: {w:.4f}'
                              for name, w in zip(names, weights.tolist())))
