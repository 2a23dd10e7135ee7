"""Test report in the layout of Tables 4.1-4.2 of the specification.

The table has one row per predicted-set rule (``Top-k`` for each k found in
the metrics, then ``Threshold (t)``) and one column per criterion, the
figures of Tables 4.1-4.2 with rows and columns as our issue tracker asked::

    | Prediction      | exact_match | hamming | overlap | contain | belong |
    |-----------------|-------------|---------|---------|---------|--------|
    | Top-2           | 0.0000      | ...     |         |         |        |
    | Threshold (0.5) | ...         |         |         |         |        |

followed by the test loss and, last, the ``mAP: <value>`` line. It reads the
keys written by the metrics of :mod:`mmaction_charades.evaluation.metrics`:
:class:`MultilabelAccuracy` (``threshold/<criterion>``),
:class:`TopKMultilabelAccuracy`
(``top<k>/<criterion>``), :class:`MultilabelBCELoss` (``test_loss``) and
:class:`CharadesMAP` (``mAP``, ``AP/<class>``); missing ones are skipped.
"""
import json
import math
import os.path as osp
import re
from typing import Dict, List, Tuple

from mmengine.utils import mkdir_or_exist

from .functional import CRITERIA

_TOPK_KEY = re.compile(r'^top(\d+)/')


def _rows(metrics: Dict[str, float],
          threshold: float) -> List[Tuple[str, str]]:
    """(label, key prefix) of the table rows present in ``metrics``."""
    ks = sorted({int(m.group(1)) for m in map(_TOPK_KEY.match, metrics) if m})
    rows = [(f'Top-{k}', f'top{k}') for k in ks]
    if any(key.startswith('threshold/') for key in metrics):
        rows.append((f'Threshold ({threshold:g})', 'threshold'))
    return rows


def _markdown_table(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows)
              for i in range(len(header))]

    def line(cells: List[str]) -> str:
        return '| ' + ' | '.join(
            c.ljust(w) for c, w in zip(cells, widths)) + ' |'

    return '\n'.join([line(header), line(['-' * w for w in widths])] +
                     [line(r) for r in rows])


def format_results_table(metrics: Dict[str, float],
                         threshold: float = 0.5,
                         digits: int = 4) -> str:
    """The accuracy table, then ``test_loss: x`` and ``mAP: x`` lines.

    Args:
        metrics: Flat metric dict as returned by the evaluator.
        threshold: The ``MultilabelAccuracy`` threshold, for the header.
        digits: Decimals printed.

    Returns:
        Markdown text (also readable on a terminal); ``mAP`` is its last line
        when present.
    """
    lines = []
    rows = _rows(metrics, threshold)
    criteria = [c for c in CRITERIA
                if any(f'{prefix}/{c}' in metrics for _, prefix in rows)]
    if rows:
        cells = [[label] + [
            _cell(metrics.get(f'{prefix}/{c}'), digits) for c in criteria
        ] for label, prefix in rows]
        lines.append(_markdown_table(['Prediction'] + criteria, cells))
        lines.append('')
    for key in ('test_loss', 'mAP'):
        if key in metrics:
            lines.append(f'{key}: {metrics[key]:.{digits}f}')
    return '\n'.join(lines)


def _cell(value, digits: int) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def _per_class_ap_table(metrics: Dict[str, float], digits: int) -> str:
    rows = [[key[len('AP/'):], _format(value, digits)]
            for key, value in metrics.items() if key.startswith('AP/')]
    return _markdown_table(['Class', 'AP'], rows) if rows else ''


def _format(value: float, digits: int) -> str:
    return 'n/a' if math.isnan(value) else f'{value:.{digits}f}'


def _json_value(value):
    """A JSON-safe float (NaN and infinities become null)."""
    value = float(value)
    return value if math.isfinite(value) else None


def write_results(metrics: Dict[str, float],
                  work_dir: str,
                  threshold: float = 0.5,
                  digits: int = 4) -> Tuple[str, str]:
    """Write ``results.json`` (every metric, NaN as null) and ``results.md``
    (the table, the loss and mAP lines, and the per-class AP table).

    Args:
        metrics: Flat metric dict as returned by the evaluator.
        work_dir: Directory to write into (created if missing).
        threshold: The ``MultilabelAccuracy`` threshold, for the header.
        digits: Decimals in the markdown file.

    Returns:
        Paths of the JSON and markdown files.
    """
    mkdir_or_exist(work_dir)
    json_path = osp.join(work_dir, 'results.json')
    md_path = osp.join(work_dir, 'results.md')
    with open(json_path, 'w') as f:
        json.dump({k: _json_value(v) for k, v in metrics.items()}, f,
                  indent=2)
    parts = [format_results_table(metrics, threshold, digits)]
    per_class = _per_class_ap_table(metrics, digits)
    if per_class:
        parts.append('Per-class average precision:\n\n' + per_class)
    with open(md_path, 'w') as f:
        f.write('\n\n'.join(parts) + '\n')
    return json_path, md_path
