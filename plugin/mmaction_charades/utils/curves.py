"""Training curves and per-class AP charts from MMEngine work directories.

MMEngine's ``LocalVisBackend`` appends one JSON object per line to
``WORK_DIR/<timestamp>/vis_data/scalars.json``:

* training lines (``LoggerHook.after_train_iter``, every ``interval``
  iterations and at the end of each epoch) hold the ``LogProcessor`` tag:
  ``loss`` and the other losses, ``lr``, ``time``, ``data_time``, the 1-based
  ``epoch``, the global ``iter`` and ``step`` (= ``iter``); with
  ``log_with_hierarchy=True`` the scalars are prefixed ``train/``. Each logged
  loss is already the mean over the ``LogProcessor`` window (10 iterations by
  default);
* validation lines (``LoggerHook.after_val_epoch``) hold the metrics, such as
  ``mAP`` or a prefixed ``<prefix>/mAP``, ``time``, ``data_time`` and
  ``step`` (= the epoch when ``log_metric_by_epoch``, MMEngine's default). They
  have no ``iter`` key.

:func:`epoch_curves` reduces these lines to per-epoch series, the
specification's Figure 3.1 (Section 3.3: the loss of an epoch is the mean of
its iteration losses).
"""
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Mapping, Optional, Union

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

PathLike = Union[str, Path]

LOSS_NAMES = ('loss', 'val_loss', 'val_bce', 'test_loss')
CLASS_AP_KEY = re.compile(r'(?:^|/)AP/(.+)$')
CLASS_AP_DICTS = ('per_class_ap', 'ap')


@dataclass
class EpochCurves:
    """Per-epoch series, each a dict ``{epoch: value}`` sorted by epoch."""

    train_loss: dict = field(default_factory=dict)
    val_loss: dict = field(default_factory=dict)
    train_map: dict = field(default_factory=dict)
    val_map: dict = field(default_factory=dict)


def find_scalars_file(work_dir: PathLike, run: Optional[str] = None) -> Path:
    """``WORK_DIR/<run>/vis_data/scalars.json``, by default the newest run.

    Runs are MMEngine's ``%Y%m%d_%H%M%S`` timestamp folders, so the newest
    is the last by name among those that hold a ``scalars.json`` (test-only
    runs write none).
    """
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        raise FileNotFoundError(f'{work_dir}: no such work dir')
    if run is not None:
        path = work_dir / run / 'vis_data' / 'scalars.json'
        if not path.is_file():
            raise FileNotFoundError(f'{path}: no such file (run {run!r})')
        return path
    found = sorted(work_dir.glob('*/vis_data/scalars.json'),
                   key=lambda p: p.parts[-3])
    if not found:
        raise FileNotFoundError(
            f'no scalars.json under {work_dir} (expected '
            '<timestamp>/vis_data/scalars.json from LocalVisBackend)')
    return found[-1]


def load_scalars(path: PathLike) -> list:
    """The JSON objects of a ``scalars.json``, one per non-empty line."""
    path = Path(path)
    records = []
    with path.open() as f:
        for line_num, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f'{path} line {line_num}: malformed JSON ({exc.msg})'
                ) from None
            if not isinstance(record, dict):
                raise ValueError(f'{path} line {line_num}: expected a JSON '
                                 f'object, got {type(record).__name__}')
            records.append(record)
    return records


def _last_segment(key: str) -> str:
    return key.rsplit('/', 1)[-1]


def _find(record: Mapping, names: tuple) -> Optional[float]:
    """Value of the first key whose last ``/`` segment is in ``names``."""
    for name in names:
        for key, value in record.items():
            if key.startswith('train/') and 'iter' not in record:
                continue  # a training scalar written outside LogProcessor
            if _last_segment(key) == name and isinstance(value, (int, float)):
                return float(value)
    return None


def _is_map_key(key: str) -> bool:
    last = _last_segment(key)
    return last == 'mAP' or last.endswith('_mAP')


def _find_map(record: Mapping) -> Optional[float]:
    exact = _find(record, ('mAP', ))
    if exact is not None:
        return exact
    keys = sorted(k for k in record if _is_map_key(k)
                  and not (k.startswith('train/') and 'iter' not in record))
    return float(record[keys[0]]) if keys else None


def _weighted_epoch_means(samples: list) -> dict:
    """Per-epoch means of ``(epoch, iter, value)`` samples.

    Each value weighs the number of iterations since the previous line, the
    iterations its ``LogProcessor`` window averaged; the first line of a log
    that starts mid-training (a resumed run) weighs the typical gap.
    """
    if not samples:
        return {}
    gaps, previous = [], None
    for epoch, it, _ in samples:
        if previous is None:
            gaps.append(it if epoch == 1 else None)
        else:
            gaps.append(max(it - previous, 1))
        previous = it
    known = [g for g in gaps if g is not None]
    typical = median(known) if known else 1
    totals, weights = {}, {}
    for (epoch, _, value), gap in zip(samples, gaps):
        weight = typical if gap is None else gap
        totals[epoch] = totals.get(epoch, 0.0) + weight * value
        weights[epoch] = weights.get(epoch, 0) + weight
    return {e: totals[e] / weights[e] for e in sorted(totals)}


def epoch_curves(records: list) -> EpochCurves:
    """Reduce ``scalars.json`` records to per-epoch loss and mAP series.

    Training values are averaged per epoch, each logged value weighted by the
    iterations it covers (see :func:`_weighted_epoch_means`); with
    ``LoggerHook(interval=n)`` and a ``LogProcessor`` window of ``n`` this is
    the mean iteration loss of the epoch, up to its last partial window.
    Validation values are taken per ``step`` (the epoch); a repeated epoch
    keeps its last line.

    Accepted keys: the loss is ``loss`` (also ``train/loss``); a validation
    loss is ``loss``, ``val_loss``, ``val_bce`` or ``test_loss``, optionally
    prefixed; mAP is ``mAP`` or a key ending in ``/mAP`` or ``_mAP``.
    """
    train_loss, train_map = [], []
    curves = EpochCurves()
    for record in records:
        if 'iter' in record:
            if 'epoch' not in record:
                raise ValueError('training line without `epoch`: only '
                                 'epoch-based training logs are supported')
            epoch, it = int(record['epoch']), int(record['iter'])
            loss, mean_ap = _find(record, ('loss', )), _find_map(record)
            if loss is not None:
                train_loss.append((epoch, it, loss))
            if mean_ap is not None:
                train_map.append((epoch, it, mean_ap))
        elif 'step' in record:
            epoch = int(record['step'])
            loss, mean_ap = _find(record, LOSS_NAMES), _find_map(record)
            if loss is not None:
                curves.val_loss[epoch] = loss
            if mean_ap is not None:
                curves.val_map[epoch] = mean_ap
    curves.train_loss = _weighted_epoch_means(train_loss)
    curves.train_map = _weighted_epoch_means(train_map)
    curves.val_loss = dict(sorted(curves.val_loss.items()))
    curves.val_map = dict(sorted(curves.val_map.items()))
    return curves


def _plot_series(series: dict, ylabel: str, title: str,
                 out_file: PathLike) -> Path:
    """Line plot of named ``{epoch: value}`` series, saved as PNG."""
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for label, values in series.items():
        if values:
            ax.plot(list(values), list(values.values()), marker='o',
                    label=label)
    ax.set_xlabel('epoch')
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_file, format='png')
    plt.close(fig)
    return Path(out_file)


def plot_loss_curve(curves: EpochCurves, out_file: PathLike) -> Path:
    """Train (and validation, if logged) loss per epoch (Figure 3.1)."""
    if not curves.train_loss and not curves.val_loss:
        raise ValueError('no loss values to plot')
    return _plot_series(
        {
            'train (mean over the epoch)': curves.train_loss,
            'validation': curves.val_loss
        }, 'loss', 'Loss per epoch', out_file)


def plot_map_curve(curves: EpochCurves, out_file: PathLike) -> Path:
    """Validation (and running training, if logged) mAP per epoch."""
    if not curves.train_map and not curves.val_map:
        raise ValueError('no mAP values to plot')
    return _plot_series(
        {
            'train (running, mean over the epoch)': curves.train_map,
            'validation': curves.val_map
        }, 'mAP', 'mAP per epoch', out_file)


def _number_or_none(value, where: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f'{where}: expected a number or null, got {value!r}')
    return None if math.isnan(value) else float(value)


def per_class_ap_from_results(results: Mapping) -> dict:
    """Class name -> AP found in a results dict (as loaded from JSON).

    Accepted, at any nesting depth: keys ``AP/<class name>`` (optionally
    prefixed, e.g. ``charades/AP/<class name>``; class names may contain
    ``/``), or a dict of class name -> AP under a key ``per_class_AP`` or
    ``AP`` (case-insensitive, optionally prefixed). ``null`` or NaN APs
    (classes without positives, which the Charades mAP skips) map to None.
    """
    found = {}

    def visit(node: Mapping, path: str) -> None:
        for key, value in node.items():
            where = f'{path}{key}'
            match = CLASS_AP_KEY.search(key)
            if match and not isinstance(value, Mapping):
                found[match.group(1)] = _number_or_none(value, where)
            elif isinstance(value, Mapping):
                if _last_segment(key).lower() in CLASS_AP_DICTS:
                    for name, ap in value.items():
                        found[str(name)] = _number_or_none(
                            ap, f'{where}.{name}')
                else:
                    visit(value, f'{where}.')

    visit(results, '')
    return found


def load_results(path: PathLike) -> dict:
    """A results JSON object, e.g. ``WORK_DIR/results.json``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such results file')
    try:
        results = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f'{path} line {exc.lineno}: malformed JSON '
                         f'({exc.msg})') from None
    if not isinstance(results, dict):
        raise ValueError(f'{path}: expected a JSON object')
    return results


def plot_per_class_ap(class_ap: Mapping[str, Optional[float]],
                      out_file: PathLike,
                      mean_ap: Optional[float] = None) -> Path:
    """Horizontal bar chart of per-class AP, best first.

    Args:
        class_ap: Class name -> AP in [0, 1]; None for a class without
            positives, listed in the title and left out of the bars.
        out_file: PNG path.
        mean_ap: Drawn as a vertical line; by default the mean of the APs.
    """
    scored = {k: v for k, v in class_ap.items() if v is not None}
    if not scored:
        raise ValueError('no per-class AP values to plot')
    if mean_ap is None:
        mean_ap = sum(scored.values()) / len(scored)
    names = sorted(scored, key=lambda k: -scored[k])
    height = 1.5 + 0.2 * len(names)
    fig, ax = plt.subplots(figsize=(8, height), dpi=100)
    ax.barh(range(len(names)), [scored[n] for n in names], color='tab:blue')
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_ylim(len(names) - 0.5, -0.5)  # best at the top, no empty band
    ax.axvline(mean_ap, color='tab:red', linestyle='--',
               label=f'mAP = {mean_ap:.3f}')
    ax.set_xlim(0, 1)
    ax.set_xlabel('average precision')
    skipped = len(class_ap) - len(scored)
    title = f'Per-class AP ({len(scored)} classes'
    title += f', {skipped} without positives)' if skipped else ')'
    ax.set_title(title)
    ax.legend(loc='lower right')
    fig.tight_layout()
    fig.savefig(out_file, format='png')
    plt.close(fig)
    return Path(out_file)


def plot_work_dir(work_dir: PathLike,
                  out_dir: Optional[PathLike] = None,
                  run: Optional[str] = None,
                  results_file: Optional[PathLike] = None) -> dict:
    """Write ``loss_curve.png``, ``map_curve.png`` and ``per_class_ap.png``.

    Args:
        work_dir: The training work dir holding ``<timestamp>/vis_data``.
        out_dir: Where the PNGs go; ``work_dir`` by default.
        run: The timestamp folder to read; the newest by default.
        results_file: Results JSON for the per-class chart; by default
            ``work_dir/results.json`` when it exists.

    Returns:
        dict: PNG name -> written path, or -> the reason it was not written.
    """
    work_dir = Path(work_dir)
    scalars_file = find_scalars_file(work_dir, run)
    curves = epoch_curves(load_scalars(scalars_file))
    if not curves.train_loss:
        raise ValueError(f'{scalars_file}: no training `loss` lines')
    out_dir = Path(out_dir) if out_dir is not None else work_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {
        'loss_curve.png': plot_loss_curve(curves, out_dir / 'loss_curve.png')
    }
    if curves.val_map or curves.train_map:
        written['map_curve.png'] = plot_map_curve(curves,
                                                  out_dir / 'map_curve.png')
    else:
        written['map_curve.png'] = f'no mAP values in {scalars_file}'
    if results_file is None and (work_dir / 'results.json').is_file():
        results_file = work_dir / 'results.json'
    if results_file is None:
        written['per_class_ap.png'] = f'no results.json in {work_dir}'
        return written
    results = load_results(results_file)
    class_ap = per_class_ap_from_results(results)
    if not class_ap:
        raise ValueError(f'{results_file}: no per-class AP (expected keys '
                         '`AP/<class name>` or a `per_class_AP` dict)')
    mean_ap = _find(results, ('mAP', ))
    written['per_class_ap.png'] = plot_per_class_ap(
        class_ap, out_dir / 'per_class_ap.png', mean_ap)
    return written
