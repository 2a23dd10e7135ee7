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
from contextlib import closing
from typing import Dict, List, Tuple

import numpy as np
from mmengine.logging import print_log

from .label_space import NUM_OFFICIAL_CLASSES, official_class_index
from .text_files import (AnnotationError, check_fields, check_text,
                         csv_records, is_text, open_text, parse_count)

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

    As in PySlowFast (``slowfast/datasets/utils.py``, ``load_image_lists``),
    a video is its listed frames, taken as consecutive: frame ``k`` is the
    ``k``-th listed one in ``frame_id`` order (the file order where that
    agrees; the lines of a video need not be contiguous). ``frame_id`` counts
    the frames extracted at ``fps`` and may have gaps: a list of every
    ``s``-th frame (ids ``0, s, 2s, ...``; ``s`` is the median step) is a
    video at ``fps / s``, its frame ``k`` shown at ``k * s / fps``, lasting
    ``total_frames * s / fps`` (``avg_fps``, ``length``). The file names
    share a directory, stem and extension and their numbers increase with
    ``frame_id``; when they count up by one, ``offset`` and ``filename_tmpl``
    name the files as ``RawFrameDecode`` expects, otherwise ``frame_numbers``
    (the number of each listed frame, for ``ListedRawFrameDecode``) is added.
    A run of frames ``a .. b`` carrying a class becomes the action
    ``[(a - 1/2) / avg_fps, (b + 1/2) / avg_fps]`` clipped to
    ``[0, length]``: exactly the times of frames ``a .. b`` lie in it, with
    half a frame to spare for rounding. With ``strict=False`` a bad line
    drops its whole video, which counts as one dropped record.
    """
    with open_text(path) as f:
        first = f.readline()
        check_text(first, path, 1, 'header')
        header = tuple(first.split())
        if not header or header[0] not in _FRAME_LIST_FIRST or \
                header[1:] != FRAME_LIST_COLUMNS[1:]:
            raise AnnotationError(
                path, 1, 'header',
                f'expected {" ".join(FRAME_LIST_COLUMNS)}, got {header}')
        text = f.read()
    # One check of the whole file; the line is found only when it fails.
    bad_text = not (text.isascii() and '\x00' not in text or is_text(text))
    # Columns of strings, not rows: lists kept alive would wake the garbage
    # collector over and over.
    frames = {}  # video -> ([line], [frame_id], [path], [labels])
    errors = {}  # video -> first AnnotationError
    width, video, columns = len(FRAME_LIST_COLUMNS), None, None
    for line, row in enumerate(map(str.split, text.split('\n')), start=2):
        if len(row) != width:
            if not row:
                continue
            error = AnnotationError(
                path, line, 'row', f'expected {width} space-separated '
                f'fields, got {len(row)}')
            if strict:
                raise error
            frames.setdefault(row[0], ([], [], [], []))
            errors.setdefault(row[0], error)
            video = None
            continue
        if row[0] != video:  # a video's lines mostly follow each other
            video = row[0]
            columns = frames.get(video)
            if columns is None:
                columns = frames[video] = ([], [], [], [])
        columns[0].append(line)
        columns[1].append(row[2])
        columns[2].append(row[3])
        columns[3].append(row[4])
        if bad_text:
            try:
                check_fields(row, FRAME_LIST_COLUMNS, path, line)
            except AnnotationError as error:
                if strict:
                    raise
                errors.setdefault(video, error)
    videos, labels_cache = [], {}
    for video, columns in frames.items():
        try:
            if video in errors:
                raise errors[video]
            videos.append(
                _frame_list_video(video, columns, fps, path, labels_cache))
        except AnnotationError as error:
            if strict:
                raise
            _log_dropped(error)
    return videos, len(frames) - len(videos)


def _parse_labels(labels: str, path: str, line: int) -> Tuple[int, ...]:
    """The class indices of a ``labels`` field (``"3,10"``, ``""``)."""
    classes = []
    expected = f'a class index 0..{NUM_OFFICIAL_CLASSES - 1}'
    for text in labels.replace('"', '').split(','):
        if not text:
            continue
        index = parse_count(text, path, line, 'labels', expected)
        if index >= NUM_OFFICIAL_CLASSES:
            raise AnnotationError(path, line, 'labels',
                                  f'expected {expected}, got {text!r}')
        classes.append(index)
    return tuple(classes)


def _counts(texts: List[str], lines: List[int], path: str,
            field: str) -> np.ndarray:
    """``texts`` as int64, each ASCII digits (one check of all at once)."""
    joined = ''.join(texts)
    if not (joined.isascii() and joined.isdigit()):
        for text, line in zip(texts, lines):
            parse_count(text, path, line, field)
    return np.fromiter(map(int, texts), np.int64, len(texts))


def _file_numbers(video: str, paths: List[str], lines: List[int],
                  path: str) -> Tuple[str, str, str, int, np.ndarray]:
    """Directory, stem, extension, digits and number of each frame file;
    all paths of equal length in ASCII are checked at once as a byte
    matrix."""
    match = _FRAME_PATH.match(paths[0])
    if match is None:
        raise AnnotationError(
            path, lines[0], 'path', f'cannot find a frame number in '
            f'{paths[0]!r}; expected e.g. {video}/{video}-000001.jpg')
    frame_dir, stem, ext = match['dir'] or '', match['stem'], match['ext']
    head, digits = frame_dir + stem, len(match['num'])
    size = len(paths[0])
    joined = ''.join(paths)
    if len(joined) == size * len(paths) and joined.isascii():
        chars = np.frombuffer(joined.encode(), np.uint8).reshape(-1, size)
        number = chars[:, len(head):len(head) + digits]
        if (chars[:, :len(head)] == chars[0, :len(head)]).all() and (
                chars[:, size - len(ext):] == chars[0, size - len(ext):]).all(
                ) and ((number >= 48) & (number <= 57)).all():
            tens = 10**np.arange(digits - 1, -1, -1, dtype=np.int64)
            return frame_dir, stem, ext, digits, (number - 48) @ tens
    numbers = [p[len(head):len(p) - len(ext)] for p in paths]
    for p, n, line in zip(paths, numbers, lines):
        if not (p.startswith(head) and p.endswith(ext)) or not (
                len(n) == digits or len(n) > digits and n[:1] != '0'):
            raise AnnotationError(
                path, line, 'path', f'video {video}: expected '
                f'{head}<frame number, {digits} digits>{ext} like line '
                f'{lines[0]}, got {p!r}')
    return frame_dir, stem, ext, digits, _counts(numbers, lines, path,
                                                 'path')


def _frame_list_video(video: str, columns: tuple, fps: float, path: str,
                      labels_cache: dict) -> dict:
    lines, frame_ids, paths, labels = columns
    ids = _counts(frame_ids, lines, path, 'frame_id')
    if not np.all(ids[1:] > ids[:-1]):
        order = np.argsort(ids, kind='stable')
        ids = ids[order]
        same = np.flatnonzero(ids[1:] == ids[:-1])
        if same.size:
            row = order[same[0] + 1]
            raise AnnotationError(
                path, lines[row], 'frame_id', f'video {video}: frame '
                f'{ids[same[0]]} already listed on line '
                f'{lines[order[same[0]]]}')
        lines = [lines[i] for i in order]
        paths = [paths[i] for i in order]
        labels = [labels[i] for i in order]
    frame_dir, stem, ext, digits, numbers = _file_numbers(
        video, paths, lines, path)
    after = np.flatnonzero(numbers[1:] <= numbers[:-1])
    if after.size:
        raise AnnotationError(
            path, lines[after[0] + 1], 'path', f'video {video}: frame '
            f'{ids[after[0] + 1]} is file number {numbers[after[0] + 1]}, '
            f'not after {numbers[after[0]]} of frame {ids[after[0]]}; file '
            'numbers must increase with frame_id')

    index = {text: i for i, text in enumerate(dict.fromkeys(labels))}
    codes = np.fromiter(map(index.__getitem__, labels), np.int64,
                        len(labels))
    member = np.zeros((len(index), NUM_OFFICIAL_CLASSES), dtype=bool)
    for text, code in index.items():
        if text not in labels_cache:
            labels_cache[text] = _parse_labels(
                text, path, lines[int(np.argmax(codes == code))])
        member[code, list(labels_cache[text])] = True
    total_frames = len(ids)
    step = float(np.median(np.diff(ids))) if total_frames > 1 else 1.
    avg_fps = fps / step
    length = total_frames / avg_fps
    present = np.zeros((NUM_OFFICIAL_CLASSES, total_frames + 2), dtype=bool)
    present[:, 1:-1] = member[codes].T
    actions = []
    for label in np.flatnonzero(present.any(axis=1)):
        edges = np.flatnonzero(np.diff(present[label].astype(np.int8)))
        for first, after_last in zip(edges[::2], edges[1::2]):
            start = max(first - 0.5, 0.) / avg_fps
            end = min((after_last - 1 + 0.5) / avg_fps, length)
            actions.append((label, start, end))
    escape = str.maketrans({'{': '{{', '}': '}}'})
    offset = int(numbers[0])
    info = dict(
        video_id=video,
        length=length,
        actions=_as_actions(actions),
        frame_dir=frame_dir.rstrip('/'),
        filename_tmpl=stem.translate(escape) + f'{{:0{digits}d}}' +
        ext.translate(escape),
        offset=offset,
        total_frames=total_frames,
        avg_fps=avg_fps)
    if numbers[-1] - offset != total_frames - 1:  # not consecutive files
        info.update(offset=0, frame_numbers=numbers.astype(np.int32))
    return info


def _as_actions(actions: list) -> np.ndarray:
    return np.asarray(actions, dtype=np.float32).reshape(-1, 3)


def _log_dropped(error: AnnotationError) -> None:
    print_log(f'dropped annotation record: {error}', logger='current',
              level=logging.WARNING)
