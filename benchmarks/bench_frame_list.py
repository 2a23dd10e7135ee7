"""Reading a PySlowFast Charades frame list: ours vs PySlowFast's own loop.

    python benchmarks/bench_frame_list.py [--lines 700000] [--repeats 3]

Writes a frame list like PySlowFast's Charades ``train.csv`` (``--lines``
lines: videos of 300-1200 frames at 24 fps, each frame labelled with the
actions under way, ``""`` for none) and times, interleaved, the median of
``--repeats`` reads with

* ours: :func:`mmaction_charades.datasets.annotations.load_frame_list`, which
  also checks every field and derives each video's actions and file names;
* PySlowFast's: a re-implementation of ``load_image_lists`` in
  ``slowfast/datasets/utils.py`` from its documented behaviour (split each
  line on white space, require 5 fields, collect every video's paths and
  per-frame integer label lists in file order), without its I/O layer.

Prints both times and their ratio (ours / PySlowFast's).
"""
import argparse
import os.path as osp
import random
import statistics
import tempfile
import time
from collections import defaultdict

from mmaction_charades.datasets.annotations import load_frame_list


def pyslowfast_read(path: str):
    """Per-video frame paths and per-frame label lists, as PySlowFast's
    ``load_image_lists(path, return_list=True)`` returns them."""
    paths, labels = defaultdict(list), defaultdict(list)
    with open(path) as f:
        assert f.readline().startswith('original_vido_id')
        for line in f:
            row = line.split()
            assert len(row) == 5
            paths[row[0]].append(row[3])
            text = row[4].replace('"', '')
            labels[row[0]].append(
                [int(x) for x in text.split(',')] if text else [])
    return list(paths.values()), list(labels.values())


def write_list(path: str, num_lines: int, seed: int = 0) -> int:
    """A frame list of about ``num_lines`` lines; returns the line count."""
    rng = random.Random(seed)
    lines, video = ['original_vido_id video_id frame_id path labels'], 0
    while len(lines) <= num_lines:
        name, frames = f'V{video:04d}X', rng.randint(300, 1200)
        actions = [(rng.randrange(157), *sorted(rng.sample(range(frames), 2)))
                   for _ in range(rng.randint(0, 4))]
        for k in range(min(frames, num_lines + 1 - len(lines))):
            under_way = [str(c) for c, s, e in actions if s <= k <= e]
            lines.append(f'{name} {video} {k} {name}/{name}-{k + 1:06d}.jpg '
                         f'"{",".join(under_way)}"')
        video += 1
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return len(lines) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--lines', type=int, default=700000)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'train.csv')
        num_lines = write_list(path, args.lines)
        times = {'ours': [], 'pyslowfast': []}
        for _ in range(args.repeats):
            for name, read in (('pyslowfast', pyslowfast_read),
                               ('ours', load_frame_list)):
                start = time.perf_counter()
                read(path)
                times[name].append(time.perf_counter() - start)
        videos, _ = load_frame_list(path)
        paths, _ = pyslowfast_read(path)
        assert [v['total_frames'] for v in videos] == list(map(len, paths))
    ours, theirs = (statistics.median(times[k]) for k in ('ours',
                                                           'pyslowfast'))
    print(f'{num_lines} lines, {len(videos)} videos: ours {ours:.2f} s, '
          f'PySlowFast {theirs:.2f} s, ratio {ours / theirs:.2f}')


if __name__ == '__main__':
    main()
