import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope

from mmaction.registry import MODELS
from mmaction_charades.models.backbones.tubevit import TubeViT
from mmaction_charades.models.backbones.tubevit.model import DEFAULT_TUBES

def test_video_and_image_shapes(tiny_tubevit):
    torch.manual_seed(0)
    model = tiny_tubevit().eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 32, 64, 64)).shape == (2, 48)
        # Images: (B, C, H, W) and T = 1 use the spatial tube only.
        img = torch.randn(2, 3, 64, 64)
        out_img = model(img)
        assert out_img.shape == (2, 48)
        torch.testing.assert_close(out_img, model(img[:, :, None]))
    assert model.count_tokens(1, 64, 64) == (64 // 16)**2


def test_recognizer3d_with_timesformer_head(tiny_tubevit):
    init_default_scope('mmaction')
    model = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(type='TubeViT', arch=tiny_tubevit.arch,
                          num_frames=32, img_size=64),
            cls_head=dict(type='TimeSformerHead', num_classes=5,
                          in_channels=48),
            data_preprocessor=dict(type='ActionDataPreprocessor',
                                   format_shape='NCTHW')))
    inputs = torch.randn(2, 1, 3, 32, 64, 64)  # (B, clips, C, T, H, W)
    with torch.no_grad():
        feats, _ = model.extract_feat(inputs)
        assert feats.shape == (2, 48)
        assert model.cls_head(feats).shape == (2, 5)


def test_count_tokens_by_hand(tiny_tubevit):
    model = tiny_tubevit()
    # floor((size - offset - kernel) / stride) + 1 per axis, 32x224x224:
    # 8x8x8 s(16,32,32): t (32-8)//16+1=2, h=w (224-8)//32+1=7      -> 98
    # 16x4x4 s(6,32,32) o(4,8,8): t (32-4-16)//6+1=3, h (224-8-4)//32+1=7
    #                                                               -> 147
    # 4x12x12 s(16,32,32) o(0,16,16): t (32-4)//16+1=2,
    #                                  h (224-16-12)//32+1=7         -> 98
    # 1x16x16 s(32,16,16): t 1, h 14                                 -> 196
    assert model.count_tokens(32, 224, 224) == 98 + 147 + 98 + 196 == 539
    # 16 frames: 8x8x8 and 4x12x12 keep 1 time position; 16x4x4 at offset
    # 4 no longer fits (16 - 4 - 16 < 0).
    assert model.count_tokens(16, 224, 224) == 49 + 0 + 49 + 196


@pytest.mark.parametrize('size', [(32, 64, 64), (16, 96, 80), (1, 48, 48)])
def test_count_tokens_matches_tokenizer(size, tiny_tubevit):
    model = tiny_tubevit()
    with torch.no_grad():
        tokens = model.tokenize(torch.randn(1, 3, *size))
    assert tokens.shape == (1, model.count_tokens(*size), 48)


def _hand_pos(centre, dims, tau=10000.):
    F_ = dims // 6
    row = []
    for p in centre:
        freqs = [tau**(-j / F_) for j in range(F_)]
        row += [math.sin(p * f) for f in freqs]
        row += [math.cos(p * f) for f in freqs]
    return row + [0.] * (dims - 6 * F_)


def test_position_embedding_values_by_hand(tiny_tubevit):
    model = tiny_tubevit(arch=dict(embed_dims=64, num_layers=1, num_heads=2),
                         img_size=224)
    pos = model.pos_embed
    # Tube 0 (8x8x8, stride (16,32,32)) token (t=1, h=2, w=3): row
    # 1*49 + 2*7 + 3; centre = index * stride + (kernel - 1) / 2.
    assert pos[49 + 14 + 3].tolist() == pytest.approx(
        _hand_pos((16 + 3.5, 64 + 3.5, 96 + 3.5), 64), abs=1e-6)
    # Tube 1 (16x4x4, stride (6,32,32), offset (4,8,8)) token (2, 0, 6):
    # rows after tube 0's 98; centre (4 + 12 + 7.5, 8 + 1.5, 8 + 192 + 1.5).
    assert pos[98 + 2 * 49 + 6].tolist() == pytest.approx(
        _hand_pos((23.5, 9.5, 201.5), 64), abs=1e-6)
    # Spatial tube 3 (1x16x16) token (0, 13, 0) after 98 + 147 + 98 rows.
    assert pos[343 + 13 * 14].tolist() == pytest.approx(
        _hand_pos((0., 208 + 7.5, 7.5), 64), abs=1e-6)


def test_tokens_carry_position_embedding(tiny_tubevit):
    model = tiny_tubevit()
    x = torch.zeros(1, 3, 32, 64, 64)  # zero input: token = bias + pos
    for conv in model.tube_embeds:
        torch.nn.init.zeros_(conv.bias)
    with torch.no_grad():
        torch.testing.assert_close(model.tokenize(x)[0], model.pos_embed)


@pytest.mark.parametrize('dims,heads', [(1024, 16), (1280, 16)])
def test_no_nan_or_inf_at_large_widths(dims, heads, tiny_tubevit):
    model = tiny_tubevit(
        arch=dict(embed_dims=dims, num_layers=1, num_heads=heads),
        num_frames=16)
    assert torch.isfinite(model.pos_embed).all()
    assert model.pos_embed.abs().max() <= 1
    with torch.no_grad():
        out = model(torch.randn(1, 3, 16, 64, 64))
    assert out.shape == (1, dims) and torch.isfinite(out).all()


def test_shared_kernel_interpolation(tiny_tubevit):
    model = tiny_tubevit(shared_kernel=True)
    # Tube 0 is 8x8x8, the shared kernel's own shape: returned unchanged.
    weight, bias = model.tube_kernel(0)
    assert torch.equal(weight, model.shared_weight)
    assert torch.equal(bias, model.tube_biases[0])
    # Interpolating to the original shape is the identity.
    same = F.interpolate(model.shared_weight, size=(8, 8, 8),
                         mode='trilinear', align_corners=False)
    assert torch.equal(same, model.shared_weight)
    # Other tubes get their own shape; a constant kernel stays constant.
    with torch.no_grad():
        model.shared_weight.fill_(0.25)
    for i, tube in enumerate(model.tubes):
        weight, _ = model.tube_kernel(i)
        assert tuple(weight.shape[2:]) == tube.kernel_size
        torch.testing.assert_close(weight, torch.full_like(weight, 0.25))


@pytest.mark.parametrize('shared', [False, True])
def test_gradients_reach_every_tube_kernel(shared, tiny_tubevit):
    model = tiny_tubevit(shared_kernel=shared)
    model(torch.randn(1, 3, 32, 64, 64)).pow(2).sum().backward()
    if shared:
        assert model.shared_weight.grad.abs().sum() > 0
        assert (model.tube_biases.grad.abs().sum(1) > 0).all()
    else:
        for conv in model.tube_embeds:
            assert conv.weight.grad.abs().sum() > 0


def test_bad_configs_raise_clear_errors(tiny_tubevit):
    with pytest.raises(ValueError, match='unknown arch'):
        TubeViT(arch='huge')
    with pytest.raises(ValueError, match='divisible'):
        TubeViT(arch=dict(embed_dims=50, num_layers=1, num_heads=3))
    with pytest.raises(ValueError, match='kernel_size'):
        tiny_tubevit(tubes=[dict(kernel_size=(1, 16), stride=16)])
    with pytest.raises(ValueError, match='no tube fits'):
        tiny_tubevit(num_frames=4, tubes=[DEFAULT_TUBES[0]])
    with pytest.raises(ValueError, match='expected'):
        tiny_tubevit()(torch.randn(1, 1, 8, 64, 64))


def test_head_input_is_not_shrunk_at_init():
    # The attention pool's kv -> proj chain at std 0.02 scaled the pooled
    # feature by ~0.04 at 96 channels (norm 0.25 against 9.8 for the
    # LayerNorm output it pools), which kept the mini TubeViT at the class
    # prior for ~250 steps of the one-batch probe. Xavier keeps it O(1).
    torch.manual_seed(0)
    model = TubeViT(arch=dict(embed_dims=96, num_layers=2, num_heads=3),
                    num_frames=8, img_size=64,
                    tubes=[dict(kernel_size=(4, 8, 8), stride=(4, 16, 16)),
                           dict(kernel_size=(1, 8, 8), stride=(8, 8, 8))])
    model.init_weights()
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(4, 3, 8, 64, 64))
    rms = out.pow(2).mean().sqrt().item()
    assert rms > 0.2
