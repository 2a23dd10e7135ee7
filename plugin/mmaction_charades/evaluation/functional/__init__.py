from .average_precision import charades_map, per_class_average_precision
from .multilabel_accuracy import (CRITERIA, multilabel_accuracy,
                                  topk_multilabel_accuracy)

__all__ = [
    'CRITERIA', 'charades_map', 'multilabel_accuracy',
    'per_class_average_precision', 'topk_multilabel_accuracy'
]
