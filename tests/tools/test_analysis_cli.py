"""The analysis CLIs, run as scripts: outputs on good input, exit 2 and one
line on bad."""
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from analysis_inputs import dump_predictions, write_scalars

from mmaction_charades.utils.submission import read_submission

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.slow


def run_tool(name, *args):
    script = ROOT / 'tools' / 'analysis' / name
    return subprocess.run([sys.executable, str(script), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def error_lines(result):
    """stderr without the Python warnings that imports print."""
    return [ln for ln in result.stderr.splitlines()
            if ln.startswith(('plot_curves:', 'charades_submission:',
                              'Traceback'))]


@pytest.fixture(scope='module')
def preds(tmp_path_factory):
    path = tmp_path_factory.mktemp('preds') / 'preds.pkl'
    scores = np.random.default_rng(1).random((3, 21), dtype=np.float32)
    dump_predictions(path, scores, [dict(video_id=v) for v in 'ABC'])
    return path, scores


def test_charades_submission(tmp_path, preds):
    path, scores = preds
    out = tmp_path / 'submission.txt'
    result = run_tool('charades_submission.py', path, '--out', out,
                      '--num-classes', 21)
    assert result.returncode == 0, result.stderr
    back = read_submission(out, num_classes=21)
    assert list(back) == ['A', 'B', 'C']
    np.testing.assert_allclose(np.stack(list(back.values())), scores,
                               rtol=1e-7)

    result = run_tool('charades_submission.py', path, '--out', out)
    assert result.returncode == 2
    assert error_lines(result) == [
        "charades_submission: error: sample 0 (video 'A'): expected 157 "
        'scores, got shape (21,) (use --num-classes to match the label '
        'space, e.g. 21 for the groups)'
    ]
    result = run_tool('charades_submission.py', tmp_path / 'no.pkl', '--out',
                      out)
    assert result.returncode == 2
    assert len(error_lines(result)) == 1 and 'no.pkl' in result.stderr
    # --ann-file is read by the dataset's parser, with its located errors
    ann = tmp_path / 'Charades_v1_test.csv'
    ann.write_text('id,actions,length\nA,,3.0\nB,c999 0 1,3.0\nC,,3.0\n')
    result = run_tool('charades_submission.py', path, '--out', out,
                      '--num-classes', 21, '--ann-file', ann)
    assert result.returncode == 2
    assert error_lines(result) == [
        f"charades_submission: error: {ann}, line 3, field 'actions': "
        "unknown class id 'c999'; expected c000..c156"
    ]


def read_png(path):
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    return image[..., :3]


def share_of_colour(image, hex_colour):
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.mean(np.abs(image - rgb).max(-1) < 0.05)


def test_plot_curves(tmp_path):
    write_scalars(tmp_path / '20250101_000000/vis_data/scalars.json')
    results = {'mAP': 0.65, 'test_loss': 0.3, 'AP/Holding a phone/camera':
               0.9, 'AP/Opening a door': 0.4, 'AP/Sitting on sofa/couch': None}
    (tmp_path / 'results.json').write_text(json.dumps(results))
    result = run_tool('plot_curves.py', tmp_path, '--out', tmp_path / 'png')
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / 'png').iterdir()) == [
        'loss_curve.png', 'map_curve.png', 'per_class_ap.png']
    for name in ('loss_curve.png', 'map_curve.png'):
        image = read_png(tmp_path / 'png' / name)
        assert image.shape[:2] == (400, 600)
    # training (tab:blue) and validation (tab:orange) loss lines drawn
    loss = read_png(tmp_path / 'png' / 'loss_curve.png')
    assert share_of_colour(loss, '#1f77b4') > 1e-3
    assert share_of_colour(loss, '#ff7f0e') > 1e-3
    # mAP: validation only (no training mAP logged): no tab:blue line
    assert share_of_colour(read_png(tmp_path / 'png' / 'map_curve.png'),
                           '#1f77b4') < 1e-4
    # one 0.2-inch row per scored class on top of 1.5 inches, at 100 dpi
    bars = read_png(tmp_path / 'png' / 'per_class_ap.png')
    assert bars.shape[:2] == (190, 800)
    assert share_of_colour(bars, '#1f77b4') > 0.05

    (tmp_path / 'results.json').write_text('{"mAP": 0.5,\n "AP/a": }')
    result = run_tool('plot_curves.py', tmp_path)
    assert result.returncode == 2
    assert error_lines(result) == [
        f'plot_curves: error: {tmp_path / "results.json"} line 2: malformed '
        'JSON (Expecting value)'
    ]
    result = run_tool('plot_curves.py', tmp_path / 'png')
    assert result.returncode == 2
    assert error_lines(result) == [
        f'plot_curves: error: no scalars.json under {tmp_path / "png"} '
        '(expected <timestamp>/vis_data/scalars.json from LocalVisBackend)'
    ]


def test_charades_submission_scores_what_it_writes(tmp_path, preds):
    """--score reads the written 21-group file back and scores it against
    the CSV: A and C hold group 0 (c000), B none; group 0 scores A .473,
    B .754, C .062, so its AP, the only one, is (1/2 + 2/3) / 2 = 7/12."""
    path, scores = preds
    csv_file = tmp_path / 'Charades_v1_test.csv'
    csv_file.write_text('id,actions,length\nA,c000 0.0 1.0,9.0\nB,,9.0\n'
                        'C,c000 2.0 3.0,9.0\n')
    out = tmp_path / 'submission.txt'
    result = run_tool('charades_submission.py', path, '--out', out,
                      '--num-classes', 21, '--score', csv_file)
    assert result.returncode == 0, result.stderr
    assert scores[1, 0] > scores[0, 0] > scores[2, 0]
    assert result.stdout.splitlines()[-2:] == ['mAP: 0.5833', 'WAP: 0.5833']
