"""Multi-head self-attention on top of ``F.scaled_dot_product_attention``."""
from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head self-attention with a fused ``qkv`` projection.

    The ``qkv`` output is laid out as ``(3, num_heads, head_dims)`` like timm's
    and MMPretrain's ViT, so their ``attn.qkv`` / ``attn.proj`` weights load
    unchanged.

    Args:
        dim: Token channels C; must be divisible by ``num_heads``.
        num_heads: Number of heads.
        qkv_bias: Whether ``qkv`` has a bias.
        attn_drop: Dropout on the attention weights (training only).
        proj_drop: Dropout after the output projection.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int = 8,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.) -> None:
        super().__init__()
        if dim % num_heads != 0:
            raise ValueError(f'Attention: dim={dim} must be divisible by '
                             f'num_heads={num_heads}.')
        self.num_heads = num_heads
        self.head_dims = dim // num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: Tensor, attn_mask: Optional[Tensor] = None) -> Tensor:
        """(B, N, C) -> (B, N, C).

        Args:
            x: Tokens (B, N, C).
            attn_mask: Optional boolean (True = attend) or additive mask
                broadcastable to (B, num_heads, N, N).
        """
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dims)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        x = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask,
            dropout_p=self.attn_drop if self.training else 0.)
        x = x.transpose(1, 2).reshape(B, N, C)
        return self.proj_drop(self.proj(x))
