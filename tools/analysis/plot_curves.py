"""Plot loss and mAP per epoch and per-class AP from a work dir.

Reads ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (the newest run, or
``--run``) and ``WORK_DIR/results.json`` (or ``--results``) and writes
``loss_curve.png``, ``map_curve.png`` and ``per_class_ap.png`` to WORK_DIR
(or ``--out``). Example::

    python tools/analysis/plot_curves.py work_dirs/demo
"""
import argparse
import sys

from mmaction_charades.utils.curves import plot_work_dir


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
