"""Pre-norm transformer encoder block shared by the video transformers."""
from functools import partial
from typing import Callable, Optional, Type

from mmcv.cnn.bricks import DropPath
from torch import Tensor, nn

from .attention import Attention
from .mlp import Mlp


class TransformerBlock(nn.Module):
    """``x + DropPath(Attn(LN(x)))`` then ``x + DropPath(MLP(LN(x)))``.

    Module names (``norm1``, ``attn``, ``norm2``, ``mlp``) follow timm's ViT
    ``Block``, so 2D ViT checkpoints map onto it key for key.

    Args:
        dim: Token channels C.
        num_heads: Attention heads.
        feedforward_channels: MLP hidden channels. Defaults to ``4 * dim``.
        qkv_bias: Whether the ``qkv`` projection has a bias.
        drop_rate: Dropout after the attention and MLP projections.
        attn_drop_rate: Dropout on the attention weights.
        drop_path_rate: Stochastic-depth rate of both residual branches.
        act_layer: MLP activation class.
        norm_layer: Normalisation factory, called with ``dim``.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 feedforward_channels: Optional[int] = None,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 act_layer: Type[nn.Module] = nn.GELU,
                 norm_layer: Callable[[int], nn.Module] = partial(
                     nn.LayerNorm, eps=1e-6)) -> None:
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = Attention(dim, num_heads, qkv_bias=qkv_bias,
                              attn_drop=attn_drop_rate, proj_drop=drop_rate)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 \
            else nn.Identity()
        self.norm2 = norm_layer(dim)
        self.mlp = Mlp(dim, feedforward_channels, act_layer=act_layer,
                       drop=drop_rate)

    def forward(self, x: Tensor) -> Tensor:
        """(B, N, C) -> (B, N, C)."""
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


def init_transformer_weights(module: nn.Module) -> None:
    """ViT initialisation for ``Module.apply``: Xavier-uniform linear weights
    (the JAX ViT convention of big_vision and Scenic, where TubeViT and ViViT
    come from), truncated normal (std 0.02) convolution weights, zero biases,
    unit LayerNorms.

    Xavier keeps the gain of a linear layer about 1 at any width, where std
    0.02 gives ``0.02 * sqrt(dim)``: 0.55 at ViT-B's 768 channels but 0.2 at
    96, so the residual branches of a narrow model start near zero and the
    attention pool's ``kv`` -> ``proj`` chain scales its output by about 0.04
    (benchmarks/RESULTS.md, "One-batch fit probe").
    """
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.Conv3d)):
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
        else:
            nn.init.trunc_normal_(module.weight, std=.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)
