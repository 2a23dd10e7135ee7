"""Running multi-label metrics on recent training batches."""
from collections import deque
from typing import Optional, Sequence, Union

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS

from ...evaluation.functional import (CRITERIA, charades_map,
                                      topk_multilabel_accuracy)


@HOOKS.register_module()
class TrainMultilabelMetricsHook(Hook):
    """Logs top-k accuracy and mAP over the last ``window`` training batches.

    The scores come from the training forward itself, with no second pass: a
    forward hook on the head's loss module (``loss_module``, by default
    ``cls_head.loss_cls``) records the detached (B, C) logits and (B, C)
    labels of every loss call, i.e. exactly what the loss sees (after the data
    preprocessor's batch augments). Labels are binarised at 0.5, so smoothed
    or Mixup labels count for their dominant classes. MMEngine's
    ``after_train_iter`` only receives the loss dict, which cannot carry
    per-sample scores.

    Every ``interval`` iterations it sets the message-hub scalars
    ``train/top{k}/{criterion}`` and ``train/mAP`` (mAP over the classes with
    a positive in the window; skipped if none has), which MMEngine's logger
    prints and writes to its visualizer backends (JSON, TensorBoard, W&B).
    The backends get these prefixed names, distinct from the validation
    ``val/mAP``, with ``LogProcessor(log_with_hierarchy=True)`` (as
    ``configs/_base_/default_runtime.py`` sets); by default MMEngine strips
    the ``train/`` and ``val/`` prefixes, so both would be ``mAP``.
    Under distributed training each rank measures its own batches and rank
    0's values are logged.

    Args:
        interval: Iterations between updates. Defaults to 50.
        window: Number of most recent batches measured. Defaults to 50.
        k: Top-k set sizes (each >= 2). Defaults to (2, 3, 5).
        criteria: torcheval criteria reported for each k. Defaults to
            ``('overlap',)``.
        loss_module: Dotted path of the loss module in the (unwrapped) model.
    """

    priority = 'NORMAL'  # before LoggerHook ('BELOW_NORMAL') logs the iter

    def __init__(self,
                 interval: int = 50,
                 window: int = 50,
                 k: Union[int, Sequence[int]] = (2, 3, 5),
                 criteria: Union[str, Sequence[str]] = ('overlap', ),
                 loss_module: str = 'cls_head.loss_cls') -> None:
        self.interval = interval
        self.k = (k, ) if isinstance(k, int) else tuple(k)
        self.criteria = ((criteria, ) if isinstance(criteria, str) else
                         tuple(criteria))
        unknown = set(self.criteria) - set(CRITERIA)
        if unknown:
            raise ValueError(f'unknown criteria {sorted(unknown)}; choose '
                             f'from {CRITERIA}')
        self.loss_module = loss_module
        self._batches: deque = deque(maxlen=window)
        self._handle: Optional[torch.utils.hooks.RemovableHandle] = None

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        try:
            module = model.get_submodule(self.loss_module)
        except AttributeError as exc:
            raise AttributeError(
                f'TrainMultilabelMetricsHook: the model has no loss module '
                f'{self.loss_module!r} (set loss_module=)') from exc
        self._handle = module.register_forward_hook(self._record)

    def _record(self, module: torch.nn.Module, args: tuple,
                output: torch.Tensor) -> None:
        """Forward hook: keep (logits, labels) of a training loss call."""
        if module.training:
            logits, labels = args[:2]
            self._batches.append((logits.detach().float().cpu(),
                                  (labels.detach() >= 0.5).long().cpu()))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not self._batches or not self.every_n_train_iters(
                runner, self.interval):
            return
        scores = torch.cat([s for s, _ in self._batches])
        targets = torch.cat([t for _, t in self._batches])
        hub = runner.message_hub
        for k in self.k:
            if k > scores.shape[1]:
                continue
            for criterion in self.criteria:
                hub.update_scalar(
                    f'train/top{k}/{criterion}',
                    topk_multilabel_accuracy(scores, targets, k,
                                             criterion).item())
        mean_ap = charades_map(scores, targets).item()
        if mean_ap == mean_ap:  # not NaN
            hub.update_scalar('train/mAP', mean_ap)

    def after_train(self, runner) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
