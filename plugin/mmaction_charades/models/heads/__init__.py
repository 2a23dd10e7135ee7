from .vtn_head import MultiLabelVTNHead, VTNHead  # noqa: F401
from .multilabel_head import (MultiLabelHeadMixin, MultiLabelI3DHead,
                              MultiLabelMViTHead, MultiLabelTimeSformerHead)

__all__ = [
    'MultiLabelHeadMixin', 'MultiLabelI3DHead', 'MultiLabelMViTHead',
    'MultiLabelTimeSformerHead'
]
