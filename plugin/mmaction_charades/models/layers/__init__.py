from .attention import Attention
from .attention_pool import AttentionPool
from .mlp import Mlp
from .pos_embed import sincos_embed_1d, sincos_embed_nd
from .transformer_block import TransformerBlock, init_transformer_weights

__all__ = [
    'Attention', 'AttentionPool', 'Mlp', 'TransformerBlock',
    'init_transformer_weights', 'sincos_embed_1d', 'sincos_embed_nd'
]
