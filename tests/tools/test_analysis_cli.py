"""The analysis CLIs: outputs on good input, exit 2 and one line on bad."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mmaction_charades.utils.submission import read_submission

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / 'tests' / 'utils'))
from test_curves import write_scalars  # noqa: E402
from test_submission import dump_predictions  # noqa: E402


class Result:

    def __init__(self, returncode, stderr):
        self.returncode, self.stderr = returncode, stderr


def run_tool(name, *args, capsys=None):
    """Run a tool's ``main`` in-process, or as a script without ``capsys``."""
    script = ROOT / 'tools' / 'analysis' / name
    if capsys is None:
        return subprocess.run([sys.executable, str(script), *map(str, args)],
                              capture_output=True, text=True, cwd=ROOT)
    spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    capsys.readouterr()
    returncode = module.main([str(a) for a in args])
    return Result(returncode, capsys.readouterr().err)


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


def test_charades_submission(tmp_path, preds, capsys):
    path, scores = preds
    out = tmp_path / 'submission.txt'
    result = run_tool('charades_submission.py', path, '--out', out,
                      '--num-classes', 21, capsys=capsys)
    assert result.returncode == 0, result.stderr
    back = read_submission(out, num_classes=21)
    assert list(back) == ['A', 'B', 'C']
    np.testing.assert_allclose(np.stack(list(back.values())), scores,
                               rtol=1e-7)

    result = run_tool('charades_submission.py', path, '--out', out,
                      capsys=capsys)
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


def test_plot_curves(tmp_path, capsys):
    write_scalars(tmp_path / '20250101_000000/vis_data/scalars.json')
    (tmp_path / 'results.json').write_text(
        json.dumps({'mAP': 0.5, 'AP/a': 0.4, 'AP/b': 0.6}))
    result = run_tool('plot_curves.py', tmp_path, '--out', tmp_path / 'png',
                      capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / 'png').iterdir()) == [
        'loss_curve.png', 'map_curve.png', 'per_class_ap.png']

    (tmp_path / 'results.json').write_text('{"mAP": 0.5,\n "AP/a": }')
    result = run_tool('plot_curves.py', tmp_path, capsys=capsys)
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
