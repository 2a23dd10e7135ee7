from . import collate, transforms  # noqa: F401
from .annotations import AnnotationError, load_annotations
from .bad_videos import BadVideoTracker
from .charades import BadVideoError, CharadesDataset, NoValidVideoError
from .label_space import LabelSpace, load_label_space
from .pos_weight import (epoch_video_labels, pos_weight_from_dataset,
                         pos_weight_from_labels)
from .seeded_sampler import SampleIndex, SeededSampler, sample_rngs

__all__ = [
    'AnnotationError', 'BadVideoError', 'BadVideoTracker', 'CharadesDataset',
    'LabelSpace', 'NoValidVideoError', 'SampleIndex', 'SeededSampler',
    'epoch_video_labels', 'load_annotations', 'load_label_space',
    'pos_weight_from_dataset', 'pos_weight_from_labels', 'sample_rngs'
]
