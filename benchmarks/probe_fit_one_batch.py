"""Fit ONE training batch of generated mini-Charades clips per mini config.

    PYTHONPATH=plugin python benchmarks/probe_fit_one_batch.py \
        --data /tmp/mini_charades [--configs r3d18 tubevit] [--steps 100] \
        [--report 25 50 100] [--lr 1e-3] [--seed 0] [--batch-size 16]

A model that cannot fit 16 clips it sees over and over has a defect that no
amount of data fixes. For each ``configs/*_mini_charades21.py`` (or the
ones named by ``--configs``, matched as substrings) the probe builds the
model from the config (``MODELS.build`` after ``import mmaction_charades``),
decodes one fixed batch through the config's own train pipeline and collate
function, and trains on it with AdamW (``--lr``, weight decay 0, no schedule,
no gradient clipping) and the unweighted BCE (``PosWeightBCELoss(pos_weight=
None)``). At each ``--report`` step it prints the training loss and the batch
mAP: scikit-learn's ``average_precision_score`` of the eval-mode scores per
class with a positive in the batch, averaged.

The data (``--data``) is generated on first use with
:func:`mmaction_charades.testing.make_mini_charades` (40 videos, 128x96,
``--data-seed``) and reused afterwards.
"""
import argparse
import copy
import glob
import os.path as osp
import time
from typing import Dict, List, Sequence

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='data/probe_mini_charades',
                        help='mini-Charades folder (generated if missing)')
    parser.add_argument('--data-seed', type=int, default=0)
    parser.add_argument('--configs', nargs='*', default=None,
                        help='substrings of mini config names (default all)')
    parser.add_argument('--steps', type=int, default=100)
    parser.add_argument('--report', type=int, nargs='*',
                        default=[25, 50, 100, 300])
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--threads', type=int, default=1)
    return parser.parse_args()


def ensure_data(path: str, seed: int) -> None:
    if osp.isfile(osp.join(path, 'Charades_v1_train.csv')):
        return
    from mmaction_charades.testing import make_mini_charades
    make_mini_charades(path, num_videos=40, num_test=4, seed=seed,
                       workers=1)


def mini_configs(patterns: Sequence[str] = None) -> List[str]:
    paths = sorted(glob.glob(osp.join(REPO, 'configs',
                                      '*_mini_charades21.py')))
    if patterns:
        paths = [p for p in paths
                 if any(s in osp.basename(p) for s in patterns)]
    return paths


def load_cfg(path: str, data: str):
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    dataset = cfg.train_dataloader.dataset
    dataset.ann_file = osp.join(data, 'Charades_v1_train.csv')
    dataset.data_prefix = dict(video=osp.join(data, 'videos'))
    cfg.model.cls_head.loss_cls = dict(type='PosWeightBCELoss',
                                       pos_weight=None)
    return cfg


def fixed_batch(cfg, batch_size: int) -> dict:
    """The first ``batch_size`` videos of the train set, through the train
    pipeline and the config's collate function; the clip sampler is seeded
    by the global seed, so the batch is fixed."""
    from mmaction.registry import DATASETS
    from mmengine.registry import FUNCTIONS
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    items = [dataset[i] for i in range(min(batch_size, len(dataset)))]
    collate = copy.deepcopy(
        cfg.train_dataloader.get('collate_fn', dict(type='pseudo_collate')))
    fn = FUNCTIONS.get(collate.pop('type'))
    return fn(items, **collate)


def probe(path: str, args: argparse.Namespace) -> Dict[int, tuple]:
    from mmengine.runner import set_random_seed

    from mmaction.registry import MODELS
    from mmaction_charades.testing.fit_probe import fit_one_batch
    cfg = load_cfg(path, args.data)
    set_random_seed(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    batch = fixed_batch(cfg, args.batch_size)
    return fit_one_batch(model, batch, args.steps, args.report,
                         lr=args.lr)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    import mmaction_charades  # noqa: F401  registers the plugin
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine', log_level='WARNING')
    ensure_data(args.data, args.data_seed)
    steps = sorted(s for s in set(args.report) | {args.steps}
                   if s <= args.steps)
    print(f'| config | batch mAP at step {" / ".join(map(str, steps))} | '
          f'loss at step {" / ".join(map(str, steps))} | s |')
    print('|---|---|---|---|')
    for path in mini_configs(args.configs):
        start = time.perf_counter()
        rows = probe(path, args)
        maps = ' / '.join(f'{rows[s][0]:.2f}' for s in steps)
        losses = ' / '.join(f'{rows[s][1]:.3f}' for s in steps)
        print(f'| `{osp.basename(path)}` | {maps} | {losses} | '
              f'{time.perf_counter() - start:.0f} |', flush=True)


if __name__ == '__main__':
    main()
