"""2D ViT (timm / MMPretrain keys) -> TubeViT inflation."""
import pytest
import torch
import torch.nn.functional as F

from mmaction_charades.models.backbones.tubevit import \
    inflate_vit2d_state_dict


def _random_timm_vit(dims=48, depth=2, heads=2, patch=16):
    """A randomly initialised timm-format ViT state dict."""
    g = torch.Generator().manual_seed(1)
    sd = {
        'cls_token': torch.randn(1, 1, dims, generator=g),
        'pos_embed': torch.randn(1, 1 + 16, dims, generator=g),
        'patch_embed.proj.weight': torch.randn(dims, 3, patch, patch,
                                               generator=g),
        'patch_embed.proj.bias': torch.randn(dims, generator=g),
        'norm.weight': torch.randn(dims, generator=g),
        'norm.bias': torch.randn(dims, generator=g),
        'head.weight': torch.randn(10, dims, generator=g),
        'head.bias': torch.randn(10, generator=g),
    }
    shapes = {
        'norm1.weight': (dims, ), 'norm1.bias': (dims, ),
        'attn.qkv.weight': (3 * dims, dims), 'attn.qkv.bias': (3 * dims, ),
        'attn.proj.weight': (dims, dims), 'attn.proj.bias': (dims, ),
        'norm2.weight': (dims, ), 'norm2.bias': (dims, ),
        'mlp.fc1.weight': (4 * dims, dims), 'mlp.fc1.bias': (4 * dims, ),
        'mlp.fc2.weight': (dims, 4 * dims), 'mlp.fc2.bias': (dims, ),
    }
    for i in range(depth):
        for name, shape in shapes.items():
            sd[f'blocks.{i}.{name}'] = torch.randn(*shape, generator=g)
    return sd


def _to_mmpretrain(sd):
    names = {'patch_embed.proj.': 'patch_embed.projection.',
             'norm1.': 'ln1.', 'norm2.': 'ln2.',
             'mlp.fc1.': 'ffn.layers.0.0.', 'mlp.fc2.': 'ffn.layers.1.'}
    out = {}
    for key, value in sd.items():
        new = key.replace('blocks.', 'layers.')
        for a, b in names.items():
            new = new.replace(a, b)
        if new.startswith('norm.'):
            new = 'ln1.' + new[len('norm.'):]
        out['backbone.' + new] = value
    return out


def test_inflated_spatial_tube_equals_2d_patch_embedding(tiny_tubevit):
    sd = _random_timm_vit()
    model = tiny_tubevit().eval()
    missing, unexpected = model.load_state_dict(
        inflate_vit2d_state_dict(sd, model), strict=False)
    assert not unexpected
    assert all(k.startswith('pool.') for k in missing)
    torch.testing.assert_close(model.blocks[1].mlp.fc2.weight,
                               sd['blocks.1.mlp.fc2.weight'])
    torch.testing.assert_close(model.norm.bias, sd['norm.bias'])

    frame = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        tokens = model.tokenize(frame[:, :, None])
        tokens = tokens - model.tube_pos_embed((1, 64, 64))
    ref = F.conv2d(frame, sd['patch_embed.proj.weight'],
                   sd['patch_embed.proj.bias'], stride=16)
    torch.testing.assert_close(tokens, ref.flatten(2).transpose(1, 2),
                               rtol=1e-4, atol=1e-4)


def test_inflation_keeps_response_to_constant_in_time_clip(tiny_tubevit):
    sd = _random_timm_vit()
    model = tiny_tubevit(
        tubes=[dict(kernel_size=(4, 16, 16), stride=(4, 16, 16))],
        num_frames=8)
    model.load_state_dict(inflate_vit2d_state_dict(sd, model), strict=False)
    frame = torch.randn(1, 3, 64, 64)
    clip = frame[:, :, None].expand(-1, -1, 8, -1, -1)
    with torch.no_grad():
        tokens = model.tokenize(clip) - model.pos_embed
    ref = F.conv2d(frame, sd['patch_embed.proj.weight'],
                   sd['patch_embed.proj.bias'], stride=16)
    ref = ref.flatten(2).transpose(1, 2).repeat(1, 2, 1)  # 2 time positions
    torch.testing.assert_close(tokens, ref, rtol=1e-4, atol=1e-4)


def test_mmpretrain_keys_inflate_like_timm_keys(tiny_tubevit):
    sd = _random_timm_vit()
    model = tiny_tubevit(shared_kernel=True)
    a = inflate_vit2d_state_dict(sd, model)
    b = inflate_vit2d_state_dict(_to_mmpretrain(sd), model)
    assert a.keys() == b.keys() and 'blocks.0.mlp.fc1.weight' in a
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # The shared 8x8x8 kernel sums, per output channel, to the 2D kernel's.
    torch.testing.assert_close(
        a['shared_weight'].sum((1, 2, 3, 4)),
        sd['patch_embed.proj.weight'].sum((1, 2, 3)), rtol=1e-4, atol=1e-3)


def test_inflation_rejects_width_mismatch(tiny_tubevit):
    with pytest.raises(ValueError, match='embed_dims'):
        inflate_vit2d_state_dict(_random_timm_vit(dims=32), tiny_tubevit())


def test_init_weights_inflates_pretrained2d_once(tmp_path, tiny_tubevit):
    sd = _random_timm_vit()
    path = tmp_path / 'vit2d.pth'
    torch.save(sd, path)
    model = tiny_tubevit(pretrained2d=str(path))
    expected = inflate_vit2d_state_dict(sd, model)
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in expected.items())
    # A second call (e.g. by a parent module) leaves later weights alone.
    with torch.no_grad():
        model.blocks[0].attn.qkv.weight.add_(1.)
    changed = model.blocks[0].attn.qkv.weight.clone()
    model.init_weights()
    assert torch.equal(model.blocks[0].attn.qkv.weight, changed)


def test_pretrained_checkpoint_wins_over_pretrained2d(tmp_path, tiny_tubevit):
    """``pretrained2d`` inflates before ``init_cfg``, so a TubeViT
    checkpoint given as ``Pretrained`` is what the model ends with."""
    path2d = tmp_path / 'vit2d.pth'
    torch.save(_random_timm_vit(), path2d)
    torch.manual_seed(3)
    source = tiny_tubevit()
    path = tmp_path / 'tubevit.pth'
    torch.save(source.state_dict(), path)
    model = tiny_tubevit(pretrained2d=str(path2d), init_cfg=dict(
        type='Pretrained', checkpoint=str(path)))
    changed = [k for k, v in model.state_dict().items()
               if not torch.equal(v, source.state_dict()[k])]
    assert changed == []
