"""The tiny TubeViT of the TubeViT tests."""
import pytest

from mmaction_charades.models.backbones.tubevit import TubeViT

TINY_ARCH = dict(embed_dims=48, num_layers=2, num_heads=2)


@pytest.fixture
def tiny_tubevit():
    """Build an initialised TubeViT (``init_weights()`` called), of arch
    ``tiny_tubevit.arch`` (48 channels, 2 layers) and 64x64 frames unless
    given."""

    def build(**kwargs) -> TubeViT:
        kwargs.setdefault('arch', TINY_ARCH)
        kwargs.setdefault('img_size', 64)
        model = TubeViT(**kwargs)
        model.init_weights()
        return model

    build.arch = TINY_ARCH
    return build
