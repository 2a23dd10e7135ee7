"""VTN's 2D frame encoder by name: MMAction2 registry types and timm models
(``type='timm.<name>'``, MMAction2's recognizer convention)."""
import sys
import types

import pytest
import torch
from torch import nn

import mmaction_charades  # noqa: F401
from mmaction_charades.models.backbones.vtn import VTN, build_frame_backbone


class _PooledFrames(nn.Module):
    """Stands in for a timm model built with ``num_classes=0``:
    (N, 3, H, W) -> pooled features (N, num_features)."""

    def __init__(self, num_features: int, head_hidden_size: int = None,
                 tokens: bool = False) -> None:
        super().__init__()
        self.num_features = num_features
        self.head_hidden_size = head_hidden_size
        self.tokens = tokens
        self.proj = nn.Linear(3, head_hidden_size or num_features)

    def forward(self, x):
        if self.tokens:  # global_pool='': (N, L, C)
            return self.proj(x.flatten(2).transpose(1, 2))
        return self.proj(x.mean((2, 3)))

    def init_weights(self):
        raise AssertionError('MMEngine re-initialised a timm model')


@pytest.fixture
def fake_timm(monkeypatch):
    """A ``timm`` module whose ``create_model`` records its arguments."""
    calls = []

    def create_model(name, **kwargs):
        calls.append((name, dict(kwargs)))
        return _PooledFrames(kwargs.get('num_features', 16),
                             kwargs.get('head_hidden_size'),
                             kwargs.get('global_pool') == '')

    module = types.ModuleType('timm')
    module.create_model = create_model
    monkeypatch.setitem(sys.modules, 'timm', module)
    return calls


def _vtn(frame_backbone, frame_channels):
    return VTN(frame_backbone=frame_backbone, frame_channels=frame_channels,
               embed_dims=24, num_layers=1, num_heads=2, attention_window=4,
               max_frames=8, drop_rate=0.)


def test_timm_name_builds_pooled_model_without_classifier(fake_timm):
    model = _vtn(dict(type='timm.some_vit', pretrained=False,
                      num_features=12), frame_channels=12)
    assert fake_timm == [('some_vit', dict(pretrained=False, num_features=12,
                                           num_classes=0))]
    model.init_weights()  # _PooledFrames.init_weights would raise
    x = torch.randn(2, 3, 5, 16, 16)
    assert model(x).shape == (2, 24)
    # The frame encoder sees every frame: a change in frame 3 of video 1
    # changes video 1 only.
    y = x.clone()
    y[1, :, 3] += 1.
    with torch.no_grad():
        a, b = model.eval()(x), model(y)
    torch.testing.assert_close(a[0], b[0])
    assert not torch.allclose(a[1], b[1])


def test_timm_num_classes_can_be_overridden(fake_timm):
    build_frame_backbone(dict(type='timm.m', num_classes=7))
    assert fake_timm[-1] == ('m', dict(num_classes=7))


def test_frame_channels_must_match_timm_features(fake_timm):
    with pytest.raises(ValueError, match='frame_channels=32 .* returns 12 '
                       'features; set frame_channels=12'):
        _vtn(dict(type='timm.some_vit', num_features=12), frame_channels=32)


def test_frame_channels_follow_head_hidden_size(fake_timm):
    """MobileNetV3-like: the pooled output is head_hidden_size wide."""
    model = _vtn(dict(type='timm.mnv3', num_features=12,
                      head_hidden_size=20), frame_channels=20)
    assert model(torch.randn(1, 3, 3, 16, 16)).shape == (1, 24)
    with pytest.raises(ValueError, match='set frame_channels=20'):
        _vtn(dict(type='timm.mnv3', num_features=12, head_hidden_size=20),
             frame_channels=12)


def test_timm_init_cfg_is_refused(fake_timm):
    with pytest.raises(ValueError, match='takes no init_cfg'):
        build_frame_backbone(dict(type='timm.m', init_cfg=dict(
            type='Pretrained', checkpoint='x.pth')))


def test_token_outputs_are_refused(fake_timm):
    model = _vtn(dict(type='timm.vit', global_pool=''), frame_channels=16)
    with pytest.raises(ValueError, match=r'returned shape \(6, 256, 16\)'):
        model(torch.randn(2, 3, 3, 16, 16))


def test_missing_timm_names_the_backbone(monkeypatch):
    monkeypatch.setitem(sys.modules, 'timm', None)  # import raises
    with pytest.raises(ImportError, match="'timm.resnet18' needs timm"):
        build_frame_backbone(dict(type='timm.resnet18'))


def test_registry_types_are_built_by_mmaction():
    from mmaction_charades.models.backbones import ViT2D
    model = build_frame_backbone(dict(
        type='ViT2D', arch=dict(embed_dims=32, num_layers=1, num_heads=2),
        img_size=32, patch_size=16))
    assert isinstance(model, ViT2D)


@pytest.mark.parametrize('name,kwargs,channels', [
    ('vit_tiny_patch16_224', dict(img_size=32, patch_size=8), 192),
    ('resnet10t', dict(), 512),
    ('mobilenetv3_large_100', dict(), 1280),  # num_features 960
])
def test_real_timm_models_as_frame_encoders(timm, name, kwargs, channels):
    torch.manual_seed(0)
    model = _vtn(dict(type=f'timm.{name}', pretrained=False, **kwargs),
                 frame_channels=channels)
    before = {k: v.clone() for k, v in model.frame_backbone.state_dict()
              .items()}
    model.init_weights()
    after = model.frame_backbone.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    out = model(torch.randn(2, 3, 4, 32, 32))
    assert out.shape == (2, 24)
    out.sum().backward()
    assert all(p.grad is not None
               for p in model.frame_backbone.parameters() if p.requires_grad)
