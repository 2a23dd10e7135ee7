"""Fixed sine-cosine position embeddings at arbitrary (real) coordinates."""
import torch
from torch import Tensor


def sincos_embed_1d(positions: Tensor, num_freqs: int,
                    temperature: float = 10000.) -> Tensor:
    """Sine-cosine features of 1D positions, computed in float64.

    Frequency ``j`` is ``omega_j = temperature ** (-j / num_freqs)`` for
    ``j = 0 .. num_freqs - 1``.

    Args:
        positions: Positions (N,), any real values.
        num_freqs: Number of frequencies F.
        temperature: Longest wavelength scale (tau).

    Returns:
        Tensor: (N, 2F) float64, ``[sin(p * omega_0..F-1), cos(p * omega)]``.
    """
    if num_freqs < 1:
        raise ValueError(f'sincos_embed_1d: num_freqs must be >= 1, got '
                         f'{num_freqs}.')
    omega = temperature**(-torch.arange(
        num_freqs, dtype=torch.float64, device=positions.device) / num_freqs)
    angles = positions.to(torch.float64)[:, None] * omega[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def sincos_embed_nd(coords: Tensor, embed_dims: int,
                    temperature: float = 10000.) -> Tensor:
    """Concatenated per-axis sine-cosine embedding of (N, A) coordinates.

    Each of the A axes gets ``F = embed_dims // (2 A)`` frequencies, i.e. one
    A-th of the channels (for A = 3: ``embed_dims // 6`` per sin and cos, as
    in TubeViT). The frequency exponents are normalised by that per-axis F,
    and the math is done in float64, so the values are exact and bounded by
    1 for any width. The ``embed_dims - 2 A F`` leftover channels (e.g. 4 at
    1024, 2 at 1280 for A = 3) carry no position signal and are zero.

    Args:
        coords: Coordinates (N, A), e.g. (t, h, w) token centres.
        embed_dims: Output channels C; at least ``2 A``.
        temperature: Longest wavelength scale (tau).

    Returns:
        Tensor: (N, C) float32, axis blocks in coordinate order.
    """
    num_axes = coords.shape[1]
    num_freqs = embed_dims // (2 * num_axes)
    if num_freqs < 1:
        raise ValueError(f'sincos_embed_nd: embed_dims={embed_dims} is too '
                         f'small for {num_axes} axes (need >= {2 * num_axes}).')
    parts = [sincos_embed_1d(coords[:, a], num_freqs, temperature)
             for a in range(num_axes)]
    pad = embed_dims - 2 * num_axes * num_freqs
    parts.append(coords.new_zeros((coords.shape[0], pad), dtype=torch.float64))
    return torch.cat(parts, dim=1).float()
