"""Multi-label (sigmoid) versions of MMAction2's classification heads.

One mixin, :class:`MultiLabelHeadMixin`, turns a single-label MMAction2 head
into a multi-label one without touching its layers (pooling, dropout, fc):

* training: the loss gets the raw (B, C) logits and the (B, C) multi-hot
  ``gt_label`` (default loss :class:`PosWeightBCELoss`); MMAction2's top-k
  single-label accuracy is never computed;
* test: per-clip sigmoid probabilities are aggregated over the clips of a
  video by a per-class ``'max'`` (PySlowFast's Charades protocol) or
  ``'mean'``. MMAction2's softmax aggregation ``'prob'`` (and ``'score'``,
  ``None``) is refused;
* ``pred_score`` is the (C,) aggregated probability and ``pred_label`` the
  (C,) multi-hot ``pred_score >= label_threshold`` (torcheval's
  ``MultilabelAccuracy`` rule); it is not the top-1 index MMAction2's
  single-label heads give.
"""
from typing import Dict

import torch
from mmaction.models.heads import I3DHead, MViTHead, TimeSformerHead
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, SampleList

CLIP_AGGREGATIONS = ('max', 'mean')


class MultiLabelHeadMixin:
    """Sigmoid scores, max/mean clip aggregation and multi-hot labels.

    Put it before an MMAction2 head class that derives from
    :class:`mmaction.models.heads.BaseHead`.

    Args:
        num_classes: Number of classes C (>= 2).
        in_channels: Input feature channels, as for the wrapped head.
        loss_cls: Loss config; called as ``loss(logits (B, C),
            multi-hot labels (B, C))``. Defaults to
            ``dict(type='PosWeightBCELoss')``.
        average_clips: ``'max'`` (default) or ``'mean'`` of the per-clip
            sigmoid scores of a video.
        label_threshold: Probability from which a class enters
            ``pred_label``. Defaults to 0.5.
        **kwargs: Other arguments of the wrapped head.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: ConfigType = dict(type='PosWeightBCELoss'),
                 average_clips: str = 'max',
                 label_threshold: float = 0.5,
                 **kwargs) -> None:
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
        self.label_threshold = label_threshold

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
        """Set ``pred_score`` (C,) and multi-hot ``pred_label`` (C,).

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
        labels = (scores >= self.label_threshold).long()
        for data_sample, score, label in zip(data_samples, scores, labels):
            data_sample.set_pred_score(score)
            data_sample.set_pred_label(label)
        return data_samples

    def average_clip(self,
                     cls_scores: torch.Tensor,
                     num_segs: int = 1) -> torch.Tensor:
        """(B * num_segs, C) logits -> (B, C) per-class max or mean of the
        clips' sigmoid probabilities."""
        probs = cls_scores.sigmoid().view(-1, num_segs, cls_scores.shape[-1])
        if self.average_clips == 'max':
            return probs.amax(dim=1)
        return probs.mean(dim=1)


@MODELS.register_module()
class MultiLabelI3DHead(MultiLabelHeadMixin, I3DHead):
    """Multi-label :class:`I3DHead` (Video Swin, I3D-style 5D features)."""


@MODELS.register_module()
class MultiLabelMViTHead(MultiLabelHeadMixin, MViTHead):
    """Multi-label :class:`MViTHead` (MViTv2 stage outputs)."""


@MODELS.register_module()
class MultiLabelTimeSformerHead(MultiLabelHeadMixin, TimeSformerHead):
    """Multi-label :class:`TimeSformerHead` for (B, C) features (ViT /
    VideoMAE, TubeViT, ViViT, VTN)."""
