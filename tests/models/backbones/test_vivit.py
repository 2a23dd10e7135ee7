import pytest
import torch
from mmengine.registry import init_default_scope

from mmaction.registry import MODELS
from mmaction_charades.models.backbones import ViViT

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, num_temporal_layers=1)
VARIANTS = ViViT.VARIANTS


def _tiny(variant, **kwargs):
    model = ViViT(arch=TINY, num_frames=8, img_size=32,
                  tubelet_size=(2, 8, 8), variant=variant, **kwargs)
    model.init_weights()
    return model


@pytest.mark.parametrize('variant', VARIANTS)
def test_shapes_and_gradients(variant):
    torch.manual_seed(0)
    model = _tiny(variant)
    assert model.grid == (4, 4, 4) and model.count_tokens() == 64
    out = model(torch.randn(2, 3, 8, 32, 32))
    assert out.shape == (2, 32) and torch.isfinite(out).all()
    out.pow(2).sum().backward()  # (plain sum of a LayerNorm output is 0)
    assert model.tubelet_embed.weight.grad.abs().sum() > 0


def test_variant_structure():
    fe = _tiny('factorised_encoder')
    assert len(fe.blocks) == 2 and len(fe.temporal_blocks) == 1
    assert fe.pos_embed.shape == (1, 1 + 16, 32)
    assert fe.temporal_pos_embed.shape == (1, 1 + 4, 32)
    joint = _tiny('joint')
    assert joint.pos_embed.shape == (1, 1 + 64, 32)
    fsa = _tiny('factorised_self_attention')
    assert not hasattr(fsa, 'cls_token')  # the paper drops it for model 3
    # Model 3 adds one attention per block: params over model 1 (minus its
    # CLS token and position) equal num_layers * (attention + norm).
    attn = fsa.blocks[0].attn_temporal
    norm = fsa.blocks[0].norm_temporal
    extra = 2 * sum(p.numel() for m in (attn, norm) for p in m.parameters())
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(fsa) - count(joint) == extra - 32 - 32


def test_factorised_encoder_spatial_stage_never_attends_across_time():
    torch.manual_seed(0)
    model = _tiny('factorised_encoder').eval()
    x = torch.randn(1, 3, 8, 32, 32)
    y = x.clone()
    y[:, :, 4:6] += torch.randn(1, 3, 2, 32, 32)  # frames of time index 2
    with torch.no_grad():
        a, b = model.spatial_features(x), model.spatial_features(y)
        assert a.shape == (1, 4, 32)
        changed = (a - b).abs().amax(-1)[0]
        assert changed[2] > 1e-3
        torch.testing.assert_close(a[:, [0, 1, 3]], b[:, [0, 1, 3]],
                                   rtol=0, atol=1e-6)
        # The temporal encoder then mixes time: every output moves.
        assert (model(x) - model(y)).abs().max() > 1e-4


def test_joint_attention_mixes_time_in_every_token():
    """Counter-check of the test above: model 1 has no such isolation."""
    torch.manual_seed(0)
    model = _tiny('joint').eval()
    x = torch.randn(1, 3, 8, 32, 32)
    y = x.clone()
    y[:, :, 4:6] += 1
    with torch.no_grad():
        tokens = []
        for inp in (x, y):
            t = model.embed(inp).reshape(1, 64, 32)
            t = torch.cat([model.cls_token, t], 1) + model.pos_embed
            tokens.append(model.blocks[0](t)[:, 1:].reshape(1, 4, 16, 32))
    moved = (tokens[0] - tokens[1]).abs().amax((0, 2, 3))
    assert (moved > 1e-4).all()


def test_default_base_grid_has_3136_tokens():
    model = ViViT(arch=dict(embed_dims=12, num_layers=1, num_heads=1),
                  variant='joint')
    assert model.grid == (16, 14, 14) and model.count_tokens() == 3136


def test_recognizer3d_with_timesformer_head():
    init_default_scope('mmaction')
    model = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(type='ViViT', arch=TINY, num_frames=8, img_size=32,
                          tubelet_size=(2, 8, 8)),
            cls_head=dict(type='TimeSformerHead', num_classes=5,
                          in_channels=32),
            data_preprocessor=dict(type='ActionDataPreprocessor',
                                   format_shape='NCTHW')))
    with torch.no_grad():
        feats, _ = model.extract_feat(torch.randn(2, 2, 3, 8, 32, 32))
    assert feats.shape == (4, 32)
    assert model.cls_head(feats).shape == (4, 5)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match='variant'):
        _tiny('model4')
    with pytest.raises(ValueError, match='multiple of tubelet_size'):
        ViViT(arch=TINY, num_frames=7, img_size=32, tubelet_size=(2, 8, 8))
    with pytest.raises(ValueError, match='expected input'):
        _tiny('joint')(torch.randn(1, 3, 8, 48, 48))
