"""Parsers for Charades annotation files.

Two formats are read, told apart by their header line:

* the official ``Charades_v1_train.csv`` / ``Charades_v1_test.csv``: comma
  separated with a header naming (at least) ``id``, ``actions`` and ``length``,
  CRLF line ends and quoted fields that may hold commas or line breaks.
  ``actions`` is a ``;``-separated list of ``cNNN start end`` triples in
  seconds, possibly empty; ``length`` is the video length in seconds.
* PySlowFast's Charades frame lists (``original_vido_id video_id frame_id path
  labels``, space separated, one line per extracted frame) where ``labels`` is
  a comma-separated list of official class indices, quoted, possibly ``""``.

Both give one dict per video with ``video_id``, ``length`` (seconds) and
``actions``: a float32 (M, 3) array of ``[official class index, start, end]``
with ``0 <= start < length`` and ``start <= end <= length``. Frame lists add
``frame_dir``, ``filename_tmpl``, ``offset``, ``total_frames`` and ``avg_fps``
for MMAction2's ``RawFrameDecode``.

An end after ``length`` is clamped to it. A CSV action that no frame can
show is dropped on its own, its video kept: one that starts after its end, or
at or after the video's ``length`` (frames lie before ``length``, where the
clip labels end every action); the official train CSV has 7 and 5 of them.
Such an action thus sets neither the video label nor a clip label, nor counts
for ``pos_weight``; one warning per file gives their number and lines.

A malformed record raises :class:`AnnotationError` naming the file, line and
field; with ``strict=False`` it is logged and dropped instead, and the number
dropped is returned beside the videos. Times are decimal seconds up to
:data:`MAX_SECONDS`, integers are ASCII digits, and the files are UTF-8.
"""
import logging
import re
from collections import OrderedDict
from contextlib import closing
from typing import Dict, List, Tuple

import numpy as np
from mmengine.logging import print_log

from .label_space import NUM_OFFICIAL_CLASSES, official_class_index
from .text_files import (AnnotationError, check_fields, check_text,
                         csv_records, open_text, parse_count)

#: Columns of the official CSV that the parser needs.
REQUIRED_CSV_COLUMNS = ('id', 'actions', 'length')
FRAME_LIST_COLUMNS = ('original_vido_id', 'video_id', 'frame_id', 'path',
                      'labels')
#: PySlowFast spells the first column ``original_vido_id``; accept the fix too.
_FRAME_LIST_FIRST = ('original_vido_id', 'original_video_id')
#: A frame path: an optional directory, a stem, the frame number, extension.
_FRAME_PATH = re.compile(r'^(?P<dir>.*/)?(?P<stem>[^/]*?)(?P<num>[0-9]+)'
                         r'(?P<ext>\.[^./]+)$')
#: A time in seconds: a decimal number, optionally with an exponent.
_SECONDS = re.compile(r'(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?')
#: Largest time accepted (one day): float32 then keeps times to 4 ms.
MAX_SECONDS = 86400.


def load_annotations(path: str,
                     strict: bool = True,
                     frame_fps: float = 24.) -> Tuple[List[dict], int]:
    """Read an official CSV or a PySlowFast frame list (chosen by header).

    Args:
        path: the annotation file.
        strict: raise on a bad record; if False log it, drop it and count it.
        frame_fps: rate at which a frame list's frames were extracted.

    Returns:
        The videos (dicts, see the module docstring) and the number of dropped
        records (CSV rows, or frame-list videos).
    """
    with open_text(path) as f:
        first = f.readline()
    tokens = first.split()
    if tokens and tokens[0] in _FRAME_LIST_FIRST:
        return load_frame_list(path, fps=frame_fps, strict=strict)
    return load_official_csv(path, strict=strict)


def load_official_csv(path: str,
                      strict: bool = True) -> Tuple[List[dict], int]:
    """Read ``Charades_v1_{train,test}.csv``; see :func:`load_annotations`."""
    videos, first_line, num_dropped, unshown = [], {}, 0, []
    with closing(csv_records(path)) as records:
        _, header = next(records, (1, []))
        if isinstance(header, AnnotationError):
            raise header
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in header]
        if missing:
            raise AnnotationError(
                path, 1, 'header', f'missing columns {missing}; expected the '
                'official Charades columns (id, ..., actions, length) or a '
                f'PySlowFast frame list header {" ".join(FRAME_LIST_COLUMNS)}')
        column = {name: header.index(name) for name in REQUIRED_CSV_COLUMNS}
        for line, row in records:
            if not row:
                continue
            try:
                if isinstance(row, AnnotationError):
                    raise row
                video, row_unshown = _parse_csv_row(row, header, column, path,
                                                    line)
                if video['video_id'] in first_line:
                    raise AnnotationError(
                        path, line, 'id', f'video {video["video_id"]!r} '
                        f'already annotated on line '
                        f'{first_line[video["video_id"]]}')
            except AnnotationError as error:
                if strict:
                    raise
                _log_dropped(error)
                num_dropped += 1
                continue
            first_line[video['video_id']] = line
            videos.append(video)
            unshown += row_unshown
    if unshown:
        print_log(
            f'{path}: dropped {len(unshown)} actions that no frame can show '
            f'(their videos are kept): {"; ".join(unshown)}',
            logger='current',
            level=logging.WARNING)
    return videos, num_dropped


def _parse_csv_row(row: List[str], header: List[str], column: Dict[str, int],
                   path: str, line: int) -> Tuple[dict, List[str]]:
    """The video of a row, and the actions dropped as no frame can show
    them (one ``'line N: triple (reason)'`` each)."""
    if len(row) != len(header):
        raise AnnotationError(
            path, line, 'row', f'expected {len(header)} comma-separated '
            f'fields, got {len(row)} (quote fields that contain commas)')
    video_id = row[column['id']].strip()
    if not video_id:
        raise AnnotationError(path, line, 'id', 'empty video id')
    length_text = row[column['length']].strip()
    length = _parse_seconds(length_text, path, line, 'length')
    if length <= 0:
        raise AnnotationError(path, line, 'length',
                              f'expected a positive length, got {length}')
    actions, unshown = [], []
    for triple in row[column['actions']].split(';'):
        parts = triple.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise AnnotationError(
                path, line, 'actions', f'expected "cNNN start end", got '
                f'{triple.strip()!r}')
        class_id, start, end = parts
        try:
            label = official_class_index(class_id)
        except KeyError:
            raise AnnotationError(
                path, line, 'actions', f'unknown class id {class_id!r}; '
                'expected c000..c156') from None
        start = _parse_seconds(start, path, line, 'actions')
        end = _parse_seconds(end, path, line, 'actions')
        if start > end or start >= length:
            reason = 'starts after its end' if start > end else \
                f'starts at or after the video length {length_text}'
            unshown.append(f'line {line}: {" ".join(parts)} ({reason})')
            continue
        actions.append((label, start, min(end, length)))
    return dict(
        video_id=video_id, length=length,
        actions=_as_actions(actions)), unshown


def _parse_seconds(text: str, path: str, line: int, field: str) -> float:
    text = text.strip()
    value = float(text) if _SECONDS.fullmatch(text) else -1.
    if not 0 <= value <= MAX_SECONDS:
        raise AnnotationError(
            path, line, field, f'expected a time in seconds >= 0 and <= '
            f'{MAX_SECONDS:g} (a decimal number), got {text!r}')
    return value


def load_frame_list(path: str,
                    fps: float = 24.,
                    strict: bool = True) -> Tuple[List[dict], int]:
    """Read a PySlowFast Charades frame list; see :func:`load_annotations`.

    Frame ``k`` of a video is shown at ``k / fps`` seconds and the video lasts
    ``total_frames / fps``. The frames of a video need not be contiguous in
    the file, but their ``frame_id`` must be ``0 .. total_frames - 1`` and
    their file names must count up from that of frame 0 (as ``ffmpeg`` writes
    them). A run of frames ``a .. b`` carrying a class becomes the action
    ``[(a - 1/2) / fps, (b + 1/2) / fps]`` clipped to ``[0, length]``: exactly
    the times of frames ``a .. b`` lie in it, with half a frame to spare for
    rounding. With ``strict=False`` a bad line drops its whole video, which
    counts as one dropped record.
    """
    frames = OrderedDict()  # video -> (first line, [(frame_id, path, labels)])
    errors = {}  # video -> first AnnotationError
    with open_text(path) as f:
        first = f.readline()
        check_text(first, path, 1, 'header')
        header = tuple(first.split())
        if not header or header[0] not in _FRAME_LIST_FIRST or \
                header[1:] != FRAME_LIST_COLUMNS[1:]:
            raise AnnotationError(
                path, 1, 'header',
                f'expected {" ".join(FRAME_LIST_COLUMNS)}, got {header}')
        for line, text in enumerate(f, start=2):
            row = text.split()
            if not row:
                continue
            video = row[0]
            frames.setdefault(video, (line, []))
            try:
                frames[video][1].append(_parse_frame_row(row, path, line))
            except AnnotationError as error:
                if strict:
                    raise
                errors.setdefault(video, error)
    videos = []
    for video, (line, rows) in frames.items():
        try:
            if video in errors:
                raise errors[video]
            videos.append(_frame_list_video(video, rows, fps, path, line))
        except AnnotationError as error:
            if strict:
                raise
            _log_dropped(error)
    return videos, len(frames) - len(videos)


def _parse_frame_row(row: List[str], path: str, line: int) -> tuple:
    if len(row) != len(FRAME_LIST_COLUMNS):
        raise AnnotationError(
            path, line, 'row', f'expected {len(FRAME_LIST_COLUMNS)} '
            f'space-separated fields, got {len(row)}')
    check_fields(row, FRAME_LIST_COLUMNS, path, line)
    _, _, frame_id, frame_path, labels = row
    frame_id = parse_count(frame_id, path, line, 'frame_id')
    classes = []
    expected = f'a class index 0..{NUM_OFFICIAL_CLASSES - 1}'
    for text in labels.strip('"').split(','):
        if not text:
            continue
        index = parse_count(text, path, line, 'labels', expected)
        if index >= NUM_OFFICIAL_CLASSES:
            raise AnnotationError(path, line, 'labels',
                                  f'expected {expected}, got {text!r}')
        classes.append(index)
    return frame_id, frame_path, line, classes


def _frame_list_video(video: str, rows: list, fps: float, path: str,
                      line: int) -> dict:
    rows.sort(key=lambda r: r[0])
    for expected, (frame_id, _, row_line, _) in enumerate(rows):
        if frame_id != expected:
            raise AnnotationError(
                path, row_line, 'frame_id', f'video {video}: expected frame '
                f'{expected} (frame ids must be 0..N-1, each once), got '
                f'{frame_id}')
    match = _FRAME_PATH.match(rows[0][1])
    if match is None:
        raise AnnotationError(
            path, rows[0][2], 'path', f'cannot find a frame number in '
            f'{rows[0][1]!r}; expected e.g. {video}/{video}-000001.jpg')
    frame_dir, stem, ext = match['dir'] or '', match['stem'], match['ext']
    offset = int(match['num'])
    name_tmpl = f'{{:0{len(match["num"])}d}}'
    for frame_id, frame_path, row_line, _ in rows:
        expected = frame_dir + stem + name_tmpl.format(offset + frame_id) + ext
        if frame_path != expected:
            raise AnnotationError(
                path, row_line, 'path', f'video {video}: frame {frame_id} '
                f'should be {expected!r} (numbered from frame 0), got '
                f'{frame_path!r}')

    total_frames = len(rows)
    length = total_frames / fps
    present = np.zeros((NUM_OFFICIAL_CLASSES, total_frames + 2), dtype=bool)
    for frame_id, _, _, classes in rows:
        present[classes, frame_id + 1] = True
    actions = []
    for label in np.flatnonzero(present.any(axis=1)):
        edges = np.flatnonzero(np.diff(present[label].astype(np.int8)))
        for first, after_last in zip(edges[::2], edges[1::2]):
            start = max(first - 0.5, 0.) / fps
            end = min((after_last - 1 + 0.5) / fps, length)
            actions.append((label, start, end))
    escape = str.maketrans({'{': '{{', '}': '}}'})
    return dict(
        video_id=video,
        length=length,
        actions=_as_actions(actions),
        frame_dir=frame_dir.rstrip('/'),
        filename_tmpl=stem.translate(escape) + name_tmpl + ext.translate(
            escape),
        offset=offset,
        total_frames=total_frames,
        avg_fps=float(fps))


def _as_actions(actions: list) -> np.ndarray:
    return np.asarray(actions, dtype=np.float32).reshape(-1, 3)


def _log_dropped(error: AnnotationError) -> None:
    print_log(f'dropped annotation record: {error}', logger='current',
              level=logging.WARNING)
