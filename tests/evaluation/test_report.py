"""The results table has the layout of Tables 4.1-4.2 and the files hold
every metric."""
import json
import math

import mmaction_charades  # noqa: F401
from mmaction_charades.evaluation.functional import CRITERIA
from mmaction_charades.evaluation.report import (format_results_table,
                                                 write_results)


def _metrics():
    metrics = {}
    for i, c in enumerate(CRITERIA):
        metrics[f'threshold/{c}'] = 0.01 * i
        for k in (5, 2, 3):
            metrics[f'top{k}/{c}'] = 0.1 * k + 0.01 * i
    metrics.update({'mAP': 0.8125, 'test_loss': 0.41, 'AP/sit': 0.625,
                    'AP/run': math.nan})
    return metrics


def _cells(line: str):
    return [c.strip() for c in line.strip().strip('|').split('|')]


def test_table_layout():
    lines = format_results_table(_metrics()).splitlines()
    assert _cells(lines[0]) == ['Prediction', *CRITERIA]
    rows = {_cells(line)[0]: _cells(line)[1:] for line in lines[2:6]}
    assert list(rows) == ['Top-2', 'Top-3', 'Top-5', 'Threshold (0.5)']
    assert rows['Top-3'] == ['0.3000', '0.3100', '0.3200', '0.3300', '0.3400']
    assert rows['Threshold (0.5)'][2] == '0.0200'  # overlap
    assert lines[-2:] == ['test_loss: 0.4100', 'mAP: 0.8125']


def test_partial_metrics():
    text = format_results_table({'top3/hamming': 0.5, 'mAP': 0.25})
    lines = text.splitlines()
    assert _cells(lines[0]) == ['Prediction', 'hamming']
    assert _cells(lines[2]) == ['Top-3', '0.5000']
    assert len(lines) == 5 and lines[-1] == 'mAP: 0.2500'


def test_write_results(tmp_path):
    json_path, md_path = write_results(_metrics(), str(tmp_path / 'work'))
    with open(json_path) as f:
        saved = json.load(f)
    expected = {k: (None if math.isnan(v) else v)
                for k, v in _metrics().items()}
    assert saved == expected
    with open(md_path) as f:
        text = f.read()
    assert format_results_table(_metrics()) in text
    assert '| sit   | 0.6250 |' in text and '| run   | n/a    |' in text
