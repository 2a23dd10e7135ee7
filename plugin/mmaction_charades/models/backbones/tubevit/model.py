"""TubeViT: a ViT over sparse video tubes.

Piergiovanni, Kuo and Angelova, "Rethinking Video ViTs: Sparse Video Tubes
for Joint Image and Video Learning", CVPR 2023 (arXiv:2212.03229).
"""
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor, nn

from mmaction.registry import MODELS
from ...layers import (AttentionPool, TransformerBlock,
                       init_transformer_weights, sincos_embed_nd)
from ..vit_arch import parse_vit_arch
from .inflation import inflate_vit2d_state_dict

Triple = Tuple[int, int, int]


class Tube(NamedTuple):
    """One sparse tube: Conv3d kernel, stride and start offset, as (T, H, W)."""
    kernel_size: Triple
    stride: Triple
    offset: Triple


#: The paper's four tubes (Sec. 3.2 and its multi-tube setting): an 8x8x8
#: video tube, a long 16x4x4 tube, a wide 4x12x12 tube and the 1x16x16
#: image (spatial) tube with temporal stride 32.
DEFAULT_TUBES = (
    dict(kernel_size=(8, 8, 8), stride=(16, 32, 32), offset=(0, 0, 0)),
    dict(kernel_size=(16, 4, 4), stride=(6, 32, 32), offset=(4, 8, 8)),
    dict(kernel_size=(4, 12, 12), stride=(16, 32, 32), offset=(0, 16, 16)),
    dict(kernel_size=(1, 16, 16), stride=(32, 16, 16), offset=(0, 0, 0)),
)


def _triple(value: Union[int, Sequence[int]], name: str, minimum: int
            ) -> Triple:
    triple = (value, ) * 3 if isinstance(value, int) else tuple(value)
    if len(triple) != 3 or any(
            not isinstance(v, int) or v < minimum for v in triple):
        raise ValueError(f'TubeViT: tube {name} must be an int or 3 ints '
                         f'>= {minimum} as (T, H, W), got {value!r}.')
    return triple


def _parse_tube(cfg: dict) -> Tube:
    unknown = set(cfg) - set(Tube._fields)
    if unknown or 'kernel_size' not in cfg or 'stride' not in cfg:
        raise ValueError(f'TubeViT: a tube needs kernel_size, stride and '
                         f'optionally offset; got {cfg}.')
    return Tube(
        _triple(cfg['kernel_size'], 'kernel_size', 1),
        _triple(cfg['stride'], 'stride', 1),
        _triple(cfg.get('offset', 0), 'offset', 0))


def tube_grid(tube: Tube, size: Triple) -> Triple:
    """Kernel positions per axis, ``floor((size - offset - kernel) / stride)
    + 1``, or 0 where the kernel does not fit."""
    return tuple(
        (s - o - k) // st + 1 if s - o - k >= 0 else 0
        for s, o, k, st in zip(size, tube.offset, tube.kernel_size,
                               tube.stride))


def tube_centres(tube: Tube, size: Triple) -> Tensor:
    """Centres (N, 3) of a tube's tokens in input (t, h, w) pixel coordinates.

    Token ``i`` along an axis covers pixels ``offset + i * stride`` to
    ``offset + i * stride + kernel - 1``; its centre is
    ``offset + i * stride + (kernel - 1) / 2``. Rows follow Conv3d's
    flattened output order (t slowest, w fastest).
    """
    axes = [
        o + st * torch.arange(n, dtype=torch.float64) + (k - 1) / 2
        for n, o, st, k in zip(
            tube_grid(tube, size), tube.offset, tube.stride, tube.kernel_size)
    ]
    grid = torch.meshgrid(*axes, indexing='ij')
    return torch.stack([g.reshape(-1) for g in grid], dim=1)


@MODELS.register_module()
class TubeViT(BaseModule):
    """Sparse-tube ViT backbone for videos and images (one feature per clip).

    Each tube is a strided Conv3d that samples the clip sparsely; the tokens
    of all tubes get a fixed 3D sine-cosine embedding of their centre (one
    third of the channels per axis, tau = 10000), are concatenated, encoded
    by a pre-norm ViT and attention-pooled (no CLS token). At 32x224x224 the
    paper's four tubes give 539 tokens, against 3136 for ViViT's 2x16x16
    tubelets.

    Images ((B, C, H, W), or T = 1) are tokenised by the tubes whose kernel
    fits one frame, i.e. the 1x16x16 spatial tube, so the same weights serve
    images and videos. In general a tube whose kernel does not fit the input
    contributes no tokens.

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'``, ``'large'`` or a dict with
            ``embed_dims``, ``num_layers``, ``num_heads`` and optionally
            ``feedforward_channels`` (default ``4 * embed_dims``).
        num_frames: Frames T of the training clip (caches its embedding).
        img_size: Frame size, int or (H, W).
        tubes: Tube dicts with ``kernel_size``, ``stride`` and ``offset``
            (T, H, W). Defaults to :data:`DEFAULT_TUBES`.
        shared_kernel: The paper's ablation: learn one kernel of
            ``shared_kernel_size`` and trilinearly interpolate it to every
            tube's shape (each tube keeps its own bias).
        shared_kernel_size: Size of the shared kernel.
        in_channels: Input channels.
        qkv_bias: Whether the attention ``qkv`` has a bias.
        drop_rate: Dropout on the tokens and in the blocks.
        attn_drop_rate: Attention-weight dropout.
        drop_path_rate: Stochastic depth of the last block (linear ramp).
        pos_temperature: tau of the sine-cosine embedding.
        pretrained2d: Optional path of a 2D ViT checkpoint (timm or
            MMPretrain keys) inflated by :func:`inflate_vit2d_state_dict` in
            :meth:`init_weights`.
        init_cfg: MMEngine init config.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 num_frames: int = 32,
                 img_size: Union[int, Tuple[int, int]] = 224,
                 tubes: Optional[Sequence[dict]] = None,
                 shared_kernel: bool = False,
                 shared_kernel_size: Union[int, Sequence[int]] = 8,
                 in_channels: int = 3,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 pos_temperature: float = 10000.,
                 pretrained2d: Optional[str] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch = parse_vit_arch(arch, type(self).__name__)
        self.embed_dims = C = self.arch['embed_dims']
        self.tubes = [_parse_tube(t) for t in (tubes or DEFAULT_TUBES)]
        self.shared_kernel = shared_kernel
        self.in_channels = in_channels
        self.pos_temperature = pos_temperature
        self.pretrained2d = pretrained2d
        h, w = (img_size, img_size) if isinstance(img_size, int) else img_size
        self.video_size: Triple = (num_frames, h, w)

        if shared_kernel:
            size = _triple(shared_kernel_size, 'shared_kernel_size', 1)
            self.shared_weight = nn.Parameter(
                torch.zeros(C, in_channels, *size))
            self.tube_biases = nn.Parameter(torch.zeros(len(self.tubes), C))
        else:
            self.tube_embeds = nn.ModuleList(
                nn.Conv3d(in_channels, C, t.kernel_size, stride=t.stride)
                for t in self.tubes)
        if self.count_tokens(*self.video_size) == 0:
            raise ValueError(f'TubeViT: no tube fits a clip of size '
                             f'{self.video_size} (T, H, W).')
        self.register_buffer(
            'pos_embed', self.tube_pos_embed(self.video_size), persistent=False)

        self.drop_after_pos = nn.Dropout(drop_rate)
        dpr = torch.linspace(0, drop_path_rate, self.arch['num_layers'])
        self.blocks = nn.ModuleList(
            TransformerBlock(
                C, self.arch['num_heads'],
                self.arch['feedforward_channels'],
                qkv_bias=qkv_bias,
                drop_rate=drop_rate,
                attn_drop_rate=attn_drop_rate,
                drop_path_rate=float(rate)) for rate in dpr)
        self.norm = nn.LayerNorm(C, eps=1e-6)
        self.pool = AttentionPool(C, self.arch['num_heads'])

    def init_weights(self) -> None:
        """Initialise as a JAX ViT (:func:`init_transformer_weights`; pool
        query and shared kernel truncated normal, std 0.02), inflate
        ``pretrained2d`` over that if given, then run ``init_cfg``: a
        ``Pretrained`` checkpoint loads last, so neither overwrites it."""
        if not self.is_init:
            self.apply(init_transformer_weights)
            nn.init.trunc_normal_(self.pool.query, std=.02)
            if self.shared_kernel:
                nn.init.trunc_normal_(self.shared_weight, std=.02)
                nn.init.zeros_(self.tube_biases)
            if self.pretrained2d is not None:
                self._inflate_pretrained2d()
        super().init_weights()

    def _inflate_pretrained2d(self) -> None:
        """Load the 2D ViT of ``pretrained2d`` into the tubes and blocks."""
        ckpt = CheckpointLoader.load_checkpoint(
            self.pretrained2d, map_location='cpu')
        state = ckpt.get('state_dict', ckpt.get('model', ckpt))
        missing, _ = self.load_state_dict(
            inflate_vit2d_state_dict(state, self), strict=False)
        MMLogger.get_current_instance().info(
            f'TubeViT: inflated 2D ViT {self.pretrained2d}; not in it: '
            f'{missing}')

    def count_tokens(self, num_frames: int, height: int, width: int) -> int:
        """Sequence length for a (num_frames, height, width) input: the sum
        over tubes of the product of their per-axis kernel positions."""
        total = 0
        for tube in self.tubes:
            n_t, n_h, n_w = tube_grid(tube, (num_frames, height, width))
            total += n_t * n_h * n_w
        return total

    def tube_pos_embed(self, size: Triple) -> Tensor:
        """Fixed sine-cosine embedding (N, C) of all tokens of an input of
        ``size`` (T, H, W), tubes concatenated in order."""
        centres = torch.cat([tube_centres(t, size) for t in self.tubes])
        return sincos_embed_nd(centres, self.embed_dims, self.pos_temperature)

    def tube_kernel(self, index: int) -> Tuple[Tensor, Tensor]:
        """Weight (C, C_in, kT, kH, kW) and bias (C,) of tube ``index``; with
        ``shared_kernel`` the shared kernel trilinearly resized to its shape.
        """
        if not self.shared_kernel:
            conv = self.tube_embeds[index]
            return conv.weight, conv.bias
        size = self.tubes[index].kernel_size
        weight = self.shared_weight
        if tuple(weight.shape[2:]) != size:
            weight = F.interpolate(
                weight, size=size, mode='trilinear', align_corners=False)
        return weight, self.tube_biases[index]

    def tokenize(self, x: Tensor) -> Tensor:
        """(B, C_in, T, H, W) clip -> (B, N, C) tube tokens + position."""
        size = tuple(x.shape[2:])
        tokens = []
        for i, tube in enumerate(self.tubes):
            if 0 in tube_grid(tube, size):
                continue
            t0, h0, w0 = tube.offset
            weight, bias = self.tube_kernel(i)
            out = F.conv3d(x[:, :, t0:, h0:, w0:], weight, bias, tube.stride)
            tokens.append(out.flatten(2).transpose(1, 2))
        if not tokens:
            raise ValueError(f'TubeViT: no tube fits an input of size {size} '
                             f'(T, H, W); tubes: {self.tubes}.')
        pos = self.pos_embed if size == self.video_size else \
            self.tube_pos_embed(size).to(x.device)
        return torch.cat(tokens, dim=1) + pos.to(x.dtype)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, T, H, W) clips or (B, C_in, H, W) images -> (B, C)."""
        if x.dim() == 4:
            x = x.unsqueeze(2)
        if x.dim() != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f'TubeViT: expected (B, {self.in_channels}, T, '
                             f'H, W) or (B, {self.in_channels}, H, W) input, '
                             f'got {tuple(x.shape)}.')
        x = self.drop_after_pos(self.tokenize(x))
        for block in self.blocks:
            x = block(x)
        return self.pool(self.norm(x))
