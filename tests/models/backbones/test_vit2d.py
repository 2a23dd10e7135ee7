"""ViT2D frame encoder: timm-compatible parameter names and shapes."""
import pytest
import torch

import mmaction_charades  # noqa: F401
from mmaction.registry import MODELS


def test_timm_vit_keys_and_shapes():
    model = MODELS.build(dict(type='ViT2D', arch=dict(embed_dims=16,
                                                      num_layers=2,
                                                      num_heads=2),
                              img_size=32, patch_size=16))
    # Key set of timm's vit_base_patch16_224 minus its classifier, scaled.
    expected = {'cls_token': (1, 1, 16), 'pos_embed': (1, 5, 16),
                'patch_embed.proj.weight': (16, 3, 16, 16),
                'patch_embed.proj.bias': (16, ), 'norm.weight': (16, ),
                'norm.bias': (16, )}
    for i in range(2):
        for name, shape in (('norm1.weight', (16, )), ('norm1.bias', (16, )),
                            ('attn.qkv.weight', (48, 16)),
                            ('attn.qkv.bias', (48, )),
                            ('attn.proj.weight', (16, 16)),
                            ('attn.proj.bias', (16, )),
                            ('norm2.weight', (16, )), ('norm2.bias', (16, )),
                            ('mlp.fc1.weight', (64, 16)),
                            ('mlp.fc1.bias', (64, )),
                            ('mlp.fc2.weight', (16, 64)),
                            ('mlp.fc2.bias', (16, ))):
            expected[f'blocks.{i}.{name}'] = shape
    state = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert state == expected
    assert model(torch.randn(3, 3, 32, 32)).shape == (3, 16)


def test_base_arch_is_vit_b16():
    model = MODELS.build(dict(type='ViT2D', arch='base'))
    assert model.pos_embed.shape == (1, 197, 768)
    assert len(model.blocks) == 12


def test_rejects_wrong_frame_size():
    model = MODELS.build(dict(type='ViT2D', arch=dict(embed_dims=16,
                                                      num_layers=1,
                                                      num_heads=2),
                              img_size=32))
    with pytest.raises(ValueError, match='resize frames'):
        model(torch.randn(1, 3, 48, 48))


def test_equals_timm_vision_transformer_without_classifier(timm):
    """timm's VisionTransformer(num_classes=0) pools the final-norm CLS
    token, as ViT2D does; its weights load strictly and give the same
    features."""
    torch.manual_seed(0)
    ref = timm.models.vision_transformer.VisionTransformer(
        img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2,
        num_classes=0).eval()
    ours = MODELS.build(dict(type='ViT2D', arch=dict(embed_dims=32,
                                                     num_layers=2,
                                                     num_heads=2),
                             img_size=32, patch_size=8)).eval()
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), ref(x), rtol=1e-5, atol=1e-5)
