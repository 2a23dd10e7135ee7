"""Config mistakes that make a multi-label run meaningless, caught when the
Runner is built instead of after an epoch.

* :func:`check_pipeline` (called by ``CharadesDataset`` when built): a
  pipeline that decodes video but has no Charades clip sampler (a
  :class:`~mmaction_charades.datasets.transforms.samplers.BaseClipSampler`,
  e.g. MMAction2's ``SampleFrames`` instead) never computes clip labels, so
  with ``label_level='clip'`` short clips would silently get whole-video
  labels. Refused; ``label_level='video'`` asks for exactly that and passes.
* :func:`check_frame_decoder` (called by ``CharadesDataset`` when its
  annotations are loaded): MMAction2's ``RawFrameDecode`` on a frame list
  with gaps or every ``s``-th frame reads the wrong files. Refused.
* :func:`check_metric`: MMAction2's single-label ``AccMetric`` (top-k or
  mean class accuracy) and ``ConfusionMatrix`` on a multi-label dataset
  crash or give meaningless numbers after the first validation. Refused;
  ``AccMetric`` with only its mAP entries passes.
* :func:`check_head`: a head trained with a cross-entropy loss (MMAction2's
  plain ``I3DHead`` and friends) learns a softmax over classes from
  multi-hot labels. Refused. Any other head that is not one of our
  ``Multilabel*Head`` (e.g. an MMAction2 head with ``multi_class=True`` and
  a BCE loss) gets a warning: MMAction2's clip averaging gives a softmax
  (``'prob'``) or raw scores (``'score'``, None), not sigmoid
  probabilities.

:class:`~mmaction_charades.engine.hooks.MultilabelConfigCheckHook` runs the
last two for every built loop whose dataset :func:`is_multilabel`.
"""
import logging
from typing import Sequence

from mmengine.logging import print_log

from ..datasets.transforms.samplers import BaseClipSampler

#: AccMetric entries that need one label per sample.
SINGLE_LABEL_ACC = ('top_k_accuracy', 'mean_class_accuracy')
MULTILABEL_METRICS = 'CharadesMAP, TopKMultilabelAccuracy, MultilabelAccuracy'


class ConfigError(ValueError):
    """A config whose pieces do not fit together (its message names the
    config key and what to use instead)."""


def check_pipeline(pipeline: Sequence, label_level: str, where: str) -> None:
    """Refuse a video-reading pipeline without a Charades clip sampler when
    clip labels are asked for (``label_level='clip'``).

    Args:
        pipeline: The built transforms.
        label_level: The dataset's ``label_level``.
        where: What the message names, e.g. the annotation file.
    """
    from ..datasets.charades import reads_media
    if (label_level != 'clip' or not any(map(reads_media, pipeline))
            or any(isinstance(t, BaseClipSampler) for t in pipeline)):
        return
    steps = ', '.join(type(t).__name__ for t in pipeline)
    raise ConfigError(
        f"{where}: the dataset's `pipeline` ({steps}) has no Charades clip "
        "sampler, so no clip labels are computed and every clip would get "
        "its whole video's labels; sample with DilatedClipSampler, "
        "StrideClipSampler or WholeVideoSampler instead of MMAction2's "
        "SampleFrames, or set label_level='video' to train or test on "
        "video-level labels on purpose")


def check_frame_decoder(pipeline: Sequence, data_list: Sequence[dict],
                        where: str) -> None:
    """Refuse MMAction2's ``RawFrameDecode`` on a frame list whose files are
    not numbered one by one (gaps, every ``s``-th frame; data infos with
    ``frame_numbers``): it would silently read the wrong files.

    Args:
        pipeline: The built transforms.
        data_list: The dataset's data infos.
        where: What the message names, e.g. the annotation file.
    """
    from mmaction.datasets.transforms import RawFrameDecode
    from ..datasets.transforms import ListedRawFrameDecode
    if not any(type(t) is RawFrameDecode for t in pipeline):
        return
    listed = next((info for info in data_list if 'frame_numbers' in info),
                  None)
    if listed is None:
        return
    raise ConfigError(
        f"{where}: the frames of video {listed['video_id']!r} (and maybe "
        "others) are not numbered one by one (a gap or a sub-sampled "
        "list), which MMAction2's RawFrameDecode would read as the wrong "
        f"files; use {ListedRawFrameDecode.__name__} in the pipeline")


def is_multilabel(dataset) -> bool:
    """Whether ``dataset`` (or any dataset an MMEngine/torch wrapper holds)
    is a ``CharadesDataset`` or an MMAction2 ``multi_class`` dataset."""
    from ..datasets.charades import CharadesDataset
    inner = getattr(dataset, 'datasets', None)
    if inner is not None:
        return any(map(is_multilabel, inner))
    if hasattr(dataset, 'dataset'):
        return is_multilabel(dataset.dataset)
    return (isinstance(dataset, CharadesDataset)
            or bool(getattr(dataset, 'multi_class', False)))


def check_metric(metric, key: str) -> None:
    """Refuse a single-label MMAction2 metric on a multi-label dataset.

    Args:
        metric: A built metric of the evaluator.
        key: Its config key (``'val_evaluator'``, ``'test_evaluator'``).
    """
    from mmaction.evaluation import AccMetric, ConfusionMatrix
    if isinstance(metric, AccMetric):
        single = [m for m in metric.metrics if m in SINGLE_LABEL_ACC]
        if not single:
            return
        what = f'AccMetric with {single}'
    elif isinstance(metric, ConfusionMatrix):
        what = 'ConfusionMatrix'
    else:
        return
    raise ConfigError(
        f'{key}: {what} needs one label per video and this dataset is '
        f'multi-label; use {MULTILABEL_METRICS} (as '
        'configs/_base_/datasets/charades21.py does)')


def check_head(model, key: str = 'model.cls_head') -> None:
    """Refuse a cross-entropy head and warn about a head that is not a
    ``Multilabel*Head``, for a model trained or tested on multi-label data.

    Args:
        model: The (unwrapped) model; models without ``cls_head`` pass.
        key: The head's config key, for the messages.
    """
    import torch.nn as nn
    from mmaction.models.heads import BaseHead
    from mmaction.models.losses import CrossEntropyLoss, NLLLoss

    from ..models.heads import MultilabelHeadMixin
    head = getattr(model, 'cls_head', None)
    if head is None:
        return
    loss = getattr(head, 'loss_cls', None)
    name = type(head).__name__
    if isinstance(loss, (CrossEntropyLoss, NLLLoss, nn.CrossEntropyLoss,
                         nn.NLLLoss)):
        raise ConfigError(
            f'{key}: {name} with {type(loss).__name__} learns one class per '
            'video (a softmax) and this dataset is multi-label; use a '
            'Multilabel*Head (MultilabelI3DHead, MultilabelMViTHead, '
            'MultilabelTimeSformerHead, MultilabelVTNHead) with '
            "loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto'), as "
            'configs/_base_/models/multilabel_head.py sets')
    if isinstance(head, BaseHead) and not isinstance(head,
                                                     MultilabelHeadMixin):
        print_log(
            f'{key}: {name} is not a multi-label head: its scores are '
            f'MMAction2\'s average_clips={head.average_clips!r} (a softmax '
            "for 'prob', mean raw scores for 'score', per-clip raw scores "
            'for None), not sigmoid probabilities; a Multilabel*Head '
            '(e.g. MultilabelI3DHead) gives sigmoid scores and the max over '
            'clips',
            logger='current',
            level=logging.WARNING)
