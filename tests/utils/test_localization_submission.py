"""The official localisation submission (``id frame score x C``, frames
1..25): written, read back and scored with the official rule, for the 157
classes and the 21 groups."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.label_space import load_label_space
from mmaction_charades.utils.submission import (
    predictions_to_scores, read_localization_submission, save_predictions,
    score_localization, write_localization_submission)

TESTS = Path(__file__).resolve().parents[1]
QUIRKS = TESTS / 'evaluation' / 'data' / 'charades_v1_localize_quirks.csv'
IDS = ['LOC01', 'LOC02', 'LOC03', 'LOC04']


def _oracle():
    """The official rule and AP, from the metric test (independent of the
    package)."""
    spec = importlib.util.spec_from_file_location(
        'localize_oracle',
        TESTS / 'evaluation' / 'metrics' / 'test_localization_map.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _scores(num_classes, seed=0):
    rng = np.random.default_rng(seed)
    return {v: np.round(rng.random((25, num_classes)), 2) for v in IDS}


@pytest.mark.parametrize('label_space,num_classes',
                         [('charades157', 157), ('charades21', 21)])
def test_round_trip_and_official_score(tmp_path, label_space, num_classes):
    scores = _scores(num_classes)
    path = tmp_path / 'localize.txt'
    write_localization_submission(path, scores)
    lines = path.read_text().splitlines()
    assert len(lines) == 4 * 25
    assert lines[0].split()[:2] == ['LOC01', '1']
    assert lines[26].split()[:2] == ['LOC02', '2']
    assert all(len(line.split()) == num_classes + 2 for line in lines)
    back = read_localization_submission(path)
    assert list(back) == [(v, j) for v in IDS for j in range(1, 26)]
    for video in IDS:
        np.testing.assert_array_equal(
            [back[video, j] for j in range(1, 26)], scores[video])

    oracle = _oracle()
    gt = oracle.official_localization_gt(QUIRKS)
    space = load_label_space(label_space)
    labels = []
    for video in IDS:  # the 21 groups: union of the groups present
        mapped = np.zeros((25, num_classes), bool)
        for j, c in zip(*np.nonzero(gt[video])):
            mapped[j, space.official_to_label[c]] = True
        labels.append(mapped)
    mAP, wap = oracle.official_localize_map(
        np.concatenate([scores[v] for v in IDS]), np.concatenate(labels))
    metrics = score_localization(path, QUIRKS, label_space)
    assert metrics['mAP'] == pytest.approx(mAP, abs=1e-12)
    assert metrics['WAP'] == pytest.approx(wap, abs=1e-12)
    assert metrics['missing'] == []


def test_missing_frames_score_minus_infinity(tmp_path):
    """As the official script: frames the file lacks rank last (-inf),
    lines of videos the annotations lack are ignored."""
    scores = _scores(157, seed=2)
    path = tmp_path / 'localize.txt'
    write_localization_submission(path, scores)
    lines = path.read_text().splitlines()
    kept = [line for line in lines
            if not line.startswith(('LOC04 ', 'LOC02 7 '))]
    path.write_text('\n'.join(kept + ['OTHER 1 ' + ' '.join(['1'] * 157)])
                    + '\n')
    metrics = score_localization(path, QUIRKS)
    assert metrics['missing'] == [('LOC02', 7)] + [('LOC04', j)
                                                   for j in range(1, 26)]
    oracle = _oracle()
    gt = oracle.official_localization_gt(QUIRKS)
    expected = {v: scores[v].copy() for v in IDS}
    expected['LOC04'][:] = -np.inf
    expected['LOC02'][6] = -np.inf
    mAP, wap = oracle.official_localize_map(
        np.concatenate([expected[v] for v in IDS]),
        np.concatenate([gt[v] for v in IDS]))
    assert metrics['mAP'] == pytest.approx(mAP, abs=1e-12)
    assert metrics['WAP'] == pytest.approx(wap, abs=1e-12)


def test_predictions_to_point_scores_and_bad_files(tmp_path):
    preds = [dict(video_id=v, pred_score=torch.rand(25, 21)) for v in IDS]
    scores = predictions_to_scores(preds, 21, num_points=25)
    assert scores['LOC03'].shape == (25, 21)
    with pytest.raises(ValueError, match='expected 157 scores at 25 points'):
        predictions_to_scores(preds, 157, num_points=25)

    bad = tmp_path / 'bad.txt'
    bad.write_text('A 1 0.5 0.5\nA 1 0.5 0.5\n')
    with pytest.raises(ValueError, match='line 2: .* frame 1 already on '
                       'line 1'):
        read_localization_submission(bad)
    bad.write_text('A 0 0.5 0.5\n')
    with pytest.raises(ValueError, match="line 1: frame '0'"):
        read_localization_submission(bad)
    bad.write_text('A 1 0.5 x\n')
    with pytest.raises(ValueError, match="line 1: score 'x'"):
        read_localization_submission(bad)
    bad.write_text('A 1 0.5 0.5\nA 2 0.5\n')
    with pytest.raises(ValueError, match='line 2: expected the video id, the '
                       'frame and 2 scores, got 1'):
        read_localization_submission(bad)
    bad.write_text('A 1 0.5 0.5\n')
    with pytest.raises(ValueError, match='2 scores per line; pass the label '
                       'space'):
        score_localization(bad, QUIRKS)


@pytest.mark.slow
def test_cli_writes_and_scores(run_tool, tmp_path):
    preds = [dict(video_id=v, pred_score=s.tolist())
             for v, s in _scores(21, seed=1).items()]
    save_predictions(tmp_path / 'preds.json', preds)
    out = tmp_path / 'loc.txt'
    done = run_tool(['tools/analysis/charades_submission.py',
                     tmp_path / 'preds.json', '--localize', '--out', out,
                     '--num-classes', '21', '--score', QUIRKS])
    assert done.returncode == 0, done.stderr
    metrics = score_localization(out, QUIRKS, 'charades21')
    assert (f"localisation mAP: {metrics['mAP']:.4f}  "
            f"WAP: {metrics['WAP']:.4f}") in done.stdout
    # without --localize, --score scores a classification file: these
    # (25, C) predictions are not one
    done = run_tool(['tools/analysis/charades_submission.py',
                     tmp_path / 'preds.json', '--out', out,
                     '--num-classes', '21', '--score', QUIRKS])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        'expected 21 scores, got shape (25, 21) (use --num-classes to match '
        'the label space, e.g. 21 for the groups)')
