from .tubevit import TubeViT, inflate_vit2d_state_dict
from .vivit import ViViT
from .vit2d import ViT2D  # noqa: F401
from .vtn import VTN  # noqa: F401
