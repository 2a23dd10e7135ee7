"""Checking that every Charades video opens and decodes (decord), for
``tools/data/charades/check_videos.py``."""
import math
import os
import os.path as osp
from functools import partial
from multiprocessing import Pool
from typing import Dict, List, Optional, Sequence

from ...utils.cli import UserError
from ..annotations import load_official_csv

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
    """Whether a report row is a broken video (a length mismatch is not)."""
    return row['status'] not in ('ok', 'length_mismatch')
