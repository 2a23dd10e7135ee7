"""sliding_window_attention against a dense masked softmax and against
Hugging Face's ``LongformerSelfAttention`` (test-only oracle)."""
import math

import pytest
import torch

import mmaction_charades  # noqa: F401
from mmaction_charades.models.ops import sliding_window_attention


def dense_reference(q, k, v, window, global_mask=None, key_padding_mask=None):
    """Full N x N masked softmax (the definition, for small N)."""
    batch, _, length, dim = q.shape
    pos = torch.arange(length)
    allowed = (pos[:, None] - pos[None, :]).abs() <= window // 2  # (N, N)
    allowed = allowed.expand(batch, length, length)
    valid = torch.ones(batch, length, dtype=torch.bool) \
        if key_padding_mask is None else ~key_padding_mask
    if global_mask is not None:
        glob = global_mask & valid
        allowed = allowed | glob[:, :, None] | glob[:, None, :]
    allowed = allowed & valid[:, None, :]
    scores = q @ k.transpose(-1, -2) / math.sqrt(dim)
    scores = scores.masked_fill(~allowed[:, None], float('-inf'))
    probs = torch.nan_to_num(scores.softmax(-1), nan=0.)
    out = probs @ v
    return torch.where(valid[:, None, :, None], out, torch.zeros_like(out))


def _random_case(gen, length, window, with_global, with_padding, batch=2):
    heads, dim = 3, 8
    q, k, v = (torch.randn(batch, heads, length, dim, generator=gen,
                           requires_grad=True) for _ in range(3))
    global_mask = key_padding_mask = None
    if with_padding:
        lengths = torch.randint(1, length + 1, (batch, ), generator=gen)
        lengths[0] = length
        key_padding_mask = torch.arange(length)[None] >= lengths[:, None]
    if with_global:
        global_mask = torch.rand(batch, length, generator=gen) < 0.15
        global_mask[:, 0] = True
        global_mask[-1] = False  # one element without globals
    return q, k, v, global_mask, key_padding_mask


@pytest.mark.parametrize('with_global', [False, True])
@pytest.mark.parametrize('with_padding', [False, True])
@pytest.mark.parametrize('length,window', [(1, 2), (5, 8), (8, 8),
                                           (13, 8), (37, 6), (64, 16),
                                           (50, 100)])
def test_matches_dense_reference(length, window, with_global, with_padding):
    gen = torch.Generator().manual_seed(length * 31 + window)
    q, k, v, glob, pad = _random_case(gen, length, window, with_global,
                                      with_padding)
    out = sliding_window_attention(q, k, v, window, glob, pad)
    ref = dense_reference(q, k, v, window, glob, pad)
    assert out.shape == q.shape
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)

    grad_out = torch.randn(out.shape, generator=gen)
    grads = torch.autograd.grad(out, (q, k, v), grad_out)
    ref_grads = torch.autograd.grad(ref, (q, k, v), grad_out)
    for name, g, rg in zip('qkv', grads, ref_grads):
        torch.testing.assert_close(g, rg, atol=1e-5, rtol=1e-5,
                                   msg=lambda m: f'grad {name}: {m}')
    if pad is not None:
        assert (out[pad.nonzero(as_tuple=True)[0], :,
                    pad.nonzero(as_tuple=True)[1]] == 0).all()


@pytest.mark.parametrize('window', [0, -2, 7, 3.0, True])
def test_rejects_bad_window(window):
    q = torch.randn(1, 1, 4, 2)
    with pytest.raises(ValueError, match='window must be an even positive'):
        sliding_window_attention(q, q, q, window)


def test_rejects_bad_masks():
    q = torch.randn(2, 1, 4, 2)
    with pytest.raises(ValueError, match='global_mask must be a bool'):
        sliding_window_attention(q, q, q, 2, global_mask=torch.ones(2, 4))
    with pytest.raises(ValueError, match='key_padding_mask must be a bool'):
        sliding_window_attention(
            q, q, q, 2, key_padding_mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match=r'\(B, H, N, D\)'):
        sliding_window_attention(q, q[:, :, :3], q, 2)


def test_saved_tensors_grow_linearly():
    """Bytes kept for backward are O(N w): doubling N doubles them (and
    none of them is an N x N matrix)."""

    def saved_bytes(length):
        total, shapes = 0, []

        def pack(t):
            nonlocal total
            total += t.numel() * t.element_size()
            shapes.append(tuple(t.shape))
            return t

        q, k, v = (torch.randn(1, 2, length, 4, requires_grad=True)
                   for _ in range(3))
        glob = torch.zeros(1, length, dtype=torch.bool)
        glob[0, 0] = True
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            sliding_window_attention(q, k, v, 8, glob).sum()
        return total, shapes

    small, _ = saved_bytes(512)
    large, shapes = saved_bytes(1024)
    assert large / small < 2.1
    assert all(s.count(1024) < 2 for s in shapes)


def _hf_attention(hidden, window, global_mask, pad_mask):
    """Hugging Face Longformer self-attention with global projections tied to
    the local ones (our operator has one set of q, k, v)."""
    transformers = pytest.importorskip('transformers')
    from transformers.models.longformer.modeling_longformer import \
        LongformerSelfAttention
    config = transformers.LongformerConfig(
        hidden_size=hidden.shape[-1], num_attention_heads=4,
        attention_window=[window], attention_probs_dropout_prob=0.)
    layer = LongformerSelfAttention(config, layer_id=0).eval()
    layer.query_global.load_state_dict(layer.query.state_dict())
    layer.key_global.load_state_dict(layer.key.state_dict())
    layer.value_global.load_state_dict(layer.value.state_dict())
    # HF wants N padded to a multiple of the window, with the layer mask
    # -10000 on padding, 0 on local and +10000 on global tokens.
    batch, length, _ = hidden.shape
    extra = -length % window
    padded = torch.nn.functional.pad(hidden, (0, 0, 0, extra))
    pad_full = torch.nn.functional.pad(pad_mask, (0, extra), value=True)
    glob_full = torch.nn.functional.pad(global_mask, (0, extra))
    mask = torch.zeros(batch, length + extra)
    mask[glob_full] = 10000.
    mask[pad_full] = -10000.
    out = layer(padded, attention_mask=mask, is_index_masked=pad_full,
                is_index_global_attn=glob_full,
                is_global_attn=bool(glob_full.any()))[0]
    return layer, out[:, :length]


@pytest.mark.parametrize('length,window', [(24, 8), (19, 6), (7, 16)])
@pytest.mark.parametrize('with_global', [False, True])
def test_matches_huggingface_longformer(length, window, with_global):
    torch.manual_seed(length + window)
    batch, hidden_size, heads = 2, 16, 4
    hidden = torch.randn(batch, length, hidden_size)
    pad = torch.arange(length)[None] >= torch.tensor([[length], [length - 3]])
    glob = torch.zeros(batch, length, dtype=torch.bool)
    if with_global:
        glob[:, 0] = True
        glob[0, length // 2] = True
    layer, ref = _hf_attention(hidden, window, glob, pad)

    def split(x):  # (B, N, C) -> (B, H, N, C / H)
        return x.view(batch, length, heads, -1).transpose(1, 2)

    with torch.no_grad():
        q, k, v = (split(proj(hidden))
                   for proj in (layer.query, layer.key, layer.value))
        out = sliding_window_attention(q, k, v, window, glob, pad)
    out = out.transpose(1, 2).reshape(batch, length, hidden_size)
    valid = ~pad
    torch.testing.assert_close(out[valid], ref[valid], atol=1e-5, rtol=1e-5)
