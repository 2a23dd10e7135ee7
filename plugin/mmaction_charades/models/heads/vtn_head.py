"""Classification MLP head of the Video Transformer Network."""
from typing import Optional

from torch import Tensor, nn

from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import ConfigType
from ...utils.deprecation import deprecated_getattr, registered_alias
from .multilabel_head import MultilabelHeadMixin


@MODELS.register_module()
class VTNHead(BaseHead):
    """VTN's MLP on the CLS output (Neimark et al., ICCVW 2021, Sec. 3):
    ``LayerNorm -> Linear -> GELU -> Dropout -> Linear``, giving logits.

    Args:
        num_classes: Number of classes.
        in_channels: Channels of the CLS feature.
        hidden_channels: Width of the hidden layer. Defaults to
            ``in_channels``.
        dropout_ratio: Dropout before the last linear layer (paper: 0.5).
        loss_cls: Loss config.
        **kwargs: Other :class:`BaseHead` arguments.

    Shapes: (B, in_channels) -> (B, num_classes).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 hidden_channels: Optional[int] = None,
                 dropout_ratio: float = 0.5,
                 loss_cls: ConfigType = dict(type='CrossEntropyLoss'),
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls,
                         **kwargs)
        hidden_channels = hidden_channels or in_channels
        self.mlp = nn.Sequential(
            nn.LayerNorm(in_channels), nn.Linear(in_channels,
                                                 hidden_channels), nn.GELU(),
            nn.Dropout(dropout_ratio), nn.Linear(hidden_channels,
                                                 num_classes))

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """(B, in_channels) -> (B, num_classes) logits."""
        return self.mlp(x)


@MODELS.register_module()
class MultilabelVTNHead(MultilabelHeadMixin, VTNHead):
    """Multi-label :class:`VTNHead`: logits for ``PosWeightBCELoss`` in
    training, sigmoid scores at test time."""


#: Deprecated name -> its registered alias (warns when built).
DEPRECATED_NAMES = dict(MultiLabelVTNHead=registered_alias(
    MultilabelVTNHead, 'MultiLabelVTNHead', MODELS))
__getattr__ = deprecated_getattr(__name__, DEPRECATED_NAMES)
