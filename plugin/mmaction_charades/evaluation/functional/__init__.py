from .average_precision import (charades_map, official_average_precision,
                                per_class_average_precision,
                                weighted_average_precision)
from .multilabel_accuracy import (CRITERIA, multilabel_accuracy,
                                  topk_multilabel_accuracy)

__all__ = [
    'CRITERIA', 'charades_map', 'multilabel_accuracy',
    'official_average_precision', 'per_class_average_precision',
    'topk_multilabel_accuracy', 'weighted_average_precision'
]
