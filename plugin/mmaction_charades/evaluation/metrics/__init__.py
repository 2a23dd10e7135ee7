from .base import NonFiniteScoreError
from .charades_map import CharadesMAP
from .dump_json import DumpResultsJSON
from .localization_map import CharadesLocalizationMAP, localization_map
from .multilabel_accuracy import MultilabelAccuracy, TopKMultilabelAccuracy
from .multilabel_bce_loss import MultilabelBCELoss

__all__ = [
    'CharadesLocalizationMAP', 'CharadesMAP', 'DumpResultsJSON',
    'MultilabelAccuracy', 'MultilabelBCELoss',
    'NonFiniteScoreError', 'TopKMultilabelAccuracy', 'localization_map'
]
