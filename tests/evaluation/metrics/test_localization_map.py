"""Official localisation (Charades_v1_localize.m): ground truth at the 25
time points and per-frame mAP / WAP, against an independent implementation
of the official rule on the raw CSV text."""
import csv
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets import CharadesDataset
from mmaction_charades.datasets.label_space import load_label_space
from mmaction_charades.datasets.transforms import TimePointClipSampler
from mmaction_charades.evaluation.metrics import (CharadesLocalizationMAP,
                                                  NonFiniteScoreError)

QUIRKS = Path(__file__).parents[1] / 'data' / 'charades_v1_localize_quirks.csv'
FPS = 24.


def official_localization_gt(path, frames_per_video=25, num_classes=157):
    """The official ``load_charades_localized``: the raw CSV times as
    doubles, ``timepoint = (j-1)*len/frames_per_video``, a class is present
    at a point when one of its actions has ``start <= timepoint <= end``
    (no clamping, no dropping). Returns {id: (25, 157) bool}."""
    gt = {}
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.DictReader(f):
            length = float(row['length'])
            labels = np.zeros((frames_per_video, num_classes), bool)
            for j in range(1, frames_per_video + 1):
                timepoint = (j - 1) * length / frames_per_video
                for triple in filter(None, row['actions'].split(';')):
                    cls, start, end = triple.split()
                    if float(start) <= timepoint <= float(end):
                        labels[j - 1, int(cls[1:])] = True
            gt[row['id']] = labels
    return gt


def thumos_ap(conf, labels):
    """``THUMOSeventclspr``: stable sort of -conf, mean precision at the
    positives (NaN without one)."""
    order = np.argsort(-conf, kind='stable')
    tp = np.cumsum(labels[order])
    prec = tp / np.arange(1, len(conf) + 1)
    npos = labels.sum()
    return prec[labels[order]].sum() / npos if npos else math.nan


def official_localize_map(scores, labels):
    """mAP (mean over classes with a positive) and WAP of (frames, C)."""
    ap = np.array([thumos_ap(scores[:, c], labels[:, c])
                   for c in range(labels.shape[1])])
    npos = labels.sum(0)
    return np.nanmean(ap), np.nansum(ap * npos) / npos.sum()


def _dataset_point_labels(label_space):
    """(25, C) labels from the dataset's parser and TimePointClipSampler."""
    dataset = CharadesDataset(str(QUIRKS), pipeline=[],
                              label_space=label_space, test_mode=True,
                              label_level='video')
    sampler = TimePointClipSampler(clip_len=8, span=3.0)
    out = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        info.update(total_frames=int(info['length'] * FPS), avg_fps=FPS)
        out[info['video_id']] = sampler(info)['label']
    return out


def test_ground_truth_matches_the_official_rule_157():
    oracle = official_localization_gt(QUIRKS)
    ours = _dataset_point_labels('charades157')
    assert list(ours) == list(oracle)
    for video, labels in oracle.items():
        np.testing.assert_array_equal(ours[video], labels, err_msg=video)


def test_ground_truth_hand_computed_points():
    """The quirks, by hand: an action starting after its end, one starting
    after the video and one between the last point and the end cover no
    point; an end past the length runs to the last point; bounds on a point
    (also a zero-length action, and float32 10.1 s) include it."""
    ours = _dataset_point_labels('charades157')
    on = {video: {c: np.flatnonzero(labels[:, c]).tolist()
                  for c in np.flatnonzero(labels.any(0))}
          for video, labels in ours.items()}
    # 12.5 s: points every 0.5 s
    assert on['LOC01'] == {1: [5, 6, 7, 8], 2: [8], 4: [22, 23, 24]}
    assert on['LOC02'] == {}
    # 10.1 s: points every 0.404 s; 4.04 is point 10
    assert on['LOC03'] == {8: [10], 9: [10], 149: [3, 4, 5],
                           150: [0, 1, 2]}
    # 31.17 s: points every 1.2468 s; c106 starts after its end
    assert on['LOC04'] == {11: [2, 3], 59: [0], 97: list(range(2, 25))}


def test_ground_truth_21_groups_is_the_union_of_the_groups():
    space = load_label_space('charades21')
    ours = _dataset_point_labels('charades21')
    for video, labels in official_localization_gt(QUIRKS).items():
        expected = np.zeros((25, 21), bool)
        for j, c in zip(*np.nonzero(labels)):
            expected[j, space.official_to_label[c]] = True
        np.testing.assert_array_equal(ours[video], expected, err_msg=video)


def _evaluate(scores, labels, names=None):
    metric = CharadesLocalizationMAP()
    metric.dataset_meta = dict(classes=names) if names else None
    metric.process({}, [dict(pred_score=torch.as_tensor(s),
                             gt_label=torch.as_tensor(y))
                        for s, y in zip(scores, labels)])
    return metric.evaluate(len(scores))


@pytest.mark.parametrize('label_space,num_classes',
                         [('charades157', 157), ('charades21', 21)])
@pytest.mark.parametrize('ties', [False, True])
def test_metric_matches_the_official_formula(label_space, num_classes, ties):
    gt = _dataset_point_labels(label_space)
    rng = np.random.default_rng(num_classes + ties)
    scores = rng.random((len(gt), 25, num_classes)).astype(np.float32)
    if ties:
        scores = np.round(scores * 3) / 3
    labels = np.stack(list(gt.values())).astype(np.int64)
    metrics = _evaluate(scores, labels)
    mAP, wap = official_localize_map(scores.reshape(-1, num_classes),
                                     labels.reshape(-1, num_classes) > 0)
    assert metrics['mAP'] == pytest.approx(mAP, abs=1e-12)
    assert metrics['WAP'] == pytest.approx(wap, abs=1e-12)


def test_metric_hand_computed():
    """Two videos x 2 points, 2 classes; frames in video-then-point order
    (0.9, 0.5 | 0.5, 0.1) for class 0 with positives at frames 2, 3:
    frame 2 ties frame 3 and comes first (stable), ranks 2 and 3 give
    precisions 1/2, 2/3: AP 7/12. Class 1 positive only at the top: AP 1.
    mAP = 19/24; WAP = (2 * 7/12 + 1) / 3 = 13/18."""
    scores = [[[0.9, 0.8], [0.5, 0.1]], [[0.5, 0.2], [0.1, 0.3]]]
    labels = [[[0, 1], [1, 0]], [[1, 0], [0, 0]]]
    metrics = _evaluate(torch.tensor(scores), torch.tensor(labels))
    assert metrics == pytest.approx(dict(mAP=19 / 24, WAP=13 / 18))


def test_metric_refuses_video_scores_and_nan():
    with pytest.raises(ValueError, match="average_clips='none'"):
        _evaluate(torch.rand(2, 3), torch.ones(2, 3, dtype=torch.long))
    scores = torch.rand(2, 4, 3)
    scores[1, 2, 0] = math.nan
    with pytest.raises(NonFiniteScoreError, match='1 of 2 videos'):
        _evaluate(scores, torch.ones(2, 4, 3, dtype=torch.long))
