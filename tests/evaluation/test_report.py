"""The results table has the layout of Tables 4.1-4.2 and the files hold
every metric."""
import json
import math

import mmaction_charades  # noqa: F401
from mmaction_charades.evaluation.functional import CRITERIA
from mmaction_charades.evaluation.report import (format_results_markdown,
                                                 format_results_table,
                                                 write_results)

ROWS = [(label, {c: base + 0.01 * i for i, c in enumerate(CRITERIA)})
        for label, base in (('Top-2', 0.2), ('Top-3', 0.3), ('Top-5', 0.5),
                            ('Threshold (0.3)', 0.0))]
SCALARS = {'test_loss': 0.41, 'mAP': 0.8125}
CLASS_AP = {'sit': 0.625, 'run': math.nan}


def _cells(line: str):
    return [c.strip() for c in line.strip().strip('|').split('|')]


def test_table_layout():
    lines = format_results_table(ROWS, SCALARS).splitlines()
    assert _cells(lines[0]) == ['Prediction', *CRITERIA]
    rows = {_cells(line)[0]: _cells(line)[1:] for line in lines[2:6]}
    assert list(rows) == ['Top-2', 'Top-3', 'Top-5', 'Threshold (0.3)']
    assert rows['Top-3'] == ['0.3000', '0.3100', '0.3200', '0.3300', '0.3400']
    assert rows['Threshold (0.3)'][2] == '0.0200'  # overlap
    assert lines[6:] == ['', 'test_loss: 0.4100', 'mAP: 0.8125']


def test_partial_rows():
    """Columns: the criteria of any row, in CRITERIA order; a criterion a
    row lacks, or that was not reported (None), is '-'."""
    rows = [('Top-3', {'overlap': 0.5, 'hamming': 0.25}),
            ('Threshold (0.5)', {'hamming': None})]
    lines = format_results_table(rows, {'mAP': 0.25}).splitlines()
    assert _cells(lines[0]) == ['Prediction', 'hamming', 'overlap']
    assert _cells(lines[2]) == ['Top-3', '0.2500', '0.5000']
    assert _cells(lines[3]) == ['Threshold (0.5)', '-', '-']
    assert lines[4:] == ['', 'mAP: 0.2500']
    assert format_results_table([], {'mAP': 0.25}) == 'mAP: 0.2500'


def test_write_results(tmp_path):
    metrics = {'protocol': 'spec_clips', 'top2/hamming': 0.5, 'mAP': 0.8125,
               'AP/sit': 0.625, 'AP/run': math.nan, 'test_loss': math.inf}
    markdown = format_results_markdown(ROWS, SCALARS, CLASS_AP)
    json_path, md_path = write_results(str(tmp_path / 'work'), metrics,
                                       markdown)
    with open(json_path) as f:
        assert json.load(f) == {'protocol': 'spec_clips',
                                'top2/hamming': 0.5, 'mAP': 0.8125,
                                'AP/sit': 0.625, 'AP/run': None,
                                'test_loss': None}
    with open(md_path) as f:
        text = f.read()
    assert text == markdown
    assert text.startswith(format_results_table(ROWS, SCALARS) + '\n\n')
    assert '| sit   | 0.6250 |' in text and '| run   | n/a    |' in text
