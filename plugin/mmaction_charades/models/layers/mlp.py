"""Two-layer feed-forward network of a transformer block."""
from typing import Optional, Type

from torch import Tensor, nn


class Mlp(nn.Module):
    """``fc1 -> act -> drop -> fc2 -> drop`` (timm naming, so ViT weights load).

    Args:
        in_features: Input channels C.
        hidden_features: Hidden channels. Defaults to ``4 * in_features``.
        out_features: Output channels. Defaults to ``in_features``.
        act_layer: Activation class. Defaults to ``nn.GELU``.
        drop: Dropout after the activation and after ``fc2``.
    """

    def __init__(self,
                 in_features: int,
                 hidden_features: Optional[int] = None,
                 out_features: Optional[int] = None,
                 act_layer: Type[nn.Module] = nn.GELU,
                 drop: float = 0.) -> None:
        super().__init__()
        hidden_features = hidden_features or 4 * in_features
        out_features = out_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_features, out_features)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        """(..., C_in) -> (..., C_out)."""
        x = self.drop1(self.act(self.fc1(x)))
        return self.drop2(self.fc2(x))


__all__ = ['Mlp']
