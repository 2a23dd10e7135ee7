"""Plot loss and mAP per epoch and per-class AP from a work dir.

Reads ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (the newest run, or
``--run``) and ``WORK_DIR/results.json`` (or ``--results``) and writes
``loss_curve.png``, ``map_curve.png`` and ``per_class_ap.png`` to WORK_DIR
(or ``--out``). Example::

    python tools/analysis/plot_curves.py work_dirs/demo

The per-epoch values are those MMEngine logged (see
``mmaction_charades.utils.curves``); this script only draws them, with
matplotlib's ``Figure`` (no pyplot, no backend switch). Needs matplotlib
(the ``plots`` extra: ``pip install 'mmaction-charades[plots]'``).
"""
import argparse
import sys
from pathlib import Path
from typing import Mapping, Optional

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mmaction_charades.utils.curves import EpochCurves, load_work_dir


def plot_series(series: Mapping[str, dict], ylabel: str, title: str,
                out_file: Path) -> Path:
    """Line plot of named ``{epoch: value}`` series, saved as a 600x400 PNG;
    series ``i`` is drawn in colour ``Ci`` even when others are empty."""
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    for i, (label, values) in enumerate(series.items()):
        if values:
            ax.plot(list(values), list(values.values()), marker='o',
                    color=f'C{i}', label=label)
    ax.set_xlabel('epoch')
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_file, format='png')
    return out_file


def plot_loss_curve(curves: EpochCurves, out_file: Path) -> Path:
    """Train (and validation, if logged) loss per epoch (Figure 3.1)."""
    return plot_series(
        {
            'train (mean over the epoch)': curves.train_loss,
            'validation': curves.val_loss
        }, 'loss', 'Loss per epoch', out_file)


def plot_map_curve(curves: EpochCurves, out_file: Path) -> Path:
    """Validation (and running training, if logged) mAP per epoch."""
    return plot_series(
        {
            'train (running, at the end of the epoch)': curves.train_map,
            'validation': curves.val_map
        }, 'mAP', 'mAP per epoch', out_file)


def plot_per_class_ap(class_ap: Mapping[str, Optional[float]],
                      out_file: Path,
                      mean_ap: Optional[float] = None) -> Path:
    """Horizontal bar chart of per-class AP, best first: 800 pixels wide,
    1.5 inches plus 0.2 per scored class high, at 100 dpi.

    Args:
        class_ap: Class name -> AP in [0, 1]; None for a class without
            positives, counted in the title and left out of the bars.
        out_file: PNG path.
        mean_ap: Drawn as a vertical line; by default the mean of the APs.
    """
    scored = {k: v for k, v in class_ap.items() if v is not None}
    if not scored:
        raise ValueError('no per-class AP values to plot')
    if mean_ap is None:
        mean_ap = sum(scored.values()) / len(scored)
    names = sorted(scored, key=lambda k: -scored[k])
    fig = Figure(figsize=(8, 1.5 + 0.2 * len(names)), dpi=100)
    ax = fig.add_subplot()
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
    return out_file


def plot_work_dir(work_dir: str,
                  out_dir: Optional[str] = None,
                  run: Optional[str] = None,
                  results_file: Optional[str] = None) -> dict:
    """Write the three PNGs; returns PNG name -> written path, or -> the
    reason it was not written."""
    loaded = load_work_dir(work_dir, run, results_file)
    curves = loaded.curves
    out = Path(out_dir if out_dir is not None else work_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {
        'loss_curve.png': plot_loss_curve(curves, out / 'loss_curve.png')
    }
    if curves.val_map or curves.train_map:
        written['map_curve.png'] = plot_map_curve(curves,
                                                  out / 'map_curve.png')
    else:
        written['map_curve.png'] = f'no mAP values in {loaded.scalars_file}'
    if loaded.results_file is None:
        written['per_class_ap.png'] = f'no results.json in {work_dir}'
    else:
        written['per_class_ap.png'] = plot_per_class_ap(
            loaded.class_ap, out / 'per_class_ap.png', loaded.mean_ap)
    return written


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir', help='MMEngine work dir of a training')
    parser.add_argument('--out', help='output folder (default: WORK_DIR)')
    parser.add_argument('--run', help='timestamp folder (default: newest)')
    parser.add_argument(
        '--results', help='results JSON with per-class AP '
        '(default: WORK_DIR/results.json when present)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        written = plot_work_dir(args.work_dir, args.out, args.run,
                                args.results)
    except (OSError, ValueError) as exc:
        print(f'plot_curves: error: {exc}', file=sys.stderr)
        return 2
    for name, outcome in written.items():
        print(f'wrote {outcome}' if not isinstance(outcome, str) else
              f'skipped {name}: {outcome}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
