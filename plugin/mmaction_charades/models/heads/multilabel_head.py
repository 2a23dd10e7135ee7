"""Multi-label (sigmoid) versions of MMAction2's classification heads.

One mixin, :class:`MultilabelHeadMixin`, turns a single-label MMAction2 head
into a multi-label one without touching its layers (pooling, dropout, fc):

* training: the loss gets the raw (B, C) logits and the (B, C) multi-hot
  ``gt_label`` (default loss ``PosWeightBCELoss(pos_weight='auto')``, whose
  weights :class:`~mmaction_charades.engine.hooks.PosWeightHook` fills);
  MMAction2's top-k single-label accuracy is never computed;
* test: per-clip sigmoid probabilities are aggregated over the clips of a
  video by a per-class ``'max'`` (PySlowFast's Charades protocol) or
  ``'mean'``, or kept per clip with ``'none'`` (localisation and timelines:
  one clip per time point). MMAction2's softmax aggregation ``'prob'`` (and
  ``'score'``, ``None``) is refused;
* ``pred_score`` is the (C,) aggregated probability, or the (num_clips, C)
  clip probabilities with ``'none'``. No ``pred_label`` is
  set: thresholds belong to the metrics (``MultilabelAccuracy(threshold=)``),
  which read ``pred_score``;
* :data:`BCE_FIELD` is the video's test loss, the loss's own
  :meth:`~mmaction_charades.models.losses.PosWeightBCELoss.probability_loss`
  of ``pred_score`` against ``gt_label`` (with ``'none'``, the mean over the
  clips of a (num_clips, C) ``gt_label``), averaged by the
  ``MultilabelBCELoss`` metric.

The old ``MultiLabel*`` names are deprecated aliases: importable and
registered, they log a warning naming the new class when built.
"""
from typing import Dict

import torch
from mmaction.models.heads import I3DHead, MViTHead, TimeSformerHead
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, SampleList

from ...utils.deprecation import deprecated_getattr, registered_alias

CLIP_AGGREGATIONS = ('max', 'mean', 'none')

#: Data-sample field of the video's test BCE (0-dim float32 tensor).
BCE_FIELD = 'bce_loss'


class MultilabelHeadMixin:
    """Sigmoid scores, max/mean clip aggregation and the per-video test BCE.

    Put it before an MMAction2 head class that derives from
    :class:`mmaction.models.heads.BaseHead`.

    Args:
        num_classes: Number of classes C (>= 2).
        in_channels: Input feature channels, as for the wrapped head.
        loss_cls: Loss config; called as ``loss(logits (B, C),
            multi-hot labels (B, C))``. Defaults to
            ``dict(type='PosWeightBCELoss', pos_weight='auto')``.
        average_clips: ``'max'`` (default) or ``'mean'`` of the per-clip
            sigmoid scores of a video, or ``'none'`` to keep them per clip.
        **kwargs: Other arguments of the wrapped head.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: ConfigType = dict(
                     type='PosWeightBCELoss', pos_weight='auto'),
                 average_clips: str = 'max',
                 **kwargs) -> None:
        if 'label_threshold' in kwargs:
            raise TypeError(
                f'{type(self).__name__}: label_threshold was removed, the '
                'head sets no pred_label; the metrics threshold pred_score '
                "(set dict(type='MultilabelAccuracy', threshold=...) in the "
                'evaluator)')
        if average_clips not in CLIP_AGGREGATIONS:
            raise ValueError(
                f'{type(self).__name__} aggregates the sigmoid scores of the '
                f'clips by {CLIP_AGGREGATIONS}, got average_clips='
                f"{average_clips!r} (MMAction2's 'prob'/'score' are softmax/"
                'logit averages for single-label heads)')
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            average_clips=average_clips,
            **kwargs)

    def loss_by_feat(self, cls_scores: torch.Tensor,
                     data_samples: SampleList) -> Dict:
        """Loss of (B, C) logits against the stacked (B, C) ``gt_label``.

        MMAction2's :meth:`BaseHead.loss_by_feat` computes the loss and skips
        its single-label top-k accuracy because labels and logits have the
        same shape (also for B = 1, where it restores the squeezed batch
        dimension); the shapes are checked here first.
        """
        label_shape = data_samples[0].gt_label.shape
        expected = (cls_scores.shape[-1], )
        if label_shape != expected:
            raise ValueError(
                f'{type(self).__name__} needs multi-hot gt_label of shape '
                f'{expected}, got {tuple(label_shape)}')
        if cls_scores.shape[0] != len(data_samples):
            raise ValueError(
                f'{type(self).__name__} trains on one clip per video: got '
                f'{cls_scores.shape[0]} logits for {len(data_samples)} '
                'videos (set num_clips=1 in the training pipeline)')
        return super().loss_by_feat(cls_scores, data_samples)

    def predict_by_feat(self, cls_scores: torch.Tensor,
                        data_samples: SampleList) -> SampleList:
        """Set ``pred_score`` ((C,), or (num_clips, C) with
        ``average_clips='none'``) and, where it can be computed, the test
        loss :data:`BCE_FIELD`.

        The loss is set on every sample when all of them have a multi-hot
        ``gt_label`` shaped like ``pred_score`` and the head's loss can weigh
        them: a loss without ``probability_loss`` (not a
        ``PosWeightBCELoss``) or an ``'auto'`` loss still without weights
        (neither trained with ``PosWeightHook`` nor loaded from a checkpoint)
        sets none, so inference without labels or weights still works.

        Args:
            cls_scores: (B * num_clips, C) logits, clips of a video adjacent
                (as :class:`Recognizer3D` flattens its (B, num_clips, ...)
                input).
            data_samples: The B data samples.
        """
        num_clips, remainder = divmod(cls_scores.shape[0], len(data_samples))
        if remainder:
            raise ValueError(
                f'{cls_scores.shape[0]} clip scores cannot be split among '
                f'{len(data_samples)} videos')
        scores = self.average_clip(cls_scores, num_segs=num_clips)
        for data_sample, score in zip(data_samples, scores):
            if score.ndim == 1:
                data_sample.set_pred_score(score)
            else:  # set_pred_score would take num_clips for num_classes
                data_sample.set_field(score, 'pred_score')
                data_sample.set_field(score.shape[-1], 'num_classes',
                                      field_type='metainfo')
        loss = self.loss_cls
        if (getattr(loss, 'has_weights', False) and all(
                'gt_label' in s and s.gt_label.shape == scores.shape[1:]
                for s in data_samples)):
            labels = torch.stack([s.gt_label for s in data_samples])
            values = loss.probability_loss(scores, labels.to(scores.device))
            for data_sample, value in zip(data_samples,
                                          values.view(len(scores), -1)):
                data_sample.set_field(value.mean(), BCE_FIELD)
        return data_samples

    def average_clip(self,
                     cls_scores: torch.Tensor,
                     num_segs: int = 1) -> torch.Tensor:
        """(B * num_segs, C) logits -> (B, C) per-class max or mean of the
        clips' sigmoid probabilities, or (B, num_segs, C) with ``'none'``."""
        probs = cls_scores.sigmoid().view(-1, num_segs, cls_scores.shape[-1])
        if self.average_clips == 'none':
            return probs
        if self.average_clips == 'max':
            return probs.amax(dim=1)
        return probs.mean(dim=1)


@MODELS.register_module()
class MultilabelI3DHead(MultilabelHeadMixin, I3DHead):
    """Multi-label :class:`I3DHead` (Video Swin, I3D-style 5D features)."""


@MODELS.register_module()
class MultilabelMViTHead(MultilabelHeadMixin, MViTHead):
    """Multi-label :class:`MViTHead` (MViTv2 stage outputs)."""


@MODELS.register_module()
class MultilabelTimeSformerHead(MultilabelHeadMixin, TimeSformerHead):
    """Multi-label :class:`TimeSformerHead` for (B, C) features (ViT /
    VideoMAE, TubeViT, ViViT, VTN)."""


#: Deprecated ``MultiLabel*`` names -> what they are now: registered aliases
#: of the heads (they warn when built) and the mixin itself.
DEPRECATED_NAMES = dict(
    MultiLabelHeadMixin=MultilabelHeadMixin,
    MultiLabelI3DHead=registered_alias(MultilabelI3DHead, 'MultiLabelI3DHead',
                                       MODELS),
    MultiLabelMViTHead=registered_alias(MultilabelMViTHead,
                                        'MultiLabelMViTHead', MODELS),
    MultiLabelTimeSformerHead=registered_alias(
        MultilabelTimeSformerHead, 'MultiLabelTimeSformerHead', MODELS))
__getattr__ = deprecated_getattr(__name__, DEPRECATED_NAMES)
