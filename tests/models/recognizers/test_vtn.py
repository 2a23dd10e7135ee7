"""VTN backbone, head and recognizer on tiny inputs."""
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

import mmaction_charades  # noqa: F401
from mmaction.registry import MODELS
from mmaction_charades.datasets.collate import variable_length_collate

NUM_CLASSES = 5
TINY_VIT = dict(type='ViT2D', arch=dict(embed_dims=32, num_layers=1,
                                        num_heads=2),
                img_size=32, patch_size=16)


def tiny_vtn_cfg(frame_backbone=TINY_VIT, frame_channels=32, **kwargs):
    cfg = dict(type='VTN', frame_backbone=frame_backbone,
               frame_channels=frame_channels, embed_dims=24, num_layers=2,
               num_heads=3, attention_window=4, max_frames=12,
               drop_rate=0.)
    cfg.update(kwargs)
    return cfg


def tiny_vtn(**kwargs):
    model = MODELS.build(tiny_vtn_cfg(**kwargs))
    model.init_weights()
    return model


def tiny_recognizer():
    init_default_scope('mmaction')
    model = MODELS.build(dict(
        type='VTNRecognizer',
        backbone=tiny_vtn_cfg(),
        cls_head=dict(type='MultilabelVTNHead', num_classes=NUM_CLASSES,
                      in_channels=24, loss_cls=dict(type='PosWeightBCELoss'),
                      average_clips='max'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW')))
    model.init_weights()
    return model


def _sample(num_frames, seed):
    gen = torch.Generator().manual_seed(seed)
    label = (torch.rand(NUM_CLASSES, generator=gen) < 0.5).float()
    return dict(inputs=torch.randint(0, 255, (1, 3, num_frames, 32, 32),
                                     generator=gen, dtype=torch.uint8),
                data_samples=ActionDataSample().set_gt_label(label))


def test_padding_does_not_change_the_output():
    """A video alone and padded in a batch with a longer one: same CLS."""
    torch.manual_seed(0)
    model = tiny_vtn().eval()
    short = torch.randn(1, 3, 5, 32, 32)
    long = torch.randn(1, 3, 11, 32, 32)
    with torch.no_grad():
        alone = model(short)
        batch = torch.cat([torch.nn.functional.pad(short, (0, 0, 0, 0, 0, 6)),
                           long])
        mask = torch.arange(11)[None] < torch.tensor([[5], [11]])
        padded = model(batch, mask)
        unmasked = model(batch)
    torch.testing.assert_close(padded[0], alone[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(padded[1], model(long)[0], atol=1e-5,
                               rtol=1e-5)
    assert not torch.allclose(unmasked[0], alone[0], atol=1e-3)


def test_cls_sees_every_frame_through_global_attention():
    """Window 4 and one layer: the last of 10 frames, far outside the CLS
    token's window, still changes the CLS output (global attention)."""
    torch.manual_seed(0)
    model = tiny_vtn(num_layers=1).eval()
    x = torch.randn(1, 3, 10, 32, 32)
    y = x.clone()
    y[:, :, 9] += 1.
    with torch.no_grad():
        assert not torch.allclose(model(x), model(y), atol=1e-4)


def test_resnet_frame_backbone_feature_maps_are_pooled():
    torch.manual_seed(0)
    model = tiny_vtn(frame_backbone=dict(type='ResNet', depth=18,
                                         pretrained=None, norm_eval=False),
                     frame_channels=512)
    model.init_weights()
    out = model(torch.randn(2, 3, 3, 32, 32))
    assert out.shape == (2, 24)


def test_rejects_more_frames_than_position_embeddings():
    with pytest.raises(ValueError, match='exceed max_frames=12'):
        tiny_vtn()(torch.randn(1, 3, 13, 32, 32))


def test_recognizer_trains_and_predicts_variable_lengths():
    torch.manual_seed(0)
    model = tiny_recognizer()
    batch = variable_length_collate([_sample(4, 1), _sample(7, 2)])
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls'}
    losses['loss_cls'].backward()
    assert model.backbone.pos_embed.grad is not None

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            variable_length_collate([_sample(4, 1), _sample(7, 2)]))
        preds = model(**data, mode='predict')
        # Oracle: each video alone, head logits through a sigmoid.
        for pred, seed, length in zip(preds, (1, 2), (4, 7)):
            alone = model.data_preprocessor(
                variable_length_collate([_sample(length, seed)]))
            logits = model.cls_head(model.backbone(alone['inputs'][:, 0]))
            torch.testing.assert_close(pred.pred_score, logits[0].sigmoid(),
                                       atol=1e-5, rtol=1e-5)
            assert pred.pred_score.shape == (NUM_CLASSES, )


def test_head_layers_follow_the_paper():
    head = MODELS.build(dict(type='VTNHead', num_classes=3, in_channels=8))
    kinds = [type(m) for m in head.mlp]
    assert kinds == [torch.nn.LayerNorm, torch.nn.Linear, torch.nn.GELU,
                     torch.nn.Dropout, torch.nn.Linear]
    assert head.mlp[3].p == 0.5
