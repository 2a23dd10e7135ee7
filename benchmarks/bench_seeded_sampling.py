"""Cost of per-sample seeding: one training sample with and without it.

    python benchmarks/bench_seeded_sampling.py DATA [--samples 40] [--repeats 3]

Builds the demo's training dataset (``configs/r3d18_mini_charades21.py``) on
the generated mini-Charades in ``DATA`` (``tools/data/make_mini_charades.py``)
and times, interleaved, the median of ``--repeats`` passes over its first
``--samples`` samples loaded

* seeded: with the ``SampleIndex`` that ``SeededSampler`` yields (the
  python, numpy and torch RNGs seeded from ``(seed, epoch, index)`` for the
  sample and restored after);
* plain: with a plain ``int`` index (the global RNGs as they are).

Prints both times and their ratio (seeded / plain).
"""
import argparse
import statistics
import time

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import DATASETS

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets import SampleIndex

CONFIG = 'configs/r3d18_mini_charades21.py'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data', help='generated mini-Charades directory')
    parser.add_argument('--samples', type=int, default=40)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    cfg = Config.fromfile(CONFIG).train_dataloader.dataset
    cfg.update(ann_file=f'{args.data}/Charades_v1_train.csv',
               data_prefix=dict(video=f'{args.data}/videos'))
    init_default_scope('mmaction')
    dataset = DATASETS.build(cfg)
    loaders = dict(
        seeded=lambda i: dataset[SampleIndex(i, 0, 1)],
        plain=lambda i: dataset[i])
    times = {name: [] for name in loaders}
    for _ in range(args.repeats):
        for name, load in loaders.items():
            start = time.perf_counter()
            for i in range(args.samples):
                load(i)
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(t) for name, t in times.items()}
    for name, value in median.items():
        print(f'{name}: {value:.3f} s for {args.samples} samples')
    print(f"ratio seeded / plain: {median['seeded'] / median['plain']:.3f}")


if __name__ == '__main__':
    main()
