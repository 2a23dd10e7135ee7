"""The official Charades localisation metric (``Charades_v1_localize.m``)."""
from typing import Dict, List, Optional

import torch
from mmaction.registry import METRICS

from ..functional import (official_average_precision,
                          weighted_average_precision)
from .base import MultilabelScoreMetric


def localization_map(scores: torch.Tensor,
                     targets: torch.Tensor) -> Dict[str, float]:
    """Per-frame ``mAP`` and ``WAP`` of (N, P, C) or (N * P, C) scores and
    multi-hot targets: all frames of all videos are flattened, in video then
    frame order (the official tie order), per-class AP as
    :func:`official_average_precision`, mean over the classes with a
    positive frame, and WAP weighted by positive frames."""
    scores = scores.reshape(-1, scores.shape[-1])
    targets = targets.reshape(-1, targets.shape[-1])
    ap = official_average_precision(scores, targets)
    return dict(mAP=ap.nanmean().item(),
                WAP=weighted_average_precision(ap, targets).item())


@METRICS.register_module()
class CharadesLocalizationMAP(MultilabelScoreMetric):
    """``mAP`` and ``WAP`` over the frames (time points) of all videos.

    Each sample holds (P, C) per-point ``pred_score`` (a multi-label head
    with ``average_clips='none'``) and (P, C) ``gt_label`` (the labels of
    :class:`~mmaction_charades.datasets.transforms.TimePointClipSampler`);
    with the official 25 points and the 157 classes this is
    ``Charades_v1_localize.m``. Any label space works the same, e.g. the
    21 groups, whose labels the dataset maps.

    Args:
        collect_device, prefix: As for :class:`mmengine.evaluator.BaseMetric`.
    """

    sample_noun = 'videos'

    def sample_result(self, sample: dict) -> dict:
        result = super().sample_result(sample)
        if result['pred_score'].ndim != 2:
            raise ValueError(
                f'{type(self).__name__} needs (num_points, C) per-point '
                'scores and labels, got shape '
                f'{tuple(result["pred_score"].shape)}: test with '
                "TimePointClipSampler and the head's average_clips='none'")
        return result

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        return localization_map(*self.stack_results(results))
