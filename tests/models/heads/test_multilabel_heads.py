"""Multi-label heads: BCE on logits for training, max/mean of sigmoid scores
over clips for test."""
import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mmaction_charades  # noqa: F401

NUM_CLASSES = 5
CHANNELS = 8


def _features(head_type: str, n: int, seed: int = 0):
    """Backbone output of ``n`` clips in the layout each head takes."""
    g = torch.Generator().manual_seed(seed)
    if head_type == 'MultiLabelI3DHead':  # (N, C, T, H, W), Video Swin
        return torch.randn(n, CHANNELS, 2, 3, 3, generator=g)
    if head_type == 'MultiLabelMViTHead':  # last stage: [patch, cls token]
        return ([torch.randn(n, CHANNELS, 2, 3, 3, generator=g),
                 torch.randn(n, CHANNELS, generator=g)], )
    return torch.randn(n, CHANNELS, generator=g)  # (N, C), ViT / VideoMAE


def _head(head_type: str, **kwargs):
    head = MODELS.build(
        dict(type=head_type, num_classes=NUM_CLASSES, in_channels=CHANNELS,
             dropout_ratio=0.0, **kwargs))
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
    'MultiLabelI3DHead', 'MultiLabelMViTHead', 'MultiLabelTimeSformerHead'
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
    head = _head(head_type, average_clips=average_clips).eval()
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
        assert sample.pred_label.tolist() == [
            int(p >= 0.5) for p in expected
        ]


def test_label_threshold():
    head = _head('MultiLabelTimeSformerHead', label_threshold=0.0).eval()
    (sample, ) = head.predict(_features('x', 1), _samples(1))
    assert sample.pred_label.tolist() == [1] * NUM_CLASSES


@pytest.mark.parametrize('average_clips', ['prob', 'score', None])
def test_softmax_aggregation_refused(average_clips):
    with pytest.raises(ValueError, match="'max', 'mean'"):
        _head('MultiLabelI3DHead', average_clips=average_clips)


def test_single_label_gt_refused():
    head = _head('MultiLabelTimeSformerHead')
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
             cls_head=dict(type='MultiLabelTimeSformerHead',
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
