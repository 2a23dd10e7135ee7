from ...utils.deprecation import deprecated_getattr
from . import multilabel_head, vtn_head
from .multilabel_head import (BCE_FIELD, MultilabelHeadMixin,
                              MultilabelI3DHead, MultilabelMViTHead,
                              MultilabelTimeSformerHead)
from .vtn_head import MultilabelVTNHead, VTNHead

__all__ = [
    'BCE_FIELD', 'MultilabelHeadMixin', 'MultilabelI3DHead',
    'MultilabelMViTHead', 'MultilabelTimeSformerHead', 'MultilabelVTNHead',
    'VTNHead'
]

__getattr__ = deprecated_getattr(
    __name__, {
        **multilabel_head.DEPRECATED_NAMES,
        **vtn_head.DEPRECATED_NAMES
    })
