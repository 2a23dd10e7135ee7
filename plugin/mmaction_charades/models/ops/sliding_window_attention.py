"""Sliding-window attention with global tokens (Longformer).

Beltagy et al., "Longformer: The Long-Document Transformer", 2020: every
query attends to the keys within ``window / 2`` positions on each side
(Sec. 3.1, "Sliding Window"), and a few *global* tokens attend to every key
and are attended by every query (Sec. 3.1, "Global Attention"); the cost is
O(N x (w + g)) instead of O(N^2).

The banded part is computed block-wise: the sequence is cut into blocks of
``window / 2`` queries; the keys a block can see lie in the block itself and
its two neighbours, so each block scores ``3 * window / 2`` keys. Every
tensor kept for the backward pass (block scores, gathered key/value blocks,
global rows) has O(N x (window + g)) elements; no N x N matrix is ever built.
Plain tensor ops, so forward and backward run on CPU and GPU alike.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor


def _check_inputs(q: Tensor, k: Tensor, v: Tensor, window: int,
                  global_mask: Optional[Tensor],
                  key_padding_mask: Optional[Tensor]) -> None:
    if isinstance(window, bool) or not isinstance(window, int) \
            or window <= 0 or window % 2:
        raise ValueError(
            f'sliding_window_attention: window must be an even positive int '
            f'(the total window, attending window/2 keys on each side as in '
            f"Hugging Face's LongformerConfig.attention_window), got "
            f'{window!r}')
    if q.dim() != 4 or q.shape != k.shape or q.shape != v.shape:
        raise ValueError(
            'sliding_window_attention: q, k and v must all have shape '
            f'(B, H, N, D); got {tuple(q.shape)}, {tuple(k.shape)}, '
            f'{tuple(v.shape)}')
    batch, _, length, _ = q.shape
    for name, mask in (('global_mask', global_mask),
                       ('key_padding_mask', key_padding_mask)):
        if mask is None:
            continue
        if mask.dtype != torch.bool or mask.shape != (batch, length):
            raise ValueError(
                f'sliding_window_attention: {name} must be a bool tensor of '
                f'shape (B, N) = {(batch, length)}; got {mask.dtype} '
                f'{tuple(mask.shape)}')


def _band_blocks(x: Tensor, block: int) -> Tensor:
    """Gather each block with its two neighbours.

    Args:
        x: (B, H, nb * block, D), already padded to whole blocks.
    Returns:
        (B, H, nb, 3 * block, D): keys of blocks c-1, c, c+1 for block c,
        zeros outside the sequence.
    """
    b, h, n, d = x.shape
    x = torch.nn.functional.pad(x, (0, 0, block, block))
    x = x.view(b, h, n // block + 2, block, d)
    return torch.cat([x[:, :, :-2], x[:, :, 1:-1], x[:, :, 2:]], dim=3)


def _global_indices(is_global: Tensor) -> Tuple[Tensor, Tensor]:
    """Positions of the global tokens, left-aligned per batch element.

    Returns:
        index: (B, G) long; the first ``count[b]`` entries of row b are the
            global positions, the rest are distinct non-global positions.
        valid: (B, G) bool, True on the real global entries.
    """
    count = is_global.sum(1)
    num_global = int(count.max())
    # A stable sort of "not global" puts global positions first, in order,
    # and makes the rest of each row a permutation of non-global positions.
    index = torch.sort((~is_global).to(torch.int8), dim=1,
                       stable=True).indices[:, :num_global]
    valid = torch.arange(num_global, device=is_global.device) < count[:, None]
    return index, valid


def sliding_window_attention(q: Tensor,
                             k: Tensor,
                             v: Tensor,
                             window: int,
                             global_mask: Optional[Tensor] = None,
                             key_padding_mask: Optional[Tensor] = None
                             ) -> Tensor:
    """Longformer attention: sliding window plus global tokens.

    Query ``i`` attends to key ``j`` iff ``j`` is not padding and
    ``|i - j| <= window // 2``, or ``i`` or ``j`` is global. Scores are
    scaled by ``1 / sqrt(D)``. Padded queries return zeros; a padded token is
    never global.

    Args:
        q, k, v: (B, H, N, D), any N >= 1.
        window: total window, even and positive (Hugging Face's
            ``LongformerConfig.attention_window``).
        global_mask: (B, N) bool, True on global tokens.
        key_padding_mask: (B, N) bool, True on padding tokens.

    Returns:
        (B, H, N, D) attention output.
    """
    _check_inputs(q, k, v, window, global_mask, key_padding_mask)
    batch, heads, length, dim = q.shape
    device = q.device
    neg = torch.finfo(q.dtype).min
    q = q * dim**-0.5

    valid = (torch.ones(batch, length, dtype=torch.bool, device=device)
             if key_padding_mask is None else ~key_padding_mask)
    is_global = (torch.zeros_like(valid)
                 if global_mask is None else global_mask & valid)
    has_global = bool(is_global.any())

    # ---- banded part, block by block --------------------------------------
    block = window // 2
    num_blocks = -(-length // block)
    pad = num_blocks * block - length
    qb, kb, vb = (torch.nn.functional.pad(x, (0, 0, 0, pad))
                  for x in (q, k, v))
    qb = qb.view(batch, heads, num_blocks, block, dim)
    k_band = _band_blocks(kb, block)  # (B, H, nb, 3b, D)
    v_band = _band_blocks(vb, block)
    scores = qb @ k_band.transpose(-1, -2)  # (B, H, nb, b, 3b)

    # Key slot s of block c holds position (c - 1) * b + s; query row r holds
    # c * b + r, so |i - j| <= b  <=>  0 <= s - r <= 2b.
    rel = (torch.arange(3 * block, device=device)[None, :] -
           torch.arange(block, device=device)[:, None])
    in_band = (rel >= 0) & (rel <= 2 * block)  # (b, 3b)
    # Global keys are scored once, in the global part below.
    local_key = torch.nn.functional.pad(valid & ~is_global,
                                        (block, block + pad))
    local_key = local_key.view(batch, num_blocks + 2, block)
    local_key = torch.cat(
        [local_key[:, :-2], local_key[:, 1:-1], local_key[:, 2:]], dim=2)
    allowed = in_band & local_key[:, :, None, :]  # (B, nb, b, 3b)
    scores = scores.masked_fill(~allowed[:, None], neg)

    if has_global:
        g_index, g_valid = _global_indices(is_global)  # (B, G)
        gather = g_index[:, None, :, None].expand(-1, heads, -1, dim)
        k_glob = k.gather(2, gather)  # (B, H, G, D)
        v_glob = v.gather(2, gather)
        # Every query to the global keys: (B, H, N, G), in blocks.
        g_scores = torch.nn.functional.pad(q, (0, 0, 0, pad)) \
            @ k_glob.transpose(-1, -2)
        g_scores = g_scores.masked_fill(~g_valid[:, None, None, :], neg)
        g_scores = g_scores.view(batch, heads, num_blocks, block, -1)
        num_global = g_scores.shape[-1]
        probs = torch.cat([g_scores, scores], dim=-1).softmax(-1)
        out = probs[..., num_global:] @ v_band + \
            probs[..., :num_global] @ v_glob[:, :, None]
    else:
        out = scores.softmax(-1) @ v_band
    out = out.reshape(batch, heads, num_blocks * block, dim)[:, :, :length]

    if has_global:
        # Global queries attend to every non-padding key: (B, H, G, N).
        q_glob = q.gather(2, gather)
        full = (q_glob @ k.transpose(-1, -2)).masked_fill(
            ~valid[:, None, None, :], neg)
        glob_out = full.softmax(-1) @ v  # (B, H, G, D)
        # Row b of g_index is a permutation prefix: no duplicate targets.
        scattered = torch.zeros_like(out).scatter(2, gather, glob_out)
        out = torch.where(is_global[:, None, :, None], scattered, out)

    return out.masked_fill(~valid[:, None, :, None], 0.)
