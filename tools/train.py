# Adapted from MMAction2 (https://github.com/open-mmlab/mmaction2),
# tools/train.py, Copyright (c) OpenMMLab. Licensed under the Apache
# License 2.0 (http://www.apache.org/licenses/LICENSE-2.0); changed
# for this project.
"""Train a recognizer: MMAction2's ``tools/train.py`` command line.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT|auto]]
        [--amp] [--auto-scale-lr] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm|mpi] [--seed N]
"""
import argparse

from mmengine.runner import Runner

import mmaction_charades  # noqa: F401  (shims, registration, checkpoint guard)
from mmaction.registry import RUNNERS
from mmaction_charades.utils.cli import (ArgumentParser, CfgOptionsAction,
                                         UserError, allow_partial_load,
                                         check_amp, check_checkpoint,
                                         load_config, lock_work_dir, run_cli,
                                         seed)


def parse_args() -> argparse.Namespace:
    parser = ArgumentParser(description='Train a video recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or with no value (or "auto") from the latest '
        'checkpoint in the work directory')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual total batch size over '
        'auto_scale_lr.base_batch_size')
    parser.add_argument('--seed', type=seed, default=None,
                        help='random seed, 0 to 2**32 - 1')
    parser.add_argument('--diff-rank-seed', action='store_true',
                        help='a different seed on every rank')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic CUDNN algorithms')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override config entries, e.g. train_cfg.max_epochs=2')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument(
        '--partial-load', action='store_true',
        help='fine-tune from a load_from checkpoint whose keys or shapes do '
        'not all match the model, e.g. another head (by default refused)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args()


def merge_args(cfg, args):
    """Apply the command-line switches to the config."""
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise UserError(f'--amp does not support optim_wrapper {wrapper}: '
                            'expected OptimWrapper or AmpOptimWrapper')
        check_amp()
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        check_checkpoint(args.resume)
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    randomness = dict(cfg.get('randomness') or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    randomness.setdefault('seed', None)
    cfg.randomness = randomness
    return cfg


@run_cli
def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    cfg = merge_args(cfg, args)
    if cfg.get('load_from') and not cfg.get('resume'):
        check_checkpoint(cfg.load_from)
    if args.partial_load:
        cfg = allow_partial_load(cfg)
    lock_work_dir(cfg)
    runner = (Runner.from_cfg(cfg)
              if 'runner_type' not in cfg else RUNNERS.build(cfg))
    runner.train()


if __name__ == '__main__':
    main()
