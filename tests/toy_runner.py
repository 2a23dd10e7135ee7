"""A toy model and dataset for tests that drive MMEngine's Runner: a
regression of (4,) inputs onto 0/1 targets, fast enough for many runs."""
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from torch.utils.data import Dataset


class ToyModel(BaseModel):
    """Linear layer over optional batch norm and dropout; the (B,) output is
    the mean over ``num_classes`` outputs."""

    def __init__(self, num_classes: int = 1, batch_norm: bool = False,
                 dropout: float = 0.) -> None:
        super().__init__()
        self.linear = nn.Linear(4, num_classes)
        self.bn = nn.BatchNorm1d(4) if batch_norm else nn.Identity()
        self.drop = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(self.drop(self.bn(torch.stack(inputs)))).mean(1)
        if mode == 'loss':
            return dict(loss=((out - torch.stack(labels))**2).mean())
        return out


class ToyData(Dataset):
    """``length`` samples; sample ``i`` is seeded by ``i``."""
    metainfo = dict(classes=('a', ))

    def __init__(self, length: int = 8) -> None:
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> dict:
        gen = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(4, generator=gen),
                    labels=torch.tensor(float(i % 2)))
