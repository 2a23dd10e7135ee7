from .base import NonFiniteScoreError
from .charades_map import CharadesMAP
from .dump_json import DumpResultsJSON
from .multilabel_accuracy import MultilabelAccuracy, TopKMultilabelAccuracy
from .multilabel_bce_loss import MultilabelBCELoss

__all__ = [
    'CharadesMAP', 'DumpResultsJSON', 'MultilabelAccuracy', 'MultilabelBCELoss',
    'NonFiniteScoreError', 'TopKMultilabelAccuracy'
]
