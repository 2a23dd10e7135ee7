"""MMAction2's Mixup/CutMix (videomae_b_charades21_mixcut.py) keep multi-hot
targets multi-label: soft targets lam * y_a + (1 - lam) * y_b that
PosWeightBCELoss trains on, with a finite, decreasing loss."""
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmaction_charades  # noqa: F401
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample


def _samples(labels):
    return [ActionDataSample().set_gt_label(y.numpy()) for y in labels]


def test_mixup_targets_are_convex_combinations_of_multi_hot_labels():
    init_default_scope('mmaction')
    torch.manual_seed(0)
    labels = (torch.rand(6, 21) < 0.2).float()
    labels[0] = 0  # an all-zero (no action) video
    blend = MODELS.build(dict(type='MixupBlending', alpha=0.8, num_classes=21))
    imgs = torch.rand(6, 1, 3, 2, 4, 4)
    mixed_imgs, samples = blend(imgs, _samples(labels))
    mixed = torch.stack([s.gt_label for s in samples]).float()
    assert mixed.shape == labels.shape
    for i in range(6):
        # recover (lam, partner j) from the images, then check the targets
        fits = []
        for j in range(6):
            diff = (imgs[i] - imgs[j]).flatten()
            lam = ((mixed_imgs[i] - imgs[j]).flatten() @ diff) / (
                diff @ diff + 1e-12) if j != i else torch.tensor(1.)
            residual = (mixed_imgs[i] - lam * imgs[i] -
                        (1 - lam) * imgs[j]).norm()
            fits.append((residual.item(), lam.item(), j))
        _, lam, j = min(fits)
        expected = lam * labels[i] + (1 - lam) * labels[j]
        torch.testing.assert_close(mixed[i], expected, atol=1e-4, rtol=0)
    assert ((mixed >= 0) & (mixed <= 1)).all()


def test_mixcut_config_trains_with_finite_decreasing_loss():
    """A tiny ViT trained with the mixcut config's blending and loss."""
    init_default_scope('mmaction')
    torch.manual_seed(0)
    cfg = Config.fromfile('configs/videomae_b_charades21_mixcut.py')
    model_cfg = cfg.model
    model_cfg.backbone.update(
        img_size=32, patch_size=16, embed_dims=24, depth=1, num_heads=2,
        num_frames=4, init_cfg=None)
    model_cfg.cls_head.update(in_channels=24, num_classes=21)
    model_cfg.cls_head.loss_cls.pos_weight = [3.0] * 21
    model_cfg.data_preprocessor.blending.probs = [0.5, 0.5]
    model = MODELS.build(model_cfg)
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    labels = (torch.rand(8, 21) < 0.2).float()
    inputs = torch.rand(8, 1, 3, 4, 32, 32) * 255
    losses = []
    for _ in range(30):
        data = model.data_preprocessor(
            dict(inputs=list(inputs), data_samples=_samples(labels)),
            training=True)
        loss = model(**data, mode='loss')['loss_cls']
        assert torch.isfinite(loss)
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) < sum(losses[:5])
