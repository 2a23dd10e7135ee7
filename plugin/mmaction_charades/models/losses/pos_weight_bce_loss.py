"""Binary cross-entropy with logits and a per-class positive weight."""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmaction.models.losses.base import BaseWeightedLoss
from mmaction.registry import MODELS

PosWeight = Union[None, str, Sequence[float]]

#: Lower bound of ``log(p)`` in :meth:`PosWeightBCELoss.probability_loss`, as
#: in :func:`torch.nn.functional.binary_cross_entropy`.
LOG_CLAMP = -100.0


@MODELS.register_module()
class PosWeightBCELoss(BaseWeightedLoss):
    """``torch.nn.BCEWithLogitsLoss(pos_weight=...)`` for multi-hot labels.

    Section 3.2 of the specification weights the positive term of class ``c``
    by ``#negative / #positive`` training videos of ``c``, so rare classes
    count more.

    The loss owns the weights of both the training loss (on logits,
    :meth:`forward`) and the test loss (on aggregated probabilities,
    :meth:`probability_loss`, which the multi-label heads call in
    ``predict``). They are held in the ``pos_weight`` buffer, which is saved
    in checkpoints and moves with ``.to()``:

    * ``pos_weight=None``: no weighting (no buffer);
    * a list of ``C`` floats: fixed weights;
    * ``'auto'``: the buffer starts empty, shape (0,), and
      :class:`~mmaction_charades.engine.hooks.PosWeightHook` fills it from the
      training annotations when training starts (video-level label
      frequencies, see
      :func:`~mmaction_charades.datasets.pos_weight.pos_weight_from_dataset`).
      A checkpoint restores it (``tools/test.py`` needs no hook or training
      data). Calling the loss while it is still empty raises an error.

    Args:
        pos_weight: ``None``, ``'auto'`` or C per-class weights.
        loss_weight: Factor multiplied on the loss. Defaults to 1.0.
    """

    def __init__(self, pos_weight: PosWeight = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.auto = pos_weight == 'auto'
        if self.auto:
            weights = torch.empty(0)
        elif isinstance(pos_weight, str):
            raise ValueError(
                f"pos_weight must be None, 'auto' or a list of per-class "
                f'weights, got {pos_weight!r}')
        elif pos_weight is None:
            weights = None
        else:
            weights = torch.as_tensor(pos_weight, dtype=torch.float32)
            if weights.ndim != 1:
                raise ValueError('pos_weight must be a flat list of '
                                 f'per-class weights, got {pos_weight!r}')
        self.register_buffer('pos_weight', weights)

    def set_pos_weight(self, pos_weight: torch.Tensor) -> None:
        """Fill the ``'auto'`` weights with a (C,) tensor or array."""
        if not self.auto:
            raise RuntimeError(
                'set_pos_weight is only for '
                "PosWeightBCELoss(pos_weight='auto')")
        self.pos_weight = torch.as_tensor(
            pos_weight, dtype=torch.float32, device=self.pos_weight.device)

    @property
    def has_weights(self) -> bool:
        """False while ``'auto'`` weights are not filled yet."""
        return self.pos_weight is None or self.pos_weight.numel() > 0

    def probability_loss(self, probs: torch.Tensor,
                         label: torch.Tensor) -> torch.Tensor:
        """Per-sample test BCE of probabilities, weighted like training.

        ``mean over classes c of -(w_c * y * log p + (1 - y) * log(1 - p))``
        with ``log`` clamped at :data:`LOG_CLAMP` (as
        :func:`torch.nn.functional.binary_cross_entropy`), computed in
        float32; ``loss_weight`` is not applied.

        Args:
            probs: (B, C) probabilities, e.g. clip-aggregated sigmoid scores.
            label: (B, C) multi-hot targets.

        Returns:
            (B,) losses.
        """
        self._check(probs, label)
        probs, label = probs.float(), label.float()
        weight = 1.0 if self.pos_weight is None else self.pos_weight.float()
        log_p = probs.log().clamp(min=LOG_CLAMP)
        log_not_p = (-probs).log1p().clamp(min=LOG_CLAMP)
        return -(weight * label * log_p +
                 (1 - label) * log_not_p).mean(dim=-1)

    def _check(self, cls_score: torch.Tensor, label: torch.Tensor) -> None:
        """Labels shaped like the scores, weights present and matching."""
        if label.shape != cls_score.shape:
            raise ValueError(
                'PosWeightBCELoss expects (B, C) multi-hot labels shaped like '
                f'the (B, C) scores, got labels {tuple(label.shape)} for '
                f'scores {tuple(cls_score.shape)}')
        if not self.has_weights:
            raise RuntimeError(
                "PosWeightBCELoss(pos_weight='auto') has no weights yet: "
                "add dict(type='PosWeightHook') to custom_hooks so they "
                'are computed from the training annotations, load a '
                'checkpoint trained with it, or give the weights as a '
                'list')
        if (self.pos_weight is not None
                and self.pos_weight.shape != cls_score.shape[-1:]):
            raise ValueError(
                f'pos_weight has {self.pos_weight.numel()} classes but the '
                f'scores have {cls_score.shape[-1]}')

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                 **kwargs) -> torch.Tensor:
        """Mean BCE over all (sample, class) pairs.

        Args:
            cls_score: (B, C) logits.
            label: (B, C) multi-hot (or soft) targets of any dtype.
            kwargs: Passed to
                :func:`torch.nn.functional.binary_cross_entropy_with_logits`.

        Returns:
            0-dim loss tensor.
        """
        self._check(cls_score, label)
        return F.binary_cross_entropy_with_logits(
            cls_score, label.to(cls_score.dtype), pos_weight=self.pos_weight,
            **kwargs)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Adopt the shape of a checkpoint's ``'auto'`` weights (the buffer
        may still be empty, or filled for another dataset) before loading."""
        loaded: Optional[torch.Tensor] = state_dict.get(prefix + 'pos_weight')
        if (self.auto and loaded is not None
                and loaded.shape != self.pos_weight.shape):
            self.pos_weight = self.pos_weight.new_empty(loaded.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
