"""One-batch fit probe: can a model memorise a handful of generated clips?

Shared by ``benchmarks/probe_fit_one_batch.py`` and the learning tests
(``tests/models/backbones/test_backbones_learn.py``). A model that cannot
fit one batch it sees over and over has a defect that no amount of data
fixes. Needs scikit-learn (``average_precision_score``).
"""
import copy
from typing import Dict, Iterable, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from .mini_charades import GRID, cell_box, group_pattern


def batch_map(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mean over the classes with a positive in the batch of scikit-learn's
    average precision of ``scores`` (N, K) against ``labels`` (N, K)."""
    from sklearn.metrics import average_precision_score
    keep = np.flatnonzero(labels.sum(0) > 0)
    return float(np.mean([
        average_precision_score(labels[:, c], scores[:, c]) for c in keep]))


def generated_clips(num_clips: int = 8,
                    clip_len: int = 8,
                    size: int = 32,
                    num_groups: int = 21,
                    max_groups: int = 3,
                    seed: int = 0) -> Tuple[Tensor, Tensor]:
    """Clips drawn like the mini-Charades frames, without video coding.

    Each clip shows 1 to ``max_groups`` groups, each as its look
    (:func:`group_pattern`) in its grid cell (:func:`cell_box`) on every
    frame, over a noisy grey background that changes from frame to frame.

    Returns:
        uint8 clips (num_clips, 3, clip_len, size, size) and float multi-hot
        labels (num_clips, num_groups).
    """
    if num_groups > GRID * GRID:
        raise ValueError(f'generated_clips: at most {GRID * GRID} groups, '
                         f'got {num_groups}.')
    rng = np.random.default_rng(seed)
    clips = np.empty((num_clips, clip_len, size, size, 3), np.uint8)
    labels = np.zeros((num_clips, num_groups), np.float32)
    for n in range(num_clips):
        groups = rng.choice(num_groups, rng.integers(1, max_groups + 1),
                            replace=False)
        labels[n, groups] = 1
        base = rng.integers(70, 150)
        noise = rng.integers(-12, 13, size=(clip_len, size, size, 1))
        clips[n] = np.clip(base + noise, 0, 255).repeat(3, -1)
        for g in groups:
            x0, y0, x1, y1 = cell_box(int(g), size, size)
            clips[n, :, y0:y1, x0:x1] = group_pattern(int(g), x1 - x0, y1 - y0)
    return (torch.from_numpy(clips).permute(0, 4, 1, 2, 3).contiguous(),
            torch.from_numpy(labels))


def recognizer_batch(clips: Tensor, labels: Tensor) -> dict:
    """``pseudo_collate``-style batch of one-clip samples for an MMAction2
    recognizer's data preprocessor: inputs (1, 3, T, H, W) per sample."""
    from mmaction.structures import ActionDataSample
    return dict(
        inputs=[clip[None] for clip in clips],
        data_samples=[ActionDataSample().set_gt_label(label)
                      for label in labels])


def fit_one_batch(model: nn.Module,
                  batch: dict,
                  steps: int,
                  eval_at: Iterable[int],
                  lr: float = 1e-3,
                  stop_at: Optional[float] = None) -> Dict[int, tuple]:
    """Train a recognizer on one batch with AdamW (``lr``, weight decay 0,
    no schedule, no gradient clipping) for ``steps`` steps.

    At each step in ``eval_at`` (and the last) record ``(batch mAP of the
    eval-mode scores, training loss)``; stop early once the mAP reaches
    ``stop_at``. Returns ``{step: (mAP, loss)}``.
    """
    data = model.data_preprocessor(batch, training=True)
    labels = torch.stack([s.gt_label for s in data['data_samples']]).numpy()
    optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.)
    wanted = set(eval_at) | {steps}
    rows = {}
    for step in range(1, steps + 1):
        model.train()
        losses = model(**data, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optim.zero_grad()
        loss.backward()
        optim.step()
        if step not in wanted:
            continue
        model.eval()
        with torch.no_grad():
            out = model(**copy.deepcopy(data), mode='predict')
        scores = torch.stack([s.pred_score for s in out]).numpy()
        rows[step] = (batch_map(scores, labels), float(loss.detach()))
        if stop_at is not None and rows[step][0] >= stop_at:
            break
    return rows
