"""Check that every Charades video opens and decodes; list the broken ones.

    python tools/data/charades/check_videos.py data/charades/Charades_v1_480 \
        --ann-file data/charades/Charades_v1_train.csv \
        --ann-file data/charades/Charades_v1_test.csv \
        --report video_report.tsv --broken broken.txt [--deep]

For every video (those named by the annotation files, or every ``*.mp4`` in
the directory) it opens the file with decord, reads the frame count and
average fps, and decodes the first and last frames (a truncated file fails
there), or with ``--deep`` every frame (which also finds damage inside the
file, at the cost of decoding the whole dataset). It writes a tab-separated
report ``video_id path frames fps seconds csv_length status`` and the ids of
the broken videos, one per line: missing, empty, unreadable, with no frames,
or with a NaN, infinite or non-positive fps. A video whose duration differs
from the CSV ``length`` by more than ``--tolerance`` seconds is reported as
``length_mismatch`` but not counted broken. The exit status is 1 when any
video is broken, 0 otherwise, and 2 (with one ``error:`` line) for a missing
directory or annotation file.
"""
import argparse
import csv
import sys

from mmaction_charades.datasets.preparation import (REPORT_COLUMNS,
                                                    check_videos, is_broken)
from mmaction_charades.utils.cli import run_cli


@run_cli
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video_dir')
    parser.add_argument('--ann-file', action='append', default=[],
                        help='official CSV; repeat for train and test')
    parser.add_argument('--ext', default='.mp4')
    parser.add_argument('--tolerance', type=float, default=1.0,
                        help='seconds a duration may differ from the CSV')
    parser.add_argument('--report', default='video_report.tsv')
    parser.add_argument('--broken', default='broken_videos.txt')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--deep', action='store_true',
                        help='decode every frame, not only the first and '
                        'last')
    args = parser.parse_args()
    rows = check_videos(args.video_dir, args.ann_file, args.ext,
                        args.tolerance, args.workers, args.deep)
    with open(args.report, 'w', newline='', encoding='utf-8') as f:
        writer = csv.DictWriter(f, REPORT_COLUMNS, delimiter='\t',
                                lineterminator='\n')
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, 'fps': f'{row["fps"]:.3f}',
                             'seconds': f'{row["seconds"]:.2f}'})
    broken = [row for row in rows if is_broken(row)]
    with open(args.broken, 'w', encoding='utf-8') as f:
        f.writelines(f'{row["video_id"]}\n' for row in broken)
    mismatched = sum(row['status'] == 'length_mismatch' for row in rows)
    for row in broken:
        print(f'BROKEN {row["video_id"]}: {row["status"]} ({row["path"]})')
    print(f'{len(rows)} videos: {len(rows) - len(broken)} open, '
          f'{len(broken)} broken (listed in {args.broken}), {mismatched} '
          f'with a duration off the CSV length by more than '
          f'{args.tolerance} s; report in {args.report}')
    if broken:
        sys.exit(1)


if __name__ == '__main__':
    main()
