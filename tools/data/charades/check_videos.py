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
import math
import os
import os.path as osp
import sys
from functools import partial
from multiprocessing import Pool
from typing import Dict, List, Optional, Sequence

from mmaction_charades.datasets.annotations import load_official_csv
from mmaction_charades.utils.cli import UserError, run_cli

REPORT_COLUMNS = ('video_id', 'path', 'frames', 'fps', 'seconds',
                  'csv_length', 'status')


def read_csv_lengths(ann_files: Sequence[str]) -> Dict[str, float]:
    """``{video_id: length}`` from official-format CSVs."""
    lengths = {}
    for path in ann_files:
        videos, _ = load_official_csv(path)
        lengths.update((v['video_id'], v['length']) for v in videos)
    return lengths


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _decode_every_frame(reader, frames: int) -> None:
    """Decode the frames of a decord reader in order; raise naming the frame
    at which decoding stopped (decord decodes ahead, so the damage may lie a
    few frames later)."""
    for index in range(frames):
        try:
            reader.next()
        except StopIteration:
            raise RuntimeError(
                f'only {index} of {frames} frames decode') from None
        except Exception as error:
            raise RuntimeError(
                f'decoding stopped at frame {index} of {frames}: '
                f'{_first_line(error)}') from error


def check_video(path: str, deep: bool = False) -> dict:
    """Open ``path`` with decord: ``frames``, ``fps``, ``seconds`` and
    ``status`` ('ok' or what went wrong), decoding the first and last frames,
    or every frame if ``deep``."""
    import decord
    info = dict(path=path, frames=0, fps=0., seconds=0.)
    if not osp.isfile(path):
        return dict(info, status='missing')
    if osp.getsize(path) == 0:
        return dict(info, status='empty')
    try:
        reader = decord.VideoReader(path, num_threads=1)
        frames, fps = len(reader), reader.get_avg_fps()
        good_fps = math.isfinite(fps) and fps > 0
        info.update(frames=frames, fps=fps,
                    seconds=frames / fps if good_fps else 0.)
        if frames == 0:
            return dict(info, status='no_frames')
        if not good_fps:
            return dict(info, status=f'bad_fps: {fps}')
        if deep:
            _decode_every_frame(reader, frames)
        else:
            reader[0].asnumpy()
            reader[frames - 1].asnumpy()
    except Exception as error:  # decord raises its own DECORDError types
        return dict(info, status=f'unreadable: {_first_line(error)}')
    return dict(info, status='ok')


def check_videos(video_dir: str,
                 ann_files: Sequence[str] = (),
                 ext: str = '.mp4',
                 tolerance: float = 1.0,
                 workers: int = 2,
                 deep: bool = False) -> List[dict]:
    """Check the videos of the annotation files (or all in ``video_dir``);
    ``deep`` decodes every frame (see :func:`check_video`).

    Returns:
        One report row (``REPORT_COLUMNS``) per video, sorted by id.
    """
    if not osp.isdir(video_dir):
        raise UserError(f'video directory {video_dir!r} does not exist')
    lengths = read_csv_lengths(ann_files)
    if lengths:
        ids = sorted(lengths)
    else:
        ids = sorted(name[:-len(ext)] for name in os.listdir(video_dir)
                     if name.endswith(ext))
    paths = [osp.join(video_dir, video_id + ext) for video_id in ids]
    check = partial(check_video, deep=deep)
    if workers > 1:
        with Pool(workers) as pool:
            infos = pool.map(check, paths, chunksize=8)
    else:
        infos = [check(path) for path in paths]
    rows = []
    for video_id, info in zip(ids, infos):
        csv_length: Optional[float] = lengths.get(video_id)
        if info['status'] == 'ok' and csv_length is not None and \
                abs(info['seconds'] - csv_length) > tolerance:
            info['status'] = 'length_mismatch'
        rows.append(dict(info, video_id=video_id, csv_length=csv_length))
    return rows


def is_broken(row: dict) -> bool:
    return row['status'] not in ('ok', 'length_mismatch')


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
