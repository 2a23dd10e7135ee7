"""ViViT: tubelet-embedding video transformers.

Arnab, Dehghani, Heigold, Sun, Lucic and Schmid, "ViViT: A Video Vision
Transformer", ICCV 2021 (arXiv:2103.15691). Models 1 (joint space-time
attention), 2 (factorised encoder) and 3 (factorised self-attention).
"""
from functools import partial
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmaction.registry import MODELS
from ..layers import (Attention, Mlp, TransformerBlock,
                      init_transformer_weights)
from .vit_arch import parse_vit_arch

_LayerNorm = partial(nn.LayerNorm, eps=1e-6)


class FactorisedSelfAttentionBlock(nn.Module):
    """ViViT model 3 block: spatial attention within each time index, then
    temporal attention at each spatial location, then the MLP, each as a
    pre-norm residual branch.

    Args:
        dim: Token channels C.
        num_heads: Heads of both attentions.
        feedforward_channels: MLP hidden channels.
        qkv_bias, drop_rate, attn_drop_rate, drop_path_rate: As in
            :class:`~mmaction_charades.models.layers.TransformerBlock`.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 feedforward_channels: Optional[int] = None,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.) -> None:
        super().__init__()
        attn = partial(Attention, dim, num_heads, qkv_bias=qkv_bias,
                       attn_drop=attn_drop_rate, proj_drop=drop_rate)
        self.norm_spatial, self.attn_spatial = _LayerNorm(dim), attn()
        self.norm_temporal, self.attn_temporal = _LayerNorm(dim), attn()
        self.norm_mlp = _LayerNorm(dim)
        self.mlp = Mlp(dim, feedforward_channels, drop=drop_rate)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 \
            else nn.Identity()

    def forward(self, x: Tensor, num_times: int) -> Tensor:
        """(B, nt * S, C) tokens, time-major -> same shape."""
        B, N, C = x.shape
        S = N // num_times
        x = x.reshape(B * num_times, S, C)
        x = x + self.drop_path(self.attn_spatial(self.norm_spatial(x)))
        x = x.reshape(B, num_times, S, C).transpose(1, 2)
        x = x.reshape(B * S, num_times, C)
        x = x + self.drop_path(self.attn_temporal(self.norm_temporal(x)))
        x = x.reshape(B, S, num_times, C).transpose(1, 2).reshape(B, N, C)
        return x + self.drop_path(self.mlp(self.norm_mlp(x)))


@MODELS.register_module()
class ViViT(BaseModule):
    """ViViT backbone with tubelet embedding (one feature per clip).

    Variants (``variant``):

    * ``'joint'`` (model 1): a CLS token and all nt x nh x nw tubelet tokens
      with learned positions go through one encoder; output the CLS token.
    * ``'factorised_encoder'`` (model 2): each time index's nh x nw tokens,
      with a shared spatial CLS token and spatial positions, go through the
      spatial encoder separately; the nt spatial CLS outputs, with a temporal
      CLS token and temporal positions, go through a temporal encoder of
      ``arch['num_temporal_layers']`` layers (default 4, as ViViT-B FE);
      output the temporal CLS token.
    * ``'factorised_self_attention'`` (model 3): every block attends within
      a time index, then across time at a spatial location; no CLS token (as
      in the paper), output the mean of the tokens.

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'``, ``'large'`` or a dict with
            MMPretrain's keys (and ``num_temporal_layers`` for model 2).
        num_frames: Frames T of the input clip.
        img_size: Frame size, int or (H, W).
        tubelet_size: Tubelet (t, h, w); the input must be a multiple of it.
        variant: One of :attr:`VARIANTS`.
        in_channels: Input channels.
        qkv_bias, drop_rate, attn_drop_rate, drop_path_rate: Encoder
            regularisation; stochastic depth ramps linearly over all blocks.
        init_cfg: MMEngine init config.
    """

    VARIANTS = ('joint', 'factorised_encoder', 'factorised_self_attention')

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 num_frames: int = 32,
                 img_size: Union[int, Tuple[int, int]] = 224,
                 tubelet_size: Sequence[int] = (2, 16, 16),
                 variant: str = 'factorised_encoder',
                 in_channels: int = 3,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if variant not in self.VARIANTS:
            raise ValueError(f'ViViT: variant must be one of {self.VARIANTS}, '
                             f'got {variant!r}.')
        self.variant = variant
        self.arch = parse_vit_arch(arch, type(self).__name__)
        self.embed_dims = C = self.arch['embed_dims']
        self.in_channels = in_channels
        h, w = (img_size, img_size) if isinstance(img_size, int) else img_size
        self.input_size = (num_frames, h, w)
        self.tubelet_size = tuple(tubelet_size)
        if any(s % k for s, k in zip(self.input_size, self.tubelet_size)):
            raise ValueError(f'ViViT: input (T, H, W) = {self.input_size} must '
                             f'be a multiple of tubelet_size '
                             f'{self.tubelet_size}.')
        self.grid = tuple(
            s // k for s, k in zip(self.input_size, self.tubelet_size))
        nt, nh, nw = self.grid
        self.tubelet_embed = nn.Conv3d(
            in_channels, C, self.tubelet_size, stride=self.tubelet_size)

        num_layers = self.arch['num_layers']
        num_temporal = self.arch.get('num_temporal_layers', 4) \
            if variant == 'factorised_encoder' else 0
        dpr = [float(r) for r in
               torch.linspace(0, drop_path_rate, num_layers + num_temporal)]
        block_cfg = dict(
            dim=C,
            num_heads=self.arch['num_heads'],
            feedforward_channels=self.arch['feedforward_channels'],
            qkv_bias=qkv_bias,
            drop_rate=drop_rate,
            attn_drop_rate=attn_drop_rate)
        block_type = FactorisedSelfAttentionBlock \
            if variant == 'factorised_self_attention' else TransformerBlock
        self.blocks = nn.ModuleList(
            block_type(**block_cfg, drop_path_rate=dpr[i])
            for i in range(num_layers))
        self.drop_after_pos = nn.Dropout(drop_rate)
        self.norm = _LayerNorm(C)
        if variant == 'joint':
            self.cls_token = nn.Parameter(torch.zeros(1, 1, C))
            self.pos_embed = nn.Parameter(torch.zeros(1, 1 + nt * nh * nw, C))
        elif variant == 'factorised_encoder':
            self.cls_token = nn.Parameter(torch.zeros(1, 1, C))
            self.pos_embed = nn.Parameter(torch.zeros(1, 1 + nh * nw, C))
            self.spatial_norm = _LayerNorm(C)
            self.temporal_cls_token = nn.Parameter(torch.zeros(1, 1, C))
            self.temporal_pos_embed = nn.Parameter(torch.zeros(1, 1 + nt, C))
            self.temporal_blocks = nn.ModuleList(
                TransformerBlock(**block_cfg, drop_path_rate=dpr[i])
                for i in range(num_layers, num_layers + num_temporal))
        else:
            self.pos_embed = nn.Parameter(torch.zeros(1, nt * nh * nw, C))

    def init_weights(self) -> None:
        """Initialise as a JAX ViT (:func:`init_transformer_weights`; CLS
        tokens and position embeddings truncated normal, std 0.02), then run
        ``init_cfg``, whose ``Pretrained`` checkpoint loads last."""
        if not self.is_init:
            self.apply(init_transformer_weights)
            for name, param in self.named_parameters():
                if name.endswith(('cls_token', 'pos_embed')):
                    nn.init.trunc_normal_(param, std=.02)
        super().init_weights()

    def count_tokens(self) -> int:
        """Tubelet tokens nt * nh * nw (CLS tokens not counted)."""
        nt, nh, nw = self.grid
        return nt * nh * nw

    def embed(self, x: Tensor) -> Tensor:
        """(B, C_in, T, H, W) -> tubelet tokens (B, nt, nh * nw, C)."""
        if x.dim() != 5 or x.shape[1] != self.in_channels or \
                tuple(x.shape[2:]) != self.input_size:
            raise ValueError(f'ViViT: expected input (B, {self.in_channels}, '
                             f'{", ".join(map(str, self.input_size))}), got '
                             f'{tuple(x.shape)}.')
        x = self.tubelet_embed(x)  # (B, C, nt, nh, nw)
        return x.flatten(3).permute(0, 2, 3, 1)

    def spatial_features(self, x: Tensor) -> Tensor:
        """Model 2's spatial encoder: (B, C_in, T, H, W) -> per-time-index
        CLS features (B, nt, C); time indices never interact here."""
        tokens = self.embed(x)
        B, nt, S, C = tokens.shape
        tokens = tokens.reshape(B * nt, S, C)
        tokens = torch.cat(
            [self.cls_token.expand(B * nt, -1, -1), tokens], dim=1)
        tokens = self.drop_after_pos(tokens + self.pos_embed)
        for block in self.blocks:
            tokens = block(tokens)
        return self.spatial_norm(tokens[:, 0]).reshape(B, nt, C)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, T, H, W) clips -> (B, C)."""
        if self.variant == 'factorised_encoder':
            frames = self.spatial_features(x)
            B = frames.shape[0]
            x = torch.cat(
                [self.temporal_cls_token.expand(B, -1, -1), frames], dim=1)
            x = self.drop_after_pos(x + self.temporal_pos_embed)
            for block in self.temporal_blocks:
                x = block(x)
            return self.norm(x)[:, 0]
        tokens = self.embed(x)
        B, nt, S, C = tokens.shape
        x = tokens.reshape(B, nt * S, C)
        if self.variant == 'joint':
            x = torch.cat([self.cls_token.expand(B, -1, -1), x], dim=1)
            x = self.drop_after_pos(x + self.pos_embed)
            for block in self.blocks:
                x = block(x)
            return self.norm(x)[:, 0]
        x = self.drop_after_pos(x + self.pos_embed)
        for block in self.blocks:
            x = block(x, nt)
        return self.norm(x).mean(dim=1)
