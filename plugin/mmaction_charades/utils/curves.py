"""Per-epoch training curves and per-class AP read from MMEngine work dirs.

Data only: the charts are drawn by ``tools/analysis/plot_curves.py``.

MMEngine's ``LocalVisBackend`` appends one JSON object per line to
``WORK_DIR/<timestamp>/vis_data/scalars.json``:

* training lines (``LoggerHook.after_train_iter``, every ``interval``
  iterations and, with ``ignore_last=False``, at the last iteration of each
  epoch) hold the ``LogProcessor`` tag: ``loss`` (the mean over the
  processor's window), ``lr``, ``time``, ``data_time``, the 1-based ``epoch``,
  the global ``iter`` and ``step`` (= ``iter``), and the ``custom_cfg``
  entries. Our ``configs/_base_/default_runtime.py`` adds
  :data:`EPOCH_LOSS`: ``LogProcessor(custom_cfg=[dict(data_src='loss',
  log_name='epoch_loss', method_name='mean', window_size='epoch')])``, the
  mean of the epoch's iteration losses so far, so on the epoch's last line it
  is the epoch's mean loss (the specification's Figure 3.1, Section 3.3).
  With ``log_with_hierarchy=True`` (as in ``default_runtime.py``) the
  scalars are prefixed ``train/``;
* validation lines (``LoggerHook.after_val_epoch``) hold the metrics, such as
  ``mAP`` or a prefixed ``<prefix>/mAP``, ``time``, ``data_time`` and
  ``step`` (= the epoch when ``log_metric_by_epoch``, MMEngine's default),
  all prefixed ``val/`` with ``log_with_hierarchy=True``. They have no
  ``iter`` key.

Logs of either kind are read: a key is matched by its last ``/`` segment and
a line is training or validation by its ``iter`` key, not by its names.

:func:`epoch_curves` takes each epoch's last logged values; it computes no
means itself.
"""
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Union

PathLike = Union[str, Path]

#: ``log_name`` of the per-epoch mean training loss that the
#: ``LogProcessor`` of ``configs/_base_/default_runtime.py`` logs.
EPOCH_LOSS = 'epoch_loss'
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


def epoch_curves(records: list) -> EpochCurves:
    """Reduce ``scalars.json`` records to per-epoch loss and mAP series.

    The training loss of an epoch is :data:`EPOCH_LOSS` on its last training
    line, which the ``LogProcessor`` averaged over the epoch's iterations;
    the training mAP is the running mAP of ``TrainMultilabelMetricsHook`` on
    that line. Validation values are taken per ``step`` (the epoch); a
    repeated epoch keeps its last line.

    Accepted keys, optionally prefixed (``train/``, ``<prefix>/``): the
    training loss :data:`EPOCH_LOSS`; a validation loss ``loss``,
    ``val_loss``, ``val_bce`` or ``test_loss``; mAP ``mAP`` or a key ending
    in ``/mAP`` or ``_mAP``.
    """
    curves = EpochCurves()
    for record in records:
        if 'iter' in record:
            if 'epoch' not in record:
                raise ValueError('training line without `epoch`: only '
                                 'epoch-based training logs are supported')
            epoch = int(record['epoch'])
            loss, mean_ap = _find(record, (EPOCH_LOSS, )), _find_map(record)
            if loss is not None:
                curves.train_loss[epoch] = loss
            if mean_ap is not None:
                curves.train_map[epoch] = mean_ap
        elif 'step' in record:
            epoch = int(record['step'])
            loss, mean_ap = _find(record, LOSS_NAMES), _find_map(record)
            if loss is not None:
                curves.val_loss[epoch] = loss
            if mean_ap is not None:
                curves.val_map[epoch] = mean_ap
    for name in ('train_loss', 'train_map', 'val_loss', 'val_map'):
        setattr(curves, name, dict(sorted(getattr(curves, name).items())))
    return curves


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


@dataclass
class WorkDirCurves:
    """What ``tools/analysis/plot_curves.py`` draws from a work dir.

    Attributes:
        scalars_file: The ``scalars.json`` read.
        curves: Its per-epoch series.
        results_file: The results JSON read, or None.
        class_ap: Class name -> AP (None without positives); empty without
            a results file.
        mean_ap: The results' ``mAP``, or None.
    """
    scalars_file: Path
    curves: EpochCurves
    results_file: Optional[Path] = None
    class_ap: dict = field(default_factory=dict)
    mean_ap: Optional[float] = None


def load_work_dir(work_dir: PathLike,
                  run: Optional[str] = None,
                  results_file: Optional[PathLike] = None) -> WorkDirCurves:
    """Read the curves and per-class AP of a training work dir.

    Args:
        work_dir: The training work dir holding ``<timestamp>/vis_data``.
        run: The timestamp folder to read; the newest by default.
        results_file: Results JSON with per-class AP; by default
            ``work_dir/results.json`` when it exists.
    """
    work_dir = Path(work_dir)
    scalars_file = find_scalars_file(work_dir, run)
    curves = epoch_curves(load_scalars(scalars_file))
    if not curves.train_loss:
        raise ValueError(
            f'{scalars_file}: no training `{EPOCH_LOSS}` lines (log it with '
            f"log_processor=dict(custom_cfg=[dict(data_src='loss', "
            f"log_name='{EPOCH_LOSS}', method_name='mean', "
            "window_size='epoch')]), as configs/_base_/default_runtime.py "
            'does)')
    loaded = WorkDirCurves(scalars_file, curves)
    if results_file is None and (work_dir / 'results.json').is_file():
        results_file = work_dir / 'results.json'
    if results_file is None:
        return loaded
    results = load_results(results_file)
    loaded.results_file = Path(results_file)
    loaded.class_ap = per_class_ap_from_results(results)
    if not loaded.class_ap:
        raise ValueError(f'{results_file}: no per-class AP (expected keys '
                         '`AP/<class name>` or a `per_class_AP` dict)')
    loaded.mean_ap = _find(results, ('mAP', ))
    return loaded
