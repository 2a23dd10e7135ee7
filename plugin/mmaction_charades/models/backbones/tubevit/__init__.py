"""TubeViT (sparse video tubes) and its 2D ViT inflation."""
from .inflation import (inflate_patch_kernel, inflate_vit2d_state_dict,
                        to_timm_vit_keys)
from .model import TubeViT

__all__ = [
    'TubeViT', 'inflate_patch_kernel', 'inflate_vit2d_state_dict',
    'to_timm_vit_keys'
]
