"""Re-encode videos with a short keyframe interval for fast random access.

    python tools/data/charades/reencode.py data/charades/Charades_v1_480 \
        data/charades/Charades_v1_480_g12 [--gop 12] [--crf 23] [--workers 2]

Decoding a clip that starts at frame ``s`` must start at the keyframe before
``s``; x264's default keyframe interval (up to 250 frames) makes that up to
10 s of extra decoding per clip at 24 fps. Re-encoding with ``--gop`` frames
between keyframes bounds it (see benchmarks/RESULTS.md, "Decoding", for the
measured effect). Video only (audio is dropped), same frame rate and size,
H.264 yuv420p via PyAV; existing outputs are skipped unless ``--overwrite``.
"""
import argparse

from mmaction_charades.datasets.preparation import reencode_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src_dir')
    parser.add_argument('dst_dir')
    parser.add_argument('--gop', type=int, default=12,
                        help='frames between keyframes')
    parser.add_argument('--crf', type=int, default=23)
    parser.add_argument('--preset', default='veryfast')
    parser.add_argument('--ext', default='.mp4')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args()
    results = reencode_dir(args.src_dir, args.dst_dir, args.ext, args.workers,
                           args.overwrite, gop=args.gop, crf=args.crf,
                           preset=args.preset)
    failed = [(n, s) for n, s in results if s.startswith('FAILED')]
    for name, status in failed:
        print(f'{name}: {status}')
    print(f'{len(results) - len(failed)} of {len(results)} videos in '
          f'{args.dst_dir}; {len(failed)} failed')


if __name__ == '__main__':
    main()
