from . import backbones, heads, layers, losses, ops, recognizers  # noqa: F401
