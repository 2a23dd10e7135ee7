"""Shared ``process`` step of the multi-label metrics."""
from typing import Any, List, Sequence, Tuple

import torch
from mmengine.evaluator import BaseMetric

from ...utils.deprecation import deprecated_getattr


class NonFiniteScoreError(ValueError):
    """Some samples' scores are NaN or infinite."""


class MultilabelScoreMetric(BaseMetric):
    """Keeps each sample's (C,) ``pred_score`` and multi-hot ``gt_label``.

    One result per sample, on the CPU, so MMEngine can gather them from all
    ranks under distributed evaluation. Subclasses implement
    :meth:`compute_metrics` on the stacked (N, C) tensors of
    :meth:`stack_results`, and may keep more of a sample by extending
    :meth:`sample_result`.

    Metric keys are already namespaced (``top2/hamming``, ``mAP``, ...), so
    the default prefix is empty; ``prefix`` still prepends ``'<prefix>/'``.
    """

    default_prefix = ''
    #: What one result is, in :meth:`stack_results`' message.
    sample_noun = 'samples'

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        self.results.extend(self.sample_result(s) for s in data_samples)

    def sample_result(self, sample: dict) -> dict:
        """What :meth:`process` keeps of one data sample (as a dict)."""
        score, label = sample['pred_score'], sample['gt_label']
        if label.shape != score.shape:
            raise ValueError(
                f'{type(self).__name__} needs a multi-hot gt_label shaped '
                f'like pred_score {tuple(score.shape)}, got '
                f'{tuple(label.shape)} (is the model a multi-label one?)')
        return dict(pred_score=score.detach().float().cpu(),
                    gt_label=label.detach().cpu())

    def stack_results(self, results: List[dict]) -> Tuple[torch.Tensor,
                                                          torch.Tensor]:
        """(N, C) float scores and (N, C) long multi-hot targets ((N, P, C)
        for per-point samples).

        Raises:
            NonFiniteScoreError: if any score is NaN or infinite (a diverged model or
                NaN weights), which would otherwise give a plausible-looking
                but meaningless value.
        """
        scores = torch.stack([r['pred_score'] for r in results])
        targets = torch.stack([r['gt_label'] for r in results]).long()
        bad = ~torch.isfinite(scores).flatten(1).all(dim=1)
        if bad.any():
            raise NonFiniteScoreError(
                f'{type(self).__name__}: {int(bad.sum())} of {len(scores)} '
                f'{self.sample_noun} have a NaN or infinite pred_score; the '
                'model output is broken (NaN weights or a diverged '
                'training?)')
        return scores, targets


__getattr__ = deprecated_getattr(
    __name__, dict(MultiLabelScoreMetric=MultilabelScoreMetric))
