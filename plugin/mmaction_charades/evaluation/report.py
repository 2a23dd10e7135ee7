"""Test report in the layout of Tables 4.1-4.2 of the specification.

Pure formatting: :class:`~mmaction_charades.engine.hooks.ResultsReportHook`
reads the rows, scalars and per-class APs off the test evaluator's metrics
and this module lays them out. The table has one row per predicted-set rule
(``Top-k``, ``Threshold (t)``) and one column per criterion, the figures of
Tables 4.1-4.2 with rows and columns as our issue tracker asked::

    | Prediction      | exact_match | hamming | overlap | contain | belong |
    |-----------------|-------------|---------|---------|---------|--------|
    | Top-2           | 0.0000      | ...     |         |         |        |
    | Threshold (0.5) | ...         |         |         |         |        |

followed by one ``name: value`` line per scalar (the test loss, then mAP).
"""
import json
import math
import os.path as osp
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

from mmengine.utils import mkdir_or_exist

from .functional import CRITERIA

#: A table row: its label and ``{criterion: value}`` (None: not reported).
Row = Tuple[str, Mapping[str, Optional[float]]]


def _markdown_table(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows)
              for i in range(len(header))]

    def line(cells: List[str]) -> str:
        return '| ' + ' | '.join(
            c.ljust(w) for c, w in zip(cells, widths)) + ' |'

    return '\n'.join([line(header), line(['-' * w for w in widths])] +
                     [line(r) for r in rows])


def _cell(value: Optional[float], digits: int) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def format_results_table(rows: Sequence[Row],
                         scalars: Mapping[str, float],
                         digits: int = 4) -> str:
    """The accuracy table, then one ``name: value`` line per scalar.

    Args:
        rows: Table rows in order; the columns are the criteria of any row,
            in the order of
            :data:`~mmaction_charades.evaluation.functional.CRITERIA`.
        scalars: Lines after the table, in order (e.g. ``test_loss``,
            ``mAP``).
        digits: Decimals printed.

    Returns:
        Markdown text (also readable on a terminal).
    """
    lines = []
    criteria = [c for c in CRITERIA if any(c in values for _, values in rows)]
    if rows:
        cells = [[label] + [_cell(values.get(c), digits) for c in criteria]
                 for label, values in rows]
        lines.append(_markdown_table(['Prediction'] + criteria, cells))
        lines.append('')
    lines += [f'{name}: {value:.{digits}f}' for name, value in scalars.items()]
    return '\n'.join(lines)


def format_results_markdown(rows: Sequence[Row],
                            scalars: Mapping[str, float],
                            class_ap: Mapping[str, float],
                            digits: int = 4,
                            protocol: Optional[str] = None) -> str:
    """``Protocol: <protocol>`` (when given), :func:`format_results_table`,
    then a table of ``class_ap`` (NaN, a class without a positive video, as
    ``n/a``)."""
    parts = [f'Protocol: {protocol}'] if protocol else []
    parts.append(format_results_table(rows, scalars, digits))
    if class_ap:
        cells = [[name, 'n/a' if math.isnan(ap) else f'{ap:.{digits}f}']
                 for name, ap in class_ap.items()]
        parts.append('Per-class average precision:\n\n' +
                     _markdown_table(['Class', 'AP'], cells))
    return '\n\n'.join(parts) + '\n'


def _json_value(value) -> Union[None, str, float]:
    """A JSON-safe value: strings and None as they are, numbers as floats
    (NaN and infinities become null)."""
    if value is None or isinstance(value, str):
        return value
    value = float(value)
    return value if math.isfinite(value) else None


def write_results(work_dir: str, metrics: Mapping[str, Any],
                  markdown: str) -> Tuple[str, str]:
    """Write ``results.json`` (every metric, NaN as null) and ``results.md``.

    Args:
        work_dir: Directory to write into (created if missing).
        metrics: Flat dict of metric values (and strings such as the
            protocol's name).
        markdown: Text of ``results.md``
            (:func:`format_results_markdown`).

    Returns:
        Paths of the JSON and markdown files.
    """
    mkdir_or_exist(work_dir)
    json_path = osp.join(work_dir, 'results.json')
    md_path = osp.join(work_dir, 'results.md')
    with open(json_path, 'w') as f:
        json.dump({k: _json_value(v) for k, v in metrics.items()}, f,
                  indent=2)
    with open(md_path, 'w') as f:
        f.write(markdown)
    return json_path, md_path
