"""Multi-label heads: BCE on logits for training, max/mean of sigmoid scores
over clips for test."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mmaction_charades  # noqa: F401
from mmaction_charades.models.heads import (BCE_FIELD, MultilabelHeadMixin,
                                            MultilabelI3DHead,
                                            MultilabelMViTHead,
                                            MultilabelTimeSformerHead,
                                            MultilabelVTNHead)
from mmaction_charades.models.losses import PosWeightBCELoss

NUM_CLASSES = 5
CHANNELS = 8


def _features(head_type: str, n: int, seed: int = 0):
    """Backbone output of ``n`` clips in the layout each head takes."""
    g = torch.Generator().manual_seed(seed)
    if head_type == 'MultilabelI3DHead':  # (N, C, T, H, W), Video Swin
        return torch.randn(n, CHANNELS, 2, 3, 3, generator=g)
    if head_type == 'MultilabelMViTHead':  # last stage: [patch, cls token]
        return ([torch.randn(n, CHANNELS, 2, 3, 3, generator=g),
                 torch.randn(n, CHANNELS, generator=g)], )
    return torch.randn(n, CHANNELS, generator=g)  # (N, C), ViT / VideoMAE


def _head(head_type: str, **kwargs):
    head = MODELS.build(
        dict(dict(type=head_type, num_classes=NUM_CLASSES,
                  in_channels=CHANNELS, dropout_ratio=0.0), **kwargs))
    head.init_weights()
    return head


def _samples(batch_size: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return [
        ActionDataSample().set_gt_label(
            (torch.rand(NUM_CLASSES, generator=g) < 0.5).long())
        for _ in range(batch_size)
    ]


HEADS = [
    'MultilabelI3DHead', 'MultilabelMViTHead', 'MultilabelTimeSformerHead'
]


@pytest.mark.parametrize('head_type', HEADS)
@pytest.mark.parametrize('batch_size', [1, 4])
def test_loss_is_bce_of_logits_without_topk(head_type, batch_size):
    weights = [1.0, 2.0, 0.5, 4.0, 1.5]
    head = _head(head_type,
                 loss_cls=dict(type='PosWeightBCELoss', pos_weight=weights))
    feats, samples = _features(head_type, batch_size), _samples(batch_size)
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_cls'}  # no single-label top-k accuracy
    logits = head(feats)
    assert logits.shape == (batch_size, NUM_CLASSES)
    labels = torch.stack([s.gt_label for s in samples]).float()
    ref = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(weights))(logits,
                                                                 labels)
    torch.testing.assert_close(losses['loss_cls'], ref)


@pytest.mark.parametrize('head_type', HEADS)
@pytest.mark.parametrize('num_clips', [1, 4])
@pytest.mark.parametrize('average_clips', ['max', 'mean'])
def test_predict_aggregates_sigmoid_scores(head_type, num_clips,
                                           average_clips):
    batch_size = 3
    weights = torch.tensor([1.0, 2.0, 0.5, 4.0, 1.5])
    head = _head(head_type, average_clips=average_clips,
                 loss_cls=dict(type='PosWeightBCELoss',
                               pos_weight=weights.tolist())).eval()
    feats = _features(head_type, batch_size * num_clips, seed=1)
    samples = head.predict(feats, _samples(batch_size))
    probs = head(feats).sigmoid()
    for b, sample in enumerate(samples):
        clips = probs[b * num_clips:(b + 1) * num_clips]  # adjacent clips
        expected = [
            max(clips[:, c].tolist()) if average_clips == 'max' else
            sum(clips[:, c].tolist()) / num_clips
            for c in range(NUM_CLASSES)
        ]
        assert sample.pred_score.shape == (NUM_CLASSES, )
        torch.testing.assert_close(sample.pred_score, torch.tensor(expected))
        assert 'pred_label' not in sample  # thresholds are the metrics'
        # test BCE of the aggregated probability, positives weighted
        label = sample.gt_label.float()
        ref = F.binary_cross_entropy(
            torch.tensor(expected), label,
            weight=torch.where(label > 0, weights, torch.ones(())))
        torch.testing.assert_close(sample.get(BCE_FIELD), ref)


def _predict(head, logits, labels):
    samples = [ActionDataSample().set_gt_label(torch.tensor(y))
               for y in labels]
    return head.predict_by_feat(torch.tensor(logits), samples)


def test_test_bce_by_hand():
    """-(w y log p + (1 - y) log(1 - p)) averaged over classes, log clamped
    at -100 where p rounds to 1 (sigmoid(100) == 1 in float32)."""
    head = _head('MultilabelTimeSformerHead', num_classes=2,
                 loss_cls=dict(type='PosWeightBCELoss',
                               pos_weight=[2.0, 3.0])).eval()
    p = 0.8
    first, second = _predict(head, [[math.log(p / (1 - p)), -math.log(3)],
                                    [100.0, 0.0]], [[1, 0], [0, 1]])
    # p = (0.8, 0.25), y = (1, 0); p = (1, 0.5), y = (0, 1)
    assert first.get(BCE_FIELD).item() == pytest.approx(
        -(2 * math.log(0.8) + math.log(0.75)) / 2, rel=1e-6)
    assert second.get(BCE_FIELD).item() == pytest.approx(
        (100 + 3 * math.log(2)) / 2, rel=1e-6)


def test_predict_without_labels_or_weights_sets_no_test_bce():
    head = _head('MultilabelTimeSformerHead').eval()  # 'auto', no weights
    assert isinstance(head.loss_cls, PosWeightBCELoss) and head.loss_cls.auto
    logits = torch.randn(2, NUM_CLASSES)
    (sample, _) = head.predict_by_feat(logits, _samples(2))
    assert sample.pred_score.shape == (NUM_CLASSES, )
    assert BCE_FIELD not in sample

    head.loss_cls.set_pos_weight(torch.ones(NUM_CLASSES))
    unlabelled = [ActionDataSample(), ActionDataSample()]  # pure inference
    for sample in head.predict_by_feat(logits, unlabelled):
        assert sample.pred_score.shape == (NUM_CLASSES, )
        assert BCE_FIELD not in sample
    (sample, _) = head.predict_by_feat(logits, _samples(2))
    assert BCE_FIELD in sample


def test_default_loss_is_auto_pos_weight_bce():
    head = MODELS.build(dict(type='MultilabelI3DHead', num_classes=3,
                             in_channels=CHANNELS))
    assert isinstance(head.loss_cls, PosWeightBCELoss)
    assert head.loss_cls.auto and head.loss_cls.pos_weight.numel() == 0


def test_label_threshold_is_refused():
    with pytest.raises(TypeError, match='MultilabelAccuracy.*threshold'):
        _head('MultilabelTimeSformerHead', label_threshold=0.3)


NEW_HEADS = {
    'MultilabelI3DHead': MultilabelI3DHead,
    'MultilabelMViTHead': MultilabelMViTHead,
    'MultilabelTimeSformerHead': MultilabelTimeSformerHead,
    'MultilabelVTNHead': MultilabelVTNHead,
}


@pytest.mark.parametrize('new_name', list(NEW_HEADS))
def test_old_multilabel_spelling_still_builds_with_a_warning(
        new_name, warning_log):
    old_name = new_name.replace('Multilabel', 'MultiLabel')
    head = MODELS.build(dict(type=old_name, num_classes=NUM_CLASSES,
                             in_channels=CHANNELS))
    assert isinstance(head, NEW_HEADS[new_name])
    assert any(old_name in m and f'use {new_name}' in m for m in warning_log)
    warning_log.clear()
    MODELS.build(dict(type=new_name, num_classes=NUM_CLASSES,
                      in_channels=CHANNELS))
    assert not warning_log


@pytest.mark.parametrize('module, old_name, new', [
    ('mmaction_charades.models.heads', 'MultiLabelI3DHead', MultilabelI3DHead),
    ('mmaction_charades.models.heads', 'MultiLabelVTNHead', MultilabelVTNHead),
    ('mmaction_charades.models.heads.multilabel_head', 'MultiLabelHeadMixin',
     MultilabelHeadMixin),
    ('mmaction_charades.models.heads.vtn_head', 'MultiLabelVTNHead',
     MultilabelVTNHead),
])
def test_old_names_import_with_a_deprecation_warning(module, old_name, new):
    namespace = {}
    with pytest.warns(DeprecationWarning, match=f'use {new.__name__}'):
        exec(f'from {module} import {old_name}', namespace)
    cls = namespace[old_name]
    assert cls is new or (issubclass(cls, new) and cls.__name__ == old_name)


@pytest.mark.parametrize('average_clips', ['prob', 'score', None])
def test_softmax_aggregation_refused(average_clips):
    with pytest.raises(ValueError, match="'max', 'mean'"):
        _head('MultilabelI3DHead', average_clips=average_clips)


def test_single_label_gt_refused():
    head = _head('MultilabelTimeSformerHead')
    samples = [ActionDataSample().set_gt_label(2) for _ in range(2)]
    with pytest.raises(ValueError, match='multi-hot gt_label'):
        head.loss(_features('x', 2), samples)


@MODELS.register_module(force=True)
class _TinyClipBackbone(nn.Module):
    """(N, 3, T, H, W) clips -> (N, CHANNELS) features."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv3d(3, CHANNELS, 1)

    def init_weights(self):
        pass

    def forward(self, x):
        return self.proj(x).mean(dim=(2, 3, 4))


def test_recognizer3d_multi_clip_inputs_are_grouped_per_video():
    """``Recognizer3D`` flattens (B, clips, ...) so a video's clips are
    adjacent: the max over a video's clips equals running them one by one."""
    model = MODELS.build(
        dict(type='Recognizer3D',
             backbone=dict(type='_TinyClipBackbone'),
             cls_head=dict(type='MultilabelTimeSformerHead',
                           num_classes=NUM_CLASSES, in_channels=CHANNELS,
                           average_clips='max'),
             data_preprocessor=dict(
                 type='mmaction.ActionDataPreprocessor',
                 format_shape='NCTHW'))).eval()
    g = torch.Generator().manual_seed(0)
    videos = [torch.randint(0, 256, (4, 3, 2, 4, 4), generator=g,
                            dtype=torch.uint8) for _ in range(2)]
    samples = model.test_step(dict(inputs=videos,
                                   data_samples=_samples(2)))
    with torch.no_grad():
        for video, sample in zip(videos, samples):
            per_clip = torch.stack([
                model.test_step(dict(inputs=[clip[None]],
                                     data_samples=_samples(1)))[0].pred_score
                for clip in video
            ])
            torch.testing.assert_close(sample.pred_score,
                                       per_clip.amax(dim=0))


@pytest.mark.parametrize('head_type', HEADS)
def test_predict_none_keeps_per_clip_scores(head_type):
    """``average_clips='none'``: (num_clips, C) sigmoid scores per video, and
    the test BCE is the mean over clips against (num_clips, C) labels."""
    batch_size, num_clips = 2, 3
    weights = torch.tensor([1.0, 2.0, 0.5, 4.0, 1.5])
    head = _head(head_type, average_clips='none',
                 loss_cls=dict(type='PosWeightBCELoss',
                               pos_weight=weights.tolist())).eval()
    feats = _features(head_type, batch_size * num_clips, seed=2)
    g = torch.Generator().manual_seed(3)
    labels = (torch.rand(batch_size, num_clips, NUM_CLASSES, generator=g)
              < 0.5).long()
    samples = [ActionDataSample() for _ in labels]
    for sample, label in zip(samples, labels):
        sample.gt_label = label  # (num_clips, C), as PackActionInputs packs
    samples = head.predict(feats, samples)
    probs = head(feats).sigmoid()
    for b, sample in enumerate(samples):
        clips = probs[b * num_clips:(b + 1) * num_clips]
        torch.testing.assert_close(sample.pred_score, clips)
        assert sample.num_classes == NUM_CLASSES
        label = labels[b].float()
        per_clip = [F.binary_cross_entropy(
            clips[k], label[k],
            weight=torch.where(label[k] > 0, weights, torch.ones(())))
            for k in range(num_clips)]
        torch.testing.assert_close(sample.get(BCE_FIELD),
                                   torch.stack(per_clip).mean())
    # video-level (C,) labels do not match per-clip scores: no test BCE
    (sample, _) = head.predict(feats, _samples(batch_size))
    assert sample.pred_score.shape == (num_clips, NUM_CLASSES)
    assert BCE_FIELD not in sample
