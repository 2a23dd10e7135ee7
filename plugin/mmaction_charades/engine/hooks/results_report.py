"""The test report (Tables 4.1-4.2, loss, mAP, WAP, per-class AP) from the
Runner, so every ``tools/test.py`` that builds one gives the same."""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from mmengine.dist import is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmaction.registry import HOOKS

from ...evaluation.metrics import (CharadesLocalizationMAP, CharadesMAP,
                                   MultilabelAccuracy, MultilabelBCELoss,
                                   TopKMultilabelAccuracy)
from ...evaluation.report import (Row, format_results_markdown,
                                  format_results_table, write_results)


def _key(metric: BaseMetric, name: str) -> str:
    """``name`` of ``metric`` as the evaluator reports it (with the prefix,
    as :meth:`BaseMetric.evaluate` adds it)."""
    return f'{metric.prefix}/{name}' if metric.prefix else name


def collect_report(
    metrics: Sequence[BaseMetric], results: Mapping[str, float]
) -> Tuple[List[Row], Dict[str, float], Dict[str, float]]:
    """Table rows, scalars and per-class APs of an evaluator's results.

    The structure comes from the metric objects: the k values of each
    :class:`TopKMultilabelAccuracy`, the configured threshold of each
    :class:`MultilabelAccuracy`, the ``loss_name`` of each
    :class:`MultilabelBCELoss`, the per-class APs each :class:`CharadesMAP`
    keeps (:attr:`CharadesMAP.class_ap`, not in ``results``), the per-frame
    mAP and WAP of each :class:`CharadesLocalizationMAP`, and the
    ``prefix`` of every one; ``results`` gives the values. The row label of
    a metric with a prefix starts with ``'<prefix>/'``.

    Args:
        metrics: The evaluator's metrics (``evaluator.metrics``).
        results: What ``evaluator.evaluate`` returned.

    Returns:
        ``(rows, scalars, class_ap)``: rows for
        :func:`~mmaction_charades.evaluation.report.format_results_table`,
        ``{key: value}`` of the losses then the mAPs and WAPs, and
        ``{class: AP}``.
    """
    rows: List[Row] = []
    losses: List[str] = []
    maps: List[str] = []
    class_ap: Dict[str, float] = {}
    for metric in metrics:
        if isinstance(metric, (TopKMultilabelAccuracy, MultilabelAccuracy)):
            for label, names in metric.table_rows():
                rows.append((_key(metric, label), {
                    criterion: results.get(_key(metric, name))
                    for criterion, name in names.items()
                }))
        elif isinstance(metric, MultilabelBCELoss):
            losses.append(_key(metric, metric.loss_name))
        elif isinstance(metric, CharadesMAP):
            maps += [_key(metric, metric.mean_name),
                     _key(metric, metric.weighted_name)]
            class_ap.update({_key(metric, name): ap
                             for name, ap in metric.class_ap.items()})
        elif isinstance(metric, CharadesLocalizationMAP):
            maps += [_key(metric, 'mAP'), _key(metric, 'WAP')]
    scalars = {key: results[key] for key in losses + maps if key in results}
    return rows, scalars, class_ap


def class_ap_results(metrics: Sequence[BaseMetric]) -> Dict[str, float]:
    """``{'[<prefix>/]AP/<class>': AP}`` of every :class:`CharadesMAP` of
    ``metrics``, for ``results.json``."""
    return {
        _key(metric, f'AP/{name}'): ap
        for metric in metrics if isinstance(metric, CharadesMAP)
        for name, ap in metric.class_ap.items()
    }


def protocol_of(runner) -> Optional[str]:
    """``metainfo['protocol']`` of the runner's test dataset, or None."""
    dataloader = getattr(runner.test_loop, 'dataloader', None)
    metainfo = getattr(getattr(dataloader, 'dataset', None), 'metainfo', None)
    return (metainfo or {}).get('protocol')


@HOOKS.register_module()
class ResultsReportHook(Hook):
    """After testing, logs the table of the specification's Tables 4.1-4.2
    (rows ``Top-k`` and ``Threshold (t)``, columns the five criteria; none
    when the evaluator has no accuracy metric) with ``test_loss``, ``mAP``
    and ``WAP``, and writes ``WORK_DIR/results.json`` (the test protocol,
    every metric and every ``AP/<class>``, NaN as null) and ``results.md``
    (the same text and the per-class AP table).

    The protocol is the test dataset's ``metainfo['protocol']`` (set by the
    ``test_protocols`` of ``configs/_base_/datasets/``), None without one.

    It reads the structure from ``runner.test_loop.evaluator.metrics`` (see
    :func:`collect_report`), so it needs no tool of its own: MMAction2's
    ``tools/test.py`` and ours print and write the same. The table goes
    through ``runner.logger``, i.e. to stdout and the log file. On the main
    process only. If no metric reported ``mAP`` it logs an error saying how
    to fix the config.

    Args:
        digits: Decimals printed. Defaults to 4.
    """

    priority = 'LOW'  # after LoggerHook's ('BELOW_NORMAL') metrics line

    def __init__(self, digits: int = 4) -> None:
        self.digits = digits

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        if not is_main_process():
            return
        metrics = metrics or {}
        rows, scalars, class_ap = collect_report(
            runner.test_loop.evaluator.metrics, metrics)
        protocol = protocol_of(runner)
        runner.logger.info(
            f'Test results (protocol {protocol}):\n' +
            format_results_table(rows, scalars, self.digits))
        json_path, md_path = write_results(
            runner.work_dir,
            dict(protocol=protocol, **metrics, **class_ap_results(
                runner.test_loop.evaluator.metrics)),
            format_results_markdown(rows, scalars, class_ap, self.digits,
                                    protocol))
        runner.logger.info(f'results written to {json_path} and {md_path}')
        if 'mAP' not in metrics:
            runner.logger.error(
                'the test evaluator reported no `mAP`: keep '
                "dict(type='CharadesMAP') without a prefix in test_evaluator "
                f'(got {sorted(metrics)})')
