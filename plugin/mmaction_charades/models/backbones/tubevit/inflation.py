"""Initialise a TubeViT from a 2D ViT checkpoint (timm or MMPretrain keys).

As in TubeViT (Sec. 3.5) and I3D's inflation, the 2D patch kernel becomes
every tube kernel: resized spatially when the tube's (kH, kW) differs from
the patch size, then repeated over the tube's kT frames and divided by kT,
so a clip that is constant in time gets the 2D patch response. The encoder
blocks and final norm are copied; ``cls_token`` and the learned
``pos_embed`` are dropped (TubeViT uses attention pooling and fixed
sine-cosine positions).
"""
import re
from typing import TYPE_CHECKING, Dict, Mapping, Tuple

import torch.nn.functional as F
from torch import Tensor

if TYPE_CHECKING:
    from .model import TubeViT

#: (pattern, replacement) from MMPretrain VisionTransformer keys to the
#: timm-style names used by our blocks.
_MMPRETRAIN_TO_TIMM = (
    (r'^patch_embed\.projection\.', 'patch_embed.proj.'),
    (r'^layers\.(\d+)\.ln1\.', r'blocks.\1.norm1.'),
    (r'^layers\.(\d+)\.ln2\.', r'blocks.\1.norm2.'),
    (r'^layers\.(\d+)\.attn\.', r'blocks.\1.attn.'),
    (r'^layers\.(\d+)\.ffn\.layers\.0\.0\.', r'blocks.\1.mlp.fc1.'),
    (r'^layers\.(\d+)\.ffn\.layers\.1\.', r'blocks.\1.mlp.fc2.'),
    (r'^ln1\.', 'norm.'),
)
_PREFIXES = ('module.', 'backbone.')


def to_timm_vit_keys(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Normalise a ViT state dict to timm key names.

    Accepts timm keys (``patch_embed.proj``, ``blocks.N.norm1`` ...) and
    MMPretrain keys (``patch_embed.projection``, ``layers.N.ln1`` ...), with
    an optional ``module.`` / ``backbone.`` prefix.
    """
    out = {}
    for key, value in state_dict.items():
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        for pattern, repl in _MMPRETRAIN_TO_TIMM:
            key = re.sub(pattern, repl, key)
        out[key] = value
    if 'patch_embed.proj.weight' not in out:
        raise KeyError('to_timm_vit_keys: no patch embedding found; expected '
                       "timm 'patch_embed.proj.weight' or MMPretrain "
                       "'patch_embed.projection.weight'.")
    return out


def inflate_patch_kernel(weight: Tensor, kernel_size: Tuple[int, int, int]
                         ) -> Tensor:
    """Inflate a 2D patch kernel (C, C_in, p, q) to (C, C_in, kT, kH, kW).

    A spatial resize (area averaging when shrinking, bilinear when growing)
    is rescaled by ``p q / (kH kW)`` so the kernel's sum, i.e. its response
    to a constant image, is kept (exactly for integer shrink factors); the
    time axis repeats the kernel kT times divided by kT.
    """
    k_t, k_h, k_w = kernel_size
    p, q = weight.shape[2:]
    if (k_h, k_w) != (p, q):
        mode = 'area' if k_h <= p and k_w <= q else 'bilinear'
        weight = F.interpolate(
            weight.float(), size=(k_h, k_w), mode=mode,
            align_corners=None if mode == 'area' else False) * (
                p * q / (k_h * k_w))
    return weight.unsqueeze(2).expand(-1, -1, k_t, -1, -1) / k_t


def inflate_vit2d_state_dict(state_dict: Mapping[str, Tensor],
                             model: 'TubeViT') -> Dict[str, Tensor]:
    """Map a 2D ViT state dict onto ``model``'s parameter names.

    Args:
        state_dict: timm or MMPretrain ViT weights of the same width.
        model: The TubeViT to initialise (gives tube shapes and depth).

    Returns:
        dict: TubeViT state-dict entries, for
        ``model.load_state_dict(..., strict=False)``; the attention pool is
        not in a 2D ViT and keeps its initialisation.
    """
    src = to_timm_vit_keys(state_dict)
    patch_w, patch_b = src['patch_embed.proj.weight'], \
        src.get('patch_embed.proj.bias')
    if patch_w.shape[0] != model.embed_dims:
        raise ValueError(f'inflate_vit2d_state_dict: checkpoint width '
                         f'{patch_w.shape[0]} != TubeViT embed_dims '
                         f'{model.embed_dims}.')
    out = {}
    if model.shared_kernel:
        size = tuple(model.shared_weight.shape[2:])
        out['shared_weight'] = inflate_patch_kernel(patch_w, size)
        if patch_b is not None:
            out['tube_biases'] = patch_b.expand(len(model.tubes), -1).clone()
    else:
        for i, tube in enumerate(model.tubes):
            out[f'tube_embeds.{i}.weight'] = inflate_patch_kernel(
                patch_w, tube.kernel_size).contiguous()
            if patch_b is not None:
                out[f'tube_embeds.{i}.bias'] = patch_b.clone()
    targets = model.state_dict()
    for key, value in src.items():
        if re.match(r'^(blocks\.\d+\.|norm\.)', key):
            if key not in targets:
                raise KeyError(f'inflate_vit2d_state_dict: {key!r} has no '
                               f'counterpart in TubeViT (depth '
                               f'{len(model.blocks)}).')
            if targets[key].shape != value.shape:
                raise ValueError(f'inflate_vit2d_state_dict: {key!r} has '
                                 f'shape {tuple(value.shape)}, TubeViT '
                                 f'expects {tuple(targets[key].shape)}.')
            out[key] = value
    return out
