# Adapted from MMAction2 (https://github.com/open-mmlab/mmaction2),
# tools/test.py, Copyright (c) OpenMMLab. Licensed under the Apache
# License 2.0 (http://www.apache.org/licenses/LICENSE-2.0); changed
# for this project.
"""Test a checkpoint: MMAction2's ``tools/test.py`` command line.

    python tools/test.py CONFIG CHECKPOINT [--protocol NAME]
        [--work-dir DIR] [--dump preds.pkl] [--partial-load]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]

Beyond MMAction2's tool, it checks the command line and the checkpoint
before the Runner is built and adds ``--protocol``, ``--dump`` to JSON and
``--partial-load``. ``--protocol NAME`` merges the config's
``test_protocols[NAME]`` before ``--cfg-options``: ``charades_video`` (the
configs' default: clips over the whole video, video labels, official mAP and
WAP), ``spec_clips`` (the specification's 4 stride clips, clip labels,
its accuracy table) or ``charades_localize`` (``Charades_v1_localize.m``:
25 points per video, per-frame official mAP and WAP; clip models only).
The config's ``ResultsReportHook``
(``configs/_base_/default_runtime.py``) prints the specification's table
(top-K and threshold accuracies under the five criteria, where the
evaluator has them), the test loss, mAP and WAP, and writes
``WORK_DIR/results.json`` and ``results.md``, as it does
under MMAction2's own ``tools/test.py``. This tool then exits with an error if
the evaluator reported no ``mAP``, and otherwise ends with ``mAP: <value>``.
"""
import argparse
import logging

from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmaction_charades  # noqa: F401  (shims and registration)
from mmaction.registry import RUNNERS
from mmaction_charades.utils.cli import (ArgumentParser, CfgOptionsAction,
                                         UserError, allow_partial_load,
                                         check_checkpoint, load_config,
                                         run_cli)


def parse_args() -> argparse.Namespace:
    parser = ArgumentParser(description='Test a video recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--protocol',
        help='test protocol defined by the config\'s test_protocols: '
        'spec_clips or charades_localize in the shipped configs (default: '
        'the config\'s test_dataloader, charades_video)')
    parser.add_argument('--work-dir',
                        help='directory for the logs and the results files')
    parser.add_argument('--dump', type=str,
                        help='dump predictions to this file: .pkl (pickle) '
                        'or .json (safe to share)')
    parser.add_argument(
        '--partial-load', action='store_true',
        help='load a checkpoint whose keys or shapes do not all match the '
        'model (by default it is refused)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override config entries, e.g. test_dataloader.batch_size=2')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args()


def add_dump(cfg, path: str):
    """Add a dump of every sample's prediction: a pickle (``.pkl``, as
    MMAction2's ``--dump``) or JSON (``.json``, safe to share)."""
    if path.endswith(('.pkl', '.pickle')):
        dump = dict(type='DumpResults', out_file_path=path)
    elif path.endswith('.json'):
        dump = dict(type='DumpResultsJSON', out_file_path=path)
    else:
        raise UserError(f'--dump {path!r}: the file must end in .pkl or '
                        '.json')
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    cfg.test_evaluator = [*evaluators, dump]
    return cfg


def add_results_report(cfg):
    """Add ``ResultsReportHook`` when the config's ``custom_hooks`` lack it
    (a config that sets its own list replaces the default runtime's), so
    this tool always prints the table and writes the results files."""
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(getattr(hook.get('type'), '__name__', hook.get('type')) ==
               'ResultsReportHook' for hook in hooks):
        print_log('custom_hooks has no ResultsReportHook; tools/test.py adds '
                  'it (MMAction2\'s own tools/test.py would write no '
                  'results files with this config)', logger='current',
                  level=logging.WARNING)
        cfg.custom_hooks = [*hooks, dict(type='ResultsReportHook')]
    return cfg


@run_cli
def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher, args.protocol)
    check_checkpoint(args.checkpoint)
    if args.dump is not None:
        cfg = add_dump(cfg, args.dump)
    if args.partial_load:
        cfg = allow_partial_load(cfg)
    cfg = add_results_report(cfg)
    cfg.load_from = args.checkpoint
    runner = (Runner.from_cfg(cfg)
              if 'runner_type' not in cfg else RUNNERS.build(cfg))
    metrics = runner.test()
    if not is_main_process():
        return
    if 'mAP' not in metrics:
        raise UserError('the test evaluator reported no `mAP`: keep '
                        "dict(type='CharadesMAP') without a prefix in "
                        f'test_evaluator (got {sorted(metrics)})')
    if 'WAP' in metrics:
        print(f"WAP: {metrics['WAP']:.4f}")
    print(f"mAP: {metrics['mAP']:.4f}")


if __name__ == '__main__':
    main()
