"""Learning tests for every backbone family our configs use, in one place.

Each family is the model of a config (``configs/*_mini_charades21.py``, or
the config that uses it) shrunk to 8x32x32 clips: every parameter gets a
gradient; the output follows the input; a ``Pretrained`` save-and-load
round trip reproduces the outputs exactly; and (slow) the model fits one
batch of 8 generated clips within a step budget the R3D passes with margin.
"""
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmaction_charades  # noqa: F401
from mmaction.registry import MODELS
from mmaction_charades.testing.fit_probe import (fit_one_batch,
                                                 generated_clips,
                                                 recognizer_batch)

CONFIGS = Path(__file__).resolve().parents[3] / 'configs'
CLIP_LEN, SIZE = 8, 32
#: One-batch fit: batch mAP >= FIT_MAP within FIT_STEPS AdamW steps.
FIT_MAP, FIT_STEPS, FIT_EVERY = 0.95, 100, 5


def _config_model(name: str) -> Config:
    cfg = Config.fromfile(str(CONFIGS / name)).model
    cfg.cls_head.loss_cls = dict(type='PosWeightBCELoss', pos_weight=None)
    cfg.cls_head.dropout_ratio = 0.
    return cfg


def _vit_family(variant: str = None) -> Config:
    cfg = _config_model('vivit_mini_charades21.py')
    cfg.backbone.update(num_frames=CLIP_LEN, img_size=SIZE)
    if variant:
        cfg.backbone.variant = variant
    return cfg


def tubevit() -> Config:
    cfg = _config_model('tubevit_mini_charades21.py')
    cfg.backbone.update(num_frames=CLIP_LEN, img_size=SIZE)
    return cfg


def vtn() -> Config:
    """vtn_mini_charades21.py: VTN over a 2D ResNet-18 frame encoder."""
    cfg = _config_model('vtn_mini_charades21.py')
    cfg.backbone.max_frames = CLIP_LEN
    return cfg


def vtn_vit2d() -> Config:
    """VTN over our ViT2D frame encoder (vtn_vit_b_charades21.py), tiny."""
    cfg = vtn()
    cfg.backbone.frame_backbone = dict(
        type='ViT2D', arch=dict(embed_dims=64, num_layers=2, num_heads=2),
        img_size=SIZE, patch_size=16)
    cfg.backbone.frame_channels = 64
    return cfg


def mmaction_vit() -> Config:
    """MMAction2's VisionTransformer (videomae_b_charades21.py), tiny."""
    cfg = _vit_family()
    cfg.backbone = dict(type='VisionTransformer', img_size=SIZE,
                        patch_size=8, embed_dims=64, depth=2, num_heads=2,
                        num_frames=CLIP_LEN, norm_cfg=dict(type='LN',
                                                           eps=1e-6))
    cfg.cls_head.in_channels = 64
    return cfg


def mmaction_mvit() -> Config:
    """MMAction2's MViTv2 (mvitv2_s_charades21.py), tiny: 2 layers, one
    downscale; its own default init instead of the K400 checkpoint."""
    cfg = _config_model('mvitv2_s_charades21.py')
    cfg.backbone.pop('init_cfg')
    cfg.backbone.update(
        arch=dict(embed_dims=32, num_layers=2, num_heads=1,
                  downscale_indices=[1]),
        spatial_size=SIZE, temporal_size=CLIP_LEN,
        adaptive_kv_stride=(1, 2, 2))
    cfg.cls_head.in_channels = 64
    return cfg


FAMILIES = {
    'r3d18': lambda: _config_model('r3d18_mini_charades21.py'),
    'swin': lambda: _config_model('swin_t_mini_charades21.py'),
    'mmaction_mvit': mmaction_mvit,
    'mmaction_vit': mmaction_vit,
    'tubevit': tubevit,
    'vivit_joint': lambda: _vit_family('joint'),
    'vivit_factorised_encoder': lambda: _vit_family('factorised_encoder'),
    'vivit_factorised_self_attention':
    lambda: _vit_family('factorised_self_attention'),
    'vtn': vtn,
    'vtn_vit2d': vtn_vit2d,
}
#: The families under test; the R3D (whose zero-init residual BNs stop the
#: first step's gradients to the convs before them) only sets the fit budget.
BACKBONES = [name for name in FAMILIES if name != 'r3d18']
#: Parameters that cannot reach the loss by design. MViT's head reads the
#: CLS token, and in its last block the query pooling and the relative
#: position terms act on the patch tokens' queries only.
UNREACHABLE = {
    'mmaction_mvit': re.compile(
        r'backbone\.blocks\.1\.attn\.(rel_pos_[thw]|pool_q\.|norm_q\.)'),
}


def build(name: str, seed: int = 0, **backbone):
    init_default_scope('mmaction')
    torch.manual_seed(seed)
    cfg = FAMILIES[name]()
    cfg.backbone.update(backbone)
    model = MODELS.build(cfg.to_dict())
    model.init_weights()
    return model


def _clips(num_clips: int = 4, seed: int = 0) -> torch.Tensor:
    """Normalised float clips (N, 3, T, H, W) for backbone-level checks."""
    clips, _ = generated_clips(num_clips, CLIP_LEN, SIZE, seed=seed)
    return (clips.float() - 110.) / 60.


def _features(model, x: torch.Tensor) -> torch.Tensor:
    """The last stage's output, every tensor in it (MViT: patch tokens and
    CLS token) flattened per sample and concatenated: (N, D)."""
    out = model.backbone(x)
    if isinstance(out, tuple):
        out = out[-1]
    tensors = out if isinstance(out, list) else [out]
    return torch.cat([t.flatten(1) for t in tensors], dim=1)


@pytest.mark.parametrize('name', BACKBONES)
def test_every_parameter_gets_a_gradient(name):
    model = build(name)
    clips, labels = generated_clips(4, CLIP_LEN, SIZE)
    data = model.data_preprocessor(recognizer_batch(clips, labels),
                                   training=True)
    sum(model(**data, mode='loss').values()).backward()
    without = [n for n, p in model.named_parameters()
               if p.requires_grad and (p.grad is None or not p.grad.any())]
    unreachable = UNREACHABLE.get(name)
    if unreachable:
        exempt = [n for n in without if unreachable.match(n)]
        assert exempt, f'{name}: UNREACHABLE matches nothing; update it'
        without = [n for n in without if n not in exempt]
    assert without == []


@pytest.mark.parametrize('name', BACKBONES)
def test_output_follows_the_input_of_its_own_sample(name):
    model = build(name).eval()
    x = _clips()
    y = x.clone()
    y[0] = _clips(1, seed=1)[0]
    with torch.no_grad():
        a, b = _features(model, x), _features(model, y)
    assert (a[0] - b[0]).abs().max() > 1e-3 * a[0].abs().max()
    torch.testing.assert_close(a[1:], b[1:], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('name', BACKBONES)
def test_pretrained_round_trip_reproduces_outputs(name, tmp_path):
    source = build(name, seed=0).eval()
    path = tmp_path / 'backbone.pth'
    torch.save(source.backbone.state_dict(), path)
    loaded = build(name, seed=1, init_cfg=dict(type='Pretrained',
                                               checkpoint=str(path))).eval()
    changed = [k for k, v in loaded.backbone.state_dict().items()
               if not torch.equal(v, source.backbone.state_dict()[k])]
    assert changed == []
    x = _clips()
    with torch.no_grad():
        assert torch.equal(_features(loaded, x), _features(source, x))


@pytest.mark.slow
@pytest.mark.parametrize('name', list(FAMILIES))
def test_fits_one_batch_of_generated_clips(name):
    # One thread: these models are too small to gain from more, and on a
    # shared 2-core machine two threads took 7x longer.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _fit(name)
    finally:
        torch.set_num_threads(threads)


def _fit(name: str) -> None:
    model = build(name)
    clips, labels = generated_clips(8, CLIP_LEN, SIZE)
    rows = fit_one_batch(model, recognizer_batch(clips, labels), FIT_STEPS,
                         eval_at=range(FIT_EVERY, FIT_STEPS + 1, FIT_EVERY),
                         stop_at=FIT_MAP)
    step = max(rows)
    assert rows[step][0] >= FIT_MAP, (name, rows)
