"""MMPretrain-style ``arch`` presets shared by the video ViT backbones."""
from typing import Dict, Union

#: Widths/depths of ViT-Ti/S/B/L (Dosovitskiy et al.; DeiT for tiny/small).
VIT_ARCH_ZOO: Dict[str, Dict[str, int]] = {
    'tiny': dict(embed_dims=192, num_layers=12, num_heads=3,
                 feedforward_channels=768),
    'small': dict(embed_dims=384, num_layers=12, num_heads=6,
                  feedforward_channels=1536),
    'base': dict(embed_dims=768, num_layers=12, num_heads=12,
                 feedforward_channels=3072),
    'large': dict(embed_dims=1024, num_layers=24, num_heads=16,
                  feedforward_channels=4096),
}


def parse_vit_arch(arch: Union[str, dict], owner: str) -> Dict[str, int]:
    """Resolve ``arch`` to a dict with ``embed_dims``, ``num_layers``,
    ``num_heads`` and ``feedforward_channels`` (default ``4 * embed_dims``).

    Extra keys of a dict ``arch`` are kept (e.g. ``num_temporal_layers``).

    Args:
        arch: A preset name (``tiny``, ``small``, ``base``, ``large``) or a
            dict with MMPretrain's keys.
        owner: Class name used in error messages.
    """
    if isinstance(arch, str):
        if arch not in VIT_ARCH_ZOO:
            raise ValueError(f'{owner}: unknown arch {arch!r}; expected one '
                             f'of {sorted(VIT_ARCH_ZOO)} or a dict.')
        return dict(VIT_ARCH_ZOO[arch])
    missing = {'embed_dims', 'num_layers', 'num_heads'} - set(arch)
    if missing:
        raise ValueError(f'{owner}: arch dict {arch} lacks keys '
                         f'{sorted(missing)}.')
    arch = dict(arch)
    arch.setdefault('feedforward_channels', 4 * arch['embed_dims'])
    if arch['embed_dims'] % arch['num_heads'] != 0:
        raise ValueError(f'{owner}: embed_dims={arch["embed_dims"]} must be '
                         f'divisible by num_heads={arch["num_heads"]}.')
    return arch
