"""Per-image ViT (Dosovitskiy et al., 2021) used as a 2D frame encoder."""
from typing import Optional, Union

import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor, nn

from mmaction.registry import MODELS
from ..layers import TransformerBlock, init_transformer_weights
from .vit_arch import parse_vit_arch


class PatchEmbed2D(nn.Module):
    """Non-overlapping ``patch_size`` patches to tokens, (N, 3, H, W) ->
    (N, H/p * W/p, C). The conv is ``proj`` as in timm."""

    def __init__(self, patch_size: int, in_channels: int,
                 embed_dims: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dims, patch_size,
                              stride=patch_size)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


@MODELS.register_module()
class ViT2D(BaseModule):
    """Image ViT returning the final-norm CLS token of each frame.

    Parameter names follow timm's ``VisionTransformer`` (``patch_embed.proj``,
    ``cls_token``, ``pos_embed``, ``blocks.i``, ``norm``), so an ImageNet
    ViT-B/16 checkpoint loads through
    ``init_cfg=dict(type='Pretrained', checkpoint=URL)``; its ``head`` keys
    are ignored.

    Args:
        arch: ``'tiny'``/``'small'``/``'base'``/``'large'`` or a dict with
            ``embed_dims``, ``num_layers``, ``num_heads``.
        img_size: Square input side the position table is built for.
        patch_size: Patch side (16 for ViT-B/16).
        in_channels: Image channels.
        drop_path_rate: Stochastic depth, linearly increasing over blocks.
        init_cfg: MMEngine init config (pretrained checkpoint).

    Shapes: (N, 3, img_size, img_size) -> (N, embed_dims).
    """

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: int = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 drop_path_rate: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        arch = parse_vit_arch(arch, type(self).__name__)
        self.embed_dims = arch['embed_dims']
        if img_size % patch_size:
            raise ValueError(f'ViT2D: img_size={img_size} is not a multiple '
                             f'of patch_size={patch_size}.')
        num_patches = (img_size // patch_size)**2
        self.patch_embed = PatchEmbed2D(patch_size, in_channels,
                                        self.embed_dims)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.pos_embed = nn.Parameter(
            torch.zeros(1, num_patches + 1, self.embed_dims))
        rates = torch.linspace(0, drop_path_rate, arch['num_layers']).tolist()
        self.blocks = nn.ModuleList(
            TransformerBlock(self.embed_dims, arch['num_heads'],
                             arch['feedforward_channels'],
                             drop_path_rate=rate) for rate in rates)
        self.norm = nn.LayerNorm(self.embed_dims, eps=1e-6)

    def init_weights(self) -> None:
        """Initialise as a JAX ViT (:func:`init_transformer_weights`; CLS
        token and position embedding truncated normal, std 0.02), then run
        ``init_cfg``, whose ``Pretrained`` checkpoint loads last."""
        if not self.is_init:
            self.apply(init_transformer_weights)
            trunc_normal_(self.pos_embed, std=.02)
            trunc_normal_(self.cls_token, std=.02)
        super().init_weights()

    def forward(self, x: Tensor) -> Tensor:
        """(N, 3, H, W) -> (N, embed_dims)."""
        x = self.patch_embed(x)
        if x.shape[1] + 1 != self.pos_embed.shape[1]:
            raise ValueError(
                f'ViT2D: {x.shape[1]} patches for a position table of '
                f'{self.pos_embed.shape[1] - 1}; resize frames to the '
                'img_size the model was built with.')
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.norm(x[:, 0])
