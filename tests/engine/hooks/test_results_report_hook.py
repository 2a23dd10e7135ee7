"""ResultsReportHook builds the table from the evaluator's metric objects:
their k values, configured threshold, criteria, loss name and prefix."""
import json
from pathlib import Path
from types import SimpleNamespace

import torch
from mmaction.registry import HOOKS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.evaluator import Evaluator

import mmaction_charades  # noqa: F401
from mmaction_charades.engine.hooks import ResultsReportHook, results_report
from mmaction_charades.evaluation.metrics import (CharadesMAP,
                                                  MultilabelAccuracy,
                                                  MultilabelBCELoss,
                                                  TopKMultilabelAccuracy)

# Two videos, three classes. Threshold 0.3 predicts exactly the true sets;
# 0.5 misses class 1 of the second video. The top-2 set of the first video
# is {0, 1} for the true {0}; that of the second is its true set. Every
# class's positive scores above its negative: every AP is 1.
SCORES = torch.tensor([[0.9, 0.15, 0.1], [0.2, 0.35, 0.8]])
TARGETS = torch.tensor([[1, 0, 0], [0, 1, 1]])
CLASSES = ('walk', 'sit', 'eat')


class _Logger:

    def __init__(self):
        self.lines = []

    def info(self, message):
        self.lines.append(('info', message))

    def error(self, message):
        self.lines.append(('error', message))


def _run_hook(metrics, work_dir, loss=None, protocol='spec_clips'):
    """Evaluate ``metrics`` on the two videos, then run the hook on a runner
    whose test evaluator holds them (and ``loss``, a MultilabelBCELoss given
    a value of 0.6931 instead of being evaluated) and whose test dataset's
    metainfo names ``protocol``."""
    evaluator = Evaluator(metrics)
    evaluator.dataset_meta = dict(classes=CLASSES)
    evaluator.process([
        ActionDataSample().set_gt_label(t).set_pred_score(s)
        for s, t in zip(SCORES, TARGETS)
    ])
    results = evaluator.evaluate(len(SCORES))
    if loss is not None:
        evaluator.metrics.append(loss)
        results[f'{loss.prefix}/{loss.loss_name}'
                if loss.prefix else loss.loss_name] = 0.6931
    dataset = SimpleNamespace(metainfo=dict(classes=CLASSES,
                                            protocol=protocol))
    runner = SimpleNamespace(
        test_loop=SimpleNamespace(
            evaluator=evaluator,
            dataloader=SimpleNamespace(dataset=dataset)),
        work_dir=str(work_dir), logger=_Logger())
    ResultsReportHook().after_test_epoch(runner, results)
    return runner.logger.lines, results


def _table(text):
    """{row label: cells} of the markdown table in ``text``, without the
    header rule."""
    rows = [[c.strip() for c in line.strip('|').split('|')]
            for line in text.splitlines() if line.startswith('| ')]
    return {row[0]: row[1:] for row in rows if set(row[0]) != {'-'}}


def test_table_shows_the_configured_threshold(tmp_path):
    lines, results = _run_hook([
        CharadesMAP(),
        TopKMultilabelAccuracy(k=2),
        MultilabelAccuracy(threshold=0.3)
    ], tmp_path, loss=MultilabelBCELoss(loss_name='test_loss'))
    (level, text), (_, written) = lines
    assert level == 'info'
    assert 'Threshold (0.5)' not in text
    table = _table(text)
    assert table['Prediction'] == ['exact_match', 'hamming', 'overlap',
                                   'contain', 'belong']
    assert table['Top-2'] == ['0.5000', '0.8333', '1.0000', '1.0000',
                              '0.5000']
    assert table['Threshold (0.3)'] == ['1.0000'] * 5
    assert list(table) == ['Prediction', 'Top-2', 'Threshold (0.3)']
    assert text.startswith('Test results (protocol spec_clips):\n')
    assert text.endswith('\n\ntest_loss: 0.6931\nmAP: 1.0000\nWAP: 1.0000')
    assert written == (f'results written to {tmp_path}/results.json and '
                       f'{tmp_path}/results.md')
    assert not any(key.startswith('AP/') for key in results)
    assert json.loads((tmp_path / 'results.json').read_text()) == dict(
        protocol='spec_clips', **results, **{'AP/walk': 1.0, 'AP/sit': 1.0,
                                             'AP/eat': 1.0})
    markdown = (tmp_path / 'results.md').read_text()
    assert markdown.startswith('Protocol: spec_clips\n\n' +
                               text.split('\n', 1)[1] + '\n\n')
    assert _table(markdown.split('Per-class average precision:')[1]) == {
        'Class': ['AP'], 'walk': ['1.0000'],
        'sit': ['1.0000'], 'eat': ['1.0000']}


def test_prefixes_are_respected_and_missing_map_is_an_error(tmp_path):
    """With prefixes the keys are ``<prefix>/...``; the rows and scalars
    still show, and the missing ``mAP`` is logged with the fix."""
    lines, results = _run_hook([
        CharadesMAP(prefix='clip'),
        TopKMultilabelAccuracy(k=(3, 2), criteria='hamming', prefix='clip'),
        MultilabelAccuracy(threshold=0.5, criteria=('overlap', 'exact_match'))
    ], tmp_path, loss=MultilabelBCELoss(prefix='clip'))
    assert 'clip/top2/hamming' in results and 'mAP' not in results
    (_, text), _, (level, error) = lines
    table = _table(text)
    assert table['Prediction'] == ['exact_match', 'hamming', 'overlap']
    assert table['clip/Top-3'] == ['-', '0.5000', '-']  # all 3 classes
    assert table['clip/Top-2'] == ['-', '0.8333', '-']
    assert table['Threshold (0.5)'] == ['0.5000', '-', '1.0000']
    assert text.endswith('\n\nclip/test_loss: 0.6931\nclip/mAP: 1.0000\n'
                         'clip/WAP: 1.0000')
    assert level == 'error'
    assert error.startswith(
        "the test evaluator reported no `mAP`: keep dict(type='CharadesMAP') "
        'without a prefix in test_evaluator (got [')
    assert '| clip/sit  | 1.0000 |' in (tmp_path / 'results.md').read_text()
    written = json.loads((tmp_path / 'results.json').read_text())
    assert written['clip/AP/sit'] == 1.0


def test_video_protocol_reports_map_and_wap_without_a_table(tmp_path):
    """charades_video's evaluator has no accuracy metric: no table, the
    loss, mAP and WAP lines; a dataset without a protocol writes null."""
    lines, results = _run_hook([CharadesMAP()], tmp_path,
                               loss=MultilabelBCELoss(), protocol=None)
    (_, text), _ = lines
    assert text == ('Test results (protocol None):\ntest_loss: 0.6931\n'
                    'mAP: 1.0000\nWAP: 1.0000')
    assert json.loads((tmp_path / 'results.json').read_text())[
        'protocol'] is None


def test_only_the_main_process_reports(tmp_path, monkeypatch):
    monkeypatch.setattr(results_report, 'is_main_process', lambda: False)
    lines, _ = _run_hook([CharadesMAP()], tmp_path)
    assert lines == [] and list(tmp_path.iterdir()) == []


def test_enabled_by_the_shared_runtime():
    runtime = Path(__file__).parents[3] / 'configs/_base_/default_runtime.py'
    hooks = Config.fromfile(runtime).custom_hooks
    (hook, ) = [h for h in hooks if h['type'] == 'ResultsReportHook']
    assert isinstance(HOOKS.build(hook), ResultsReportHook)
