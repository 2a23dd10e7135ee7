"""Attention pooling of a token sequence with a learned query."""
from typing import Tuple, Union

import torch
from torch import Tensor, nn


class AttentionPool(nn.Module):
    """Pools (B, N, C) tokens into (B, C) with one learned multi-head query.

    Each head takes a softmax over the N tokens of ``q . k / sqrt(head_dims)``
    and averages the values with those weights; the heads are concatenated
    and projected. No CLS token is needed (TubeViT, Piergiovanni et al., CVPR
    2023, pools its encoder output by attention).

    Args:
        dim: Token channels C; must be divisible by ``num_heads``.
        num_heads: Query heads.
    """

    def __init__(self, dim: int, num_heads: int = 1) -> None:
        super().__init__()
        if dim % num_heads != 0:
            raise ValueError(f'AttentionPool: dim={dim} must be divisible by '
                             f'num_heads={num_heads}.')
        self.num_heads = num_heads
        self.head_dims = dim // num_heads
        self.query = nn.Parameter(torch.zeros(1, num_heads, self.head_dims))
        self.kv = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.query, std=.02)

    def forward(self, x: Tensor, return_weights: bool = False
                ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        """(B, N, C) -> (B, C), plus weights (B, num_heads, N) if asked."""
        B, N, C = x.shape
        k, v = self.kv(x).reshape(B, N, 2, self.num_heads,
                                  self.head_dims).unbind(2)
        # k, v: (B, N, heads, head_dims); logits: (B, heads, N)
        logits = torch.einsum('bnhd,qhd->bhn', k, self.query)
        weights = (logits * self.head_dims**-0.5).softmax(dim=-1)
        pooled = torch.einsum('bhn,bnhd->bhd', weights, v).reshape(B, C)
        pooled = self.proj(pooled)
        return (pooled, weights) if return_weights else pooled
