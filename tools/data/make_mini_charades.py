"""Generate the mini-Charades videos and official-format CSVs.

    python tools/data/make_mini_charades.py --out data/mini_charades \
        --num-videos 200 --seed 0 [--num-test 50] [--size 128x96] [--workers 2] \
        [--placement {grid,random}] [--colour-jitter 0..1]

Writes ``OUT/videos/<id>.mp4`` and ``OUT/Charades_v1_{train,test}.csv``; see
:mod:`mmaction_charades.testing.mini_charades` for what the videos show.
"""
import argparse
import time

from mmaction_charades.datasets.label_space import load_label_space
from mmaction_charades.testing import make_mini_charades
from mmaction_charades.testing.mini_charades import PLACEMENTS


def parse_size(text: str):
    try:
        width, height = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--size expects WIDTHxHEIGHT, e.g. 128x96; got {text!r}')
    return width, height


def parse_jitter(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f'--colour-jitter expects a number in [0, 1]; got {text!r}')
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/mini_charades')
    parser.add_argument('--num-videos', type=int, default=200,
                        help='videos in all, train + test')
    parser.add_argument('--num-test', type=int, default=None,
                        help='test videos (default: a quarter)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', type=parse_size, default=(128, 96),
                        help='WIDTHxHEIGHT, both even')
    parser.add_argument(
        '--label-space', default='charades21',
        help="groups that share a pattern: 'charades21' or a 157-to-G "
        'mapping file')
    parser.add_argument('--workers', type=int, default=2,
                        help='encoding processes')
    parser.add_argument(
        '--placement', choices=PLACEMENTS, default='grid',
        help="'grid': each group's pattern in its grid cell; 'random': "
        'position and size drawn per action')
    parser.add_argument(
        '--colour-jitter', type=parse_jitter, default=0., metavar='X',
        help='0..1: per-action hue shift (up to X/2 of the spacing between '
        'group hues) and brightness factor (1-X/2..1); 0: off')
    args = parser.parse_args()
    start = time.perf_counter()
    make_mini_charades(
        args.out, args.num_videos, seed=args.seed, num_test=args.num_test,
        size=args.size,
        class_to_group=load_label_space(args.label_space).official_to_label,
        workers=args.workers, placement=args.placement,
        colour_jitter=args.colour_jitter)
    print(f'done in {time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
