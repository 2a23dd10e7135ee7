import pytest
import torch
import torch.nn.functional as F
from torch import nn
from transformers.models.vit.modeling_vit import ViTConfig, ViTLayer

from mmaction_charades.models.layers import (Attention, AttentionPool, Mlp,
                                             TransformerBlock,
                                             init_transformer_weights)


def test_attention_matches_torch_multihead_attention():
    torch.manual_seed(0)
    attn = Attention(32, num_heads=4).eval()
    ref = nn.MultiheadAttention(32, 4, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(attn.qkv.weight)
        ref.in_proj_bias.copy_(attn.qkv.bias)
        ref.out_proj.weight.copy_(attn.proj.weight)
        ref.out_proj.bias.copy_(attn.proj.bias)
    x = torch.randn(2, 7, 32)
    mask = torch.rand(7, 7) > 0.3
    mask.fill_diagonal_(True)
    with torch.no_grad():
        torch.testing.assert_close(attn(x), ref(x, x, x)[0])
        # MHA's boolean mask marks positions NOT allowed to attend.
        torch.testing.assert_close(
            attn(x, attn_mask=mask), ref(x, x, x, attn_mask=~mask)[0])


def test_attention_rejects_indivisible_heads():
    with pytest.raises(ValueError, match='divisible'):
        Attention(30, num_heads=4)


def test_transformer_block_matches_hf_vit_layer():
    torch.manual_seed(0)
    dim, heads, hidden = 48, 3, 96
    block = TransformerBlock(dim, heads, hidden).eval()
    cfg = ViTConfig(hidden_size=dim, num_attention_heads=heads,
                    intermediate_size=hidden, layer_norm_eps=1e-6,
                    hidden_act='gelu')
    cfg._attn_implementation = 'eager'
    ref = ViTLayer(cfg).eval()
    qw, kw, vw = block.attn.qkv.weight.chunk(3)
    qb, kb, vb = block.attn.qkv.bias.chunk(3)
    mapping = {
        'attention.q_proj.weight': qw, 'attention.q_proj.bias': qb,
        'attention.k_proj.weight': kw, 'attention.k_proj.bias': kb,
        'attention.v_proj.weight': vw, 'attention.v_proj.bias': vb,
        'attention.o_proj.weight': block.attn.proj.weight,
        'attention.o_proj.bias': block.attn.proj.bias,
        'layernorm_before.weight': block.norm1.weight,
        'layernorm_before.bias': block.norm1.bias,
        'layernorm_after.weight': block.norm2.weight,
        'layernorm_after.bias': block.norm2.bias,
        'mlp.fc1.weight': block.mlp.fc1.weight,
        'mlp.fc1.bias': block.mlp.fc1.bias,
        'mlp.fc2.weight': block.mlp.fc2.weight,
        'mlp.fc2.bias': block.mlp.fc2.bias,
    }
    # Randomise the norms so a swapped norm1/norm2 would be caught.
    with torch.no_grad():
        for norm in (block.norm1, block.norm2):
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.normal_()
    ref.load_state_dict({k: v.detach() for k, v in mapping.items()})
    x = torch.randn(2, 9, dim)
    with torch.no_grad():
        torch.testing.assert_close(block(x), ref(x), rtol=1e-5, atol=1e-5)


def test_mlp_hidden_width_defaults_to_four_times():
    mlp = Mlp(16)
    assert mlp.fc1.out_features == 64 and mlp.fc2.out_features == 16


def test_attention_pool_weights_sum_to_one_and_match_dense_reference():
    torch.manual_seed(0)
    pool = AttentionPool(24, num_heads=3).eval()
    x = torch.randn(2, 11, 24)
    with torch.no_grad():
        out, weights = pool(x, return_weights=True)
    assert out.shape == (2, 24) and weights.shape == (2, 3, 11)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))
    assert (weights >= 0).all()
    # Dense per-head reference with explicit loops.
    k, v = pool.kv(x).detach().chunk(2, dim=-1)
    heads = []
    for h in range(3):
        sl = slice(8 * h, 8 * (h + 1))
        q = pool.query[0, h].detach()
        w = F.softmax(k[..., sl] @ q / 8**0.5, dim=-1)  # (B, N)
        torch.testing.assert_close(w, weights[:, h])
        heads.append((w[..., None] * v[..., sl]).sum(1))
    expected = pool.proj(torch.cat(heads, dim=-1)).detach()
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize('dim', [96, 768])
def test_init_keeps_linear_gain_at_any_width(dim):
    # Xavier: a square Linear keeps the norm of its input (gain ~1); the old
    # trunc_normal(std=0.02) gave 0.02 * sqrt(dim), 0.2 at the minis' 96.
    torch.manual_seed(0)
    linear = nn.Linear(dim, dim)
    init_transformer_weights(linear)
    x = torch.randn(64, dim)
    with torch.no_grad():
        gain = (linear(x).norm(dim=1) / x.norm(dim=1)).mean().item()
    assert 0.8 < gain < 1.2
    assert linear.bias.abs().sum() == 0


def test_init_residual_branches_are_not_near_identity():
    # A narrow block must start with residual branches of the size of its
    # input, or a few blocks learn nothing at first (the one-batch probe).
    torch.manual_seed(0)
    block = TransformerBlock(96, num_heads=3).eval()
    block.apply(init_transformer_weights)
    x = torch.randn(4, 16, 96)
    with torch.no_grad():
        ratio = ((block(x) - x).norm() / x.norm()).item()
    assert ratio > 0.3


def _timm_twin(timm, ours: nn.Module, name: str, dim: int) -> nn.Module:
    """The timm module of the same shape as ``ours``, holding its weights
    key for key (``strict=True``)."""
    if name == 'Attention':
        twin = timm.layers.Attention(dim, num_heads=4, qkv_bias=True)
    elif name == 'Mlp':
        twin = timm.layers.Mlp(dim, 4 * dim)
    else:
        twin = timm.models.vision_transformer.Block(dim, num_heads=4,
                                                    qkv_bias=True)
    twin.load_state_dict(ours.state_dict(), strict=True)
    return twin.eval()


@pytest.mark.parametrize('name', ['Attention', 'Mlp', 'TransformerBlock'])
def test_layers_equal_timm_layers_key_for_key(timm, name):
    torch.manual_seed(0)
    dim = 32
    ours = {'Attention': lambda: Attention(dim, num_heads=4),
            'Mlp': lambda: Mlp(dim),
            'TransformerBlock': lambda: TransformerBlock(dim, 4)}[name]()
    ours.apply(init_transformer_weights)
    for p in ours.parameters():  # non-trivial biases and norms
        p.data.add_(0.1 * torch.randn_like(p))
    twin = _timm_twin(timm, ours.eval(), name, dim)
    x = torch.randn(2, 7, dim)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), twin(x), rtol=1e-5, atol=1e-5)
