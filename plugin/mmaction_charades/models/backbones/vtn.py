"""Video Transformer Network backbone (Neimark et al., ICCVW 2021).

VTN = a 2D spatial backbone applied to every frame, learned temporal
position embeddings plus a CLS token, and a Longformer temporal encoder in
which the CLS token has global attention (paper Sec. 3, Fig. 1). Paper
defaults: 3 Longformer layers, 12 heads, hidden 768, attention window 18,
position embeddings for up to 288 frames.
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor, nn

from mmaction.registry import MODELS
from ..layers import Mlp, init_transformer_weights
from ..ops import sliding_window_attention

#: A ``frame_backbone`` type with this prefix names a timm model, as in
#: MMAction2's recognizers (``backbone=dict(type='timm.<name>', ...)``).
TIMM_PREFIX = 'timm.'


def build_frame_backbone(cfg: dict) -> nn.Module:
    """Build VTN's 2D frame encoder from a config.

    ``type='timm.<name>'`` builds ``timm.create_model(<name>, **rest)`` with
    ``num_classes=0`` unless given, so the model returns pooled features
    (N, num_features), and is marked initialised so that MMEngine's
    ``init_weights`` leaves it as built; any other type is built from
    MMAction2's registry (its ``ResNet``, :class:`ViT2D`, ``mmpretrain.``
    models).
    """
    cfg = dict(cfg)
    model_type = cfg.get('type')
    if not (isinstance(model_type, str)
            and model_type.startswith(TIMM_PREFIX)):
        return MODELS.build(cfg)
    try:
        import timm
    except Exception as exc:  # a torchvision built for another torch
        # fails with RuntimeError, not ImportError
        raise ImportError(
            f'VTN: frame_backbone {model_type!r} needs timm '
            f'(pip install timm), which failed to import: {exc!r}') from exc
    cfg.pop('type')
    if 'init_cfg' in cfg:
        raise ValueError(
            f'VTN: frame_backbone {model_type!r} takes no init_cfg; load '
            "weights with timm's pretrained=True / pretrained_cfg_overlay="
            "dict(file=PATH), or a Pretrained init_cfg on the VTN.")
    cfg.setdefault('num_classes', 0)
    model = timm.create_model(model_type[len(TIMM_PREFIX):], **cfg)
    # timm initialises (and loads pretrained=True weights) in create_model;
    # MMEngine's init_weights would otherwise call timm's own init_weights
    # on it again and wipe them.
    model.is_init = True
    return model


class SlidingWindowSelfAttention(nn.Module):
    """Multi-head Longformer self-attention (one set of q/k/v projections
    shared by local and global tokens).

    Args:
        dim: Token channels C.
        num_heads: Heads; must divide ``dim``.
        window: Total attention window (even), ``window / 2`` on each side.
        drop: Dropout after the output projection.
    """

    def __init__(self, dim: int, num_heads: int, window: int,
                 drop: float = 0.) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'SlidingWindowSelfAttention: dim={dim} must be '
                             f'divisible by num_heads={num_heads}.')
        self.num_heads = num_heads
        self.window = window
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(drop)

    def forward(self, x: Tensor, global_mask: Tensor,
                key_padding_mask: Optional[Tensor]) -> Tensor:
        """(B, N, C) -> (B, N, C); masks are (B, N) bool."""
        B, N, C = x.shape
        q, k, v = self.qkv(x).view(B, N, 3, self.num_heads, -1).permute(
            2, 0, 3, 1, 4)
        x = sliding_window_attention(q, k, v, self.window, global_mask,
                                     key_padding_mask)
        return self.proj_drop(self.proj(x.transpose(1, 2).reshape(B, N, C)))


class LongformerLayer(nn.Module):
    """Post-norm encoder layer as in BERT/Longformer:
    ``x = LN(x + Attn(x))`` then ``x = LN(x + MLP(x))``.

    Args:
        dim: Token channels C.
        num_heads: Attention heads.
        window: Attention window.
        feedforward_channels: MLP hidden channels.
        drop: Dropout on both residual branches.
    """

    def __init__(self, dim: int, num_heads: int, window: int,
                 feedforward_channels: int, drop: float = 0.1) -> None:
        super().__init__()
        self.attn = SlidingWindowSelfAttention(dim, num_heads, window, drop)
        self.norm1 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, feedforward_channels, drop=drop)
        self.norm2 = nn.LayerNorm(dim)

    def forward(self, x: Tensor, global_mask: Tensor,
                key_padding_mask: Optional[Tensor]) -> Tensor:
        """(B, N, C) -> (B, N, C)."""
        x = self.norm1(x + self.attn(x, global_mask, key_padding_mask))
        return self.norm2(x + self.mlp(x))


@MODELS.register_module()
class VTN(BaseModule):
    """Per-frame 2D backbone + Longformer temporal encoder; returns the CLS
    output.

    Args:
        frame_backbone: Config of a 2D backbone mapping (N, 3, H, W) to
            (N, C_f) or to feature maps (N, C_f, h, w) (averaged over h, w),
            e.g. MMAction2's ``ResNet`` (C_f = 2048 for depth 50),
            :class:`ViT2D` (C_f = 768 for ViT-B/16) or any timm model by
            name, ``dict(type='timm.vit_base_patch16_224',
            pretrained=False)`` (:func:`build_frame_backbone`).
        frame_channels: C_f (a timm model's ``head_hidden_size``, else its
            ``num_features``). A linear layer maps it to ``embed_dims`` when
            they differ.
        embed_dims: Hidden size of the temporal encoder (paper: 768).
        num_layers: Longformer layers (paper: 3).
        num_heads: Attention heads (paper: 12).
        attention_window: Total window (paper: 18).
        feedforward_channels: MLP hidden size. Defaults to ``4 * embed_dims``.
        max_frames: Longest sequence of frames (paper: 288); position
            embeddings exist for these positions (the CLS token has its own).
        drop_rate: Dropout in the encoder.
        init_cfg: MMEngine init config.

    Shapes: inputs (B, 3, T, H, W) and an optional ``frame_mask`` (B, T)
    bool, True on real frames -> (B, embed_dims).
    """

    def __init__(self,
                 frame_backbone: dict,
                 frame_channels: int,
                 embed_dims: int = 768,
                 num_layers: int = 3,
                 num_heads: int = 12,
                 attention_window: int = 18,
                 feedforward_channels: Optional[int] = None,
                 max_frames: int = 288,
                 drop_rate: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.frame_backbone = build_frame_backbone(frame_backbone)
        # timm: the pooled output width is head_hidden_size where the head
        # has its own hidden layer (MobileNetV3: 1280 vs num_features 960).
        width = getattr(self.frame_backbone, 'head_hidden_size', None) or \
            getattr(self.frame_backbone, 'num_features', None)
        if isinstance(width, int) and width != frame_channels:
            raise ValueError(
                f'VTN: frame_channels={frame_channels} but the frame '
                f'backbone {frame_backbone.get("type")!r} returns '
                f'{width} features; set frame_channels={width}.')
        self.frame_proj = (nn.Identity() if frame_channels == embed_dims else
                           nn.Linear(frame_channels, embed_dims))
        self.max_frames = max_frames
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, max_frames + 1,
                                                  embed_dims))
        self.drop = nn.Dropout(drop_rate)
        feedforward_channels = feedforward_channels or 4 * embed_dims
        self.layers = nn.ModuleList(
            LongformerLayer(embed_dims, num_heads, attention_window,
                            feedforward_channels, drop_rate)
            for _ in range(num_layers))

    def init_weights(self) -> None:
        """Initialise the temporal encoder and ``frame_proj`` as a JAX ViT
        (:func:`init_transformer_weights`; CLS token and position embedding
        truncated normal, std 0.02), then run ``init_cfg`` (the frame
        backbone initialises itself; a ``Pretrained`` checkpoint loads
        last, so nothing it holds is overwritten)."""
        if not self.is_init:
            self.layers.apply(init_transformer_weights)
            self.frame_proj.apply(init_transformer_weights)
            trunc_normal_(self.cls_token, std=.02)
            trunc_normal_(self.pos_embed, std=.02)
        super().init_weights()

    def embed_frames(self, x: Tensor, frame_mask: Optional[Tensor]) -> Tensor:
        """(B, 3, T, H, W) -> per-frame features (B, T, embed_dims), zeros on
        padding frames (which never reach the 2D backbone, so its batch
        statistics see real frames only)."""
        B, C, T, H, W = x.shape
        frames = x.transpose(1, 2)
        if frame_mask is None:
            frame_mask = x.new_ones(B, T, dtype=torch.bool)
        feats = self.frame_backbone(frames[frame_mask])
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        if feats.dim() == 4:
            feats = feats.mean((2, 3))
        elif feats.dim() != 2:
            raise ValueError(
                f'VTN: the frame backbone returned shape {tuple(feats.shape)}'
                '; it must give (N, C) or (N, C, h, w) per frame (timm: keep '
                "a global_pool such as 'avg' or 'token').")
        feats = self.frame_proj(feats)
        return feats.new_zeros(B, T, feats.shape[-1]).masked_scatter(
            frame_mask[..., None], feats)

    def forward(self, x: Tensor,
                frame_mask: Optional[Tensor] = None) -> Tensor:
        """(B, 3, T, H, W), (B, T) bool -> CLS features (B, embed_dims)."""
        B, _, T = x.shape[:3]
        if T > self.max_frames:
            raise ValueError(
                f'VTN: {T} frames exceed max_frames={self.max_frames} '
                'position embeddings; sample fewer frames (e.g. '
                f'WholeVideoSampler(max_frames={self.max_frames})).')
        tokens = torch.cat(
            [self.cls_token.expand(B, -1, -1),
         self.embed_frames(x, frame_mask)], dim=1)
        tokens = self.drop(tokens + self.pos_embed[:, :T + 1])
        global_mask = torch.zeros(B, T + 1, dtype=torch.bool,
                                  device=x.device)
        global_mask[:, 0] = True
        padding = None
        if frame_mask is not None:
            padding = torch.nn.functional.pad(~frame_mask, (1, 0))
        for layer in self.layers:
            tokens = layer(tokens, global_mask, padding)
        return tokens[:, 0]
