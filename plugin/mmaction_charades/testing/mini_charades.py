"""Generated mini-Charades: small H.264 videos with official-format CSVs.

The embedded default data of the project (``make demo``): untrimmed videos at
mixed frame rates (15, 24, 30 and 29.97 fps) and lengths (5-30 s), each with
0-4 possibly overlapping actions labelled with real Charades class ids, and
``Charades_v1_train.csv`` / ``Charades_v1_test.csv`` in the official format
(11 columns, CRLF, quoted fields holding commas).

What a model can learn: the frame is a 5x5 grid of cells over a noisy, slowly
drifting grey background with a grey block wandering across it. Group ``g``
(of the 21 of Table 3.1) owns cell ``g`` and a look, one of 7 saturated hues
in one of 3 layouts (:func:`group_pattern`); while an action of any class of
group ``g`` runs, a rectangle with that look fills the middle 80% of the
cell. The rectangle's centre is shaded by the class's rank inside
its group, the only cue that tells the 157 classes of one group apart. A
pattern is drawn on frame ``i`` exactly when ``start <= i / fps <= min(end,
length)``, the clip label rule (``frames_in_actions``) of
:mod:`mmaction_charades.datasets.transforms.samplers`, so every positive clip
label has a visible pattern in one of its frames and no negative one does.

Two options, off by default (the default output is unchanged), take away
the fixed screen position and colour: ``placement='random'`` draws each
action's rectangle at a uniform position fully inside the frame, scaled by
0.75-1.5, disjoint from the video's other rectangles (so none hides
another; :func:`random_boxes`); ``colour_jitter=X`` shifts each action's hue
by up to ``X / 2`` of the spacing between the 7 group hues and scales its
brightness by ``1 - X / 2`` to 1 (:func:`jittered_colours`). Groups stay
apart by their hue range, which two groups never share while ``X < 1``,
and their layout; the centre shade stays relative to the pattern's colour.

Everything is a pure function of the seed: video ``k`` draws from
``np.random.default_rng([seed, k, ...])``, so the output does not depend on
the number of worker processes.

Writing videos needs PyAV (the ``data`` extra: ``pip install
mmaction-charades[data]``), imported only by :func:`render_video`.
"""
import csv
import string
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import partial
from multiprocessing import Pool
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ..datasets.label_space import load_label_space, load_official_classes
from ..datasets.transforms.samplers import frames_in_actions

CSV_COLUMNS = ('id', 'subject', 'scene', 'quality', 'relevance', 'verified',
               'script', 'objects', 'descriptions', 'actions', 'length')
#: Frame rates drawn per video; 29.97 is NTSC's 30000/1001.
FRAME_RATES = (Fraction(15), Fraction(24), Fraction(30), Fraction(30000, 1001))
GRID = 5  # GRID x GRID cells, one per group (21 of 25 used)
NUM_HUES = 7  # group looks: 7 hues x 3 layouts
MIN_LENGTH, MAX_LENGTH = 5.0, 30.0
#: P(number of actions = 0, 1, 2, 3, 4) in a video.
NUM_ACTIONS_P = (0.1, 0.3, 0.3, 0.2, 0.1)
MIN_ACTION, MAX_ACTION = 1.5, 10.0  # seconds
#: Fraction of actions whose end time is past the video's length (as in the
#: real annotations); they stay visible up to the last frame.
P_END_PAST_LENGTH = 0.1
#: Size factors (of the grid box) of randomly placed patterns.
RANDOM_SCALE = (0.75, 1.5)
#: Where patterns go: their group's grid cell, or drawn per action.
PLACEMENTS = ('grid', 'random')
SCENES = ('Kitchen', 'Bedroom', 'Living room', 'Bathroom', 'Hallway')
NOISE_BANK = 8  # noise frames per video, cycled


@dataclass(frozen=True)
class MiniVideo:
    """One generated video.

    Attributes:
        video_id: 5-character id, as the official ones.
        fps: frame rate.
        num_frames: frames in the file.
        length: seconds, ``num_frames / fps`` rounded to 0.01.
        actions: (M, 3) float64 ``[official class index, start, end]``.
        boxes: (M, 4) int ``(x0, y0, x1, y1)`` of each action's pattern
            (random placement); None: its group's grid cell.
        colours: (M, 3) uint8 RGB of each action's pattern (colour
            jitter); None: its group's hue.
    """
    video_id: str
    fps: Fraction
    num_frames: int
    length: float
    actions: np.ndarray
    boxes: Optional[np.ndarray] = None
    colours: Optional[np.ndarray] = None


def default_class_to_group() -> np.ndarray:
    """(157,) group index of each official class: the shipped 21 groups."""
    return load_label_space('charades21').official_to_label


def hue_colours(num_hues: int) -> np.ndarray:
    """(H, 3) uint8 saturated RGB colours with evenly spread hues."""
    return hue_rgb(np.arange(num_hues) / num_hues)


def hue_rgb(hue: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 saturated RGB colours of hues in turns (0-1, 1 = 360
    degrees), channels in 40..255."""
    hue = np.asarray(hue, dtype=np.float64) % 1. * 6.
    sector = np.floor(hue).astype(int) % 6
    frac = hue - np.floor(hue)
    up, down = frac, 1. - frac
    one, zero = np.ones_like(frac), np.zeros_like(frac)
    table = [(one, up, zero), (down, one, zero), (zero, one, up),
             (zero, down, one), (up, zero, one), (one, zero, down)]
    rgb = np.stack([
        np.choose(sector, [table[s][c] for s in range(6)]) for c in range(3)
    ], -1)
    return (40 + 215 * rgb).astype(np.uint8).reshape(-1, 3)


def group_pattern(group: int, box_w: int, box_h: int,
                  colour: Optional[np.ndarray] = None) -> np.ndarray:
    """(box_h, box_w, 3) uint8 look of a group: one of ``NUM_HUES`` hues
    (``group % NUM_HUES``) in one of three layouts (``group // NUM_HUES``):
    solid, top half lit, or left half lit, the rest at a quarter of the hue.
    The layouts are coarse enough to survive a resize to 64x64. Unlike the
    cell, the look tells the groups apart where a model cannot see position
    (global pooling after relative-position attention, as in Video Swin).
    ``colour`` (RGB) replaces the group's hue (colour jitter)."""
    if colour is None:
        colour = hue_colours(NUM_HUES)[group % NUM_HUES]
    colour = np.asarray(colour).astype(np.float32)
    y, x = np.mgrid[:box_h, :box_w]
    layout = group // NUM_HUES % 3
    if layout == 0:
        lit = np.ones((box_h, box_w), dtype=bool)
    elif layout == 1:
        lit = y < box_h // 2
    else:
        lit = x < box_w // 2
    return (colour * np.where(lit, 1., .25)[..., None]).astype(np.uint8)


def cell_box(group: int, width: int, height: int,
             fill: float = 0.8) -> Tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` of the rectangle drawn for ``group``: the middle
    ``fill`` of its cell in each direction."""
    row, col = divmod(group, GRID)
    cell_w, cell_h = width / GRID, height / GRID
    cx, cy = (col + .5) * cell_w, (row + .5) * cell_h
    half_w, half_h = fill * cell_w / 2, fill * cell_h / 2
    return (int(round(cx - half_w)), int(round(cy - half_h)),
            int(round(cx + half_w)), int(round(cy + half_h)))


def random_boxes(rng: np.random.Generator, num: int, width: int,
                 height: int) -> np.ndarray:
    """(num, 4) int ``(x0, y0, x1, y1)`` of patterns placed at random: each
    of the grid box's size (:func:`cell_box`) scaled by a factor uniform in
    ``RANDOM_SCALE``, at a uniform position fully inside the frame, and
    disjoint from the video's other boxes, so that no pattern hides
    another."""
    x0, y0, x1, y1 = cell_box(0, width, height)
    boxes: List[Tuple[int, int, int, int]] = []
    for _ in range(100 * max(num, 1)):
        if len(boxes) == num:
            break
        scale = rng.uniform(*RANDOM_SCALE)
        box_w = min(max(int(round(scale * (x1 - x0))), 3), width)
        box_h = min(max(int(round(scale * (y1 - y0))), 3), height)
        x = int(rng.integers(0, width - box_w + 1))
        y = int(rng.integers(0, height - box_h + 1))
        if all(x + box_w <= a or b <= x or y + box_h <= c or d <= y
               for a, c, b, d in boxes):
            boxes.append((x, y, x + box_w, y + box_h))
    if len(boxes) < num:
        raise ValueError(f'cannot place {num} disjoint patterns in a '
                         f'{width}x{height} frame')
    return np.array(boxes, dtype=np.int64).reshape(-1, 4)


def jittered_colours(rng: np.random.Generator, groups: Sequence[int],
                     jitter: float) -> np.ndarray:
    """(M, 3) uint8 colours of the patterns of groups ``groups`` under
    colour jitter ``jitter`` in [0, 1]: the group's hue shifted by up to
    ``jitter / 2`` of the spacing between the ``NUM_HUES`` group hues (so the
    hue ranges of two groups never overlap while ``jitter < 1``), then its
    brightness scaled by a factor uniform in ``[1 - jitter / 2, 1]``."""
    if not 0 <= jitter <= 1:
        raise ValueError(f'colour jitter {jitter} must lie in [0, 1]')
    groups = np.asarray(groups, dtype=np.int64)
    shift = rng.uniform(-jitter / 2, jitter / 2, size=len(groups))
    gain = rng.uniform(1 - jitter / 2, 1, size=len(groups))
    rgb = hue_rgb((groups % NUM_HUES + shift) / NUM_HUES)
    return (rgb * gain[:, None]).astype(np.uint8)


def _random_id(rng: np.random.Generator) -> str:
    alphabet = np.array(list(string.ascii_uppercase + string.digits))
    return ''.join(rng.choice(alphabet, 5))


def sample_video(rng: np.random.Generator,
                 video_id: str,
                 class_to_group: np.ndarray,
                 groups: Optional[Sequence[int]] = None) -> MiniVideo:
    """Draw a video's frame rate, length and actions.

    Args:
        groups: the groups of the video's actions; by default their number
            follows ``NUM_ACTIONS_P`` and each group is uniform.

    Each action's class is uniform within its group; times are multiples of
    0.1 s.
    """
    num_groups = int(class_to_group.max()) + 1
    fps = FRAME_RATES[rng.integers(len(FRAME_RATES))]
    num_frames = int(round(rng.uniform(MIN_LENGTH, MAX_LENGTH) * fps))
    length = round(num_frames / float(fps), 2)
    if groups is None:
        groups = rng.integers(
            num_groups,
            size=rng.choice(len(NUM_ACTIONS_P), p=NUM_ACTIONS_P))
    actions = []
    for group in groups:
        official = rng.choice(np.flatnonzero(class_to_group == group))
        duration = rng.uniform(MIN_ACTION, min(MAX_ACTION, length))
        start = round(rng.uniform(0., length - duration), 1)
        end = round(start + duration, 1)
        if rng.random() < P_END_PAST_LENGTH:
            start = round(min(start, length - MIN_ACTION), 1)
            end = round(length + rng.uniform(.1, 3.), 1)
        actions.append((official, start, end))
    return MiniVideo(video_id, fps, num_frames, length,
                     np.array(actions, dtype=np.float64).reshape(-1, 3))


def visible_actions(video: MiniVideo, frame_index: int) -> np.ndarray:
    """Boolean (M,): which actions are drawn on a frame (the label rule)."""
    return frames_in_actions(frame_index / float(video.fps), video.actions,
                             video.length)


def render_frames(video: MiniVideo, size: Tuple[int, int],
                  class_to_group: np.ndarray, rng: np.random.Generator,
                  noise: int = 12) -> Iterator[np.ndarray]:
    """The (height, width, 3) uint8 RGB frames of ``video`` at ``size =
    (width, height)``, one per frame index.

    Args:
        noise: amplitude of the background noise (grey levels); it sets
            most of the bitrate.
    """
    width, height = size
    num_groups = int(class_to_group.max()) + 1
    # rank of each official class inside its group -> centre shade
    rank = np.zeros(len(class_to_group), dtype=np.int64)
    group_size = np.bincount(class_to_group, minlength=num_groups)
    for g in range(num_groups):
        rank[class_to_group == g] = np.arange(group_size[g])
    groups = class_to_group[video.actions[:, 0].astype(np.int64)]
    boxes = (video.boxes if video.boxes is not None else
             [cell_box(g, width, height) for g in groups])
    colours = (video.colours if video.colours is not None else
               [None] * len(groups))
    looks = [
        group_pattern(g, x1 - x0, y1 - y0, colour)
        for g, (x0, y0, x1, y1), colour in zip(groups, boxes, colours)
    ]

    base = rng.integers(70, 150)
    ramp = np.linspace(-20, 20, width)[None, :, None]
    # blocky noise (4x4 pixels): visible texture that x264 codes cheaply
    grain = rng.integers(-noise, noise + 1,
                         size=(NOISE_BANK, height // 4 + 1, width // 4 + 1, 1))
    grain = grain.repeat(4, 1).repeat(4, 2)[:, :height, :width]
    bank = np.clip(base + ramp + grain, 0, 255).astype(np.uint8).repeat(3, -1)
    block = (width // 6, height // 5)
    velocity = rng.uniform(-1.5, 1.5, size=2) * float(30 / video.fps)
    pos = rng.uniform(0, 1, size=2) * (width - block[0], height - block[1])
    shade = rng.integers(0, 256)
    drift = rng.integers(0, width)

    for i in range(video.num_frames):
        frame = np.roll(bank[i % NOISE_BANK], (drift + i // 4) % width, 1)
        for d in range(2):  # bounce the block off the borders
            limit = (width, height)[d] - block[d]
            pos[d] += velocity[d]
            if not 0 <= pos[d] <= limit:
                velocity[d] = -velocity[d]
                pos[d] = min(max(pos[d], 0), limit)
        x, y = int(pos[0]), int(pos[1])
        frame[y:y + block[1], x:x + block[0]] = shade
        for m in np.flatnonzero(visible_actions(video, i)):
            official, g = int(video.actions[m, 0]), groups[m]
            x0, y0, x1, y1 = boxes[m]
            look = looks[m]
            frame[y0:y1, x0:x1] = look
            n = max(group_size[g] - 1, 1)
            inner = (x1 - x0) // 3
            frame[y0 + inner:y1 - inner, x0 + inner:x1 - inner] = (
                look[0, 0] * (0.4 + 0.6 * rank[official] / n)).astype(
                    np.uint8)
        yield frame


def render_video(video: MiniVideo, path: str, size: Tuple[int, int],
                 class_to_group: np.ndarray, rng: np.random.Generator,
                 crf: int = 20, preset: str = 'ultrafast',
                 noise: int = 12) -> None:
    """Encode :func:`render_frames` as H.264 (yuv420p) mp4 at ``size =
    (width, height)`` with x264's default keyframe placement (at most 250
    frames apart).

    Args:
        crf: x264 constant rate factor; 20 keeps the colours crisp.
        preset: x264 preset; ``'ultrafast'`` (no B-frames) for speed.
        noise: amplitude of the background noise (grey levels).
    """
    try:
        import av
    except ImportError as exc:
        raise ImportError(
            'writing mini-Charades videos needs PyAV: pip install '
            "'mmaction-charades[data]' (or pip install av)") from exc
    width, height = size
    container = av.open(str(path), mode='w')
    stream = container.add_stream('libx264', rate=video.fps)
    stream.width, stream.height = width, height
    stream.pix_fmt = 'yuv420p'
    stream.options = {'crf': str(crf), 'preset': preset}
    for frame in render_frames(video, size, class_to_group, rng, noise):
        for packet in stream.encode(
                av.VideoFrame.from_ndarray(frame, format='rgb24')):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()


def actions_field(actions: np.ndarray) -> str:
    """The official ``actions`` field: ``cNNN start end`` joined by ``;``."""
    return ';'.join(f'c{int(c):03d} {s:.2f} {e:.2f}' for c, s, e in actions)


def csv_row(video: MiniVideo, rng: np.random.Generator,
            class_names: Sequence[str]) -> List[str]:
    """The 11 official columns for a video; the free-text fields hold
    commas so that readers must honour the quoting."""
    names = [class_names[int(c)].lower() for c in video.actions[:, 0]]
    script = ('A person waits, then is ' + ', then '.join(names) + '.'
              if names else 'A person stands still, looking around.')
    return [
        video.video_id, f'S{rng.integers(1, 100):02d}',
        SCENES[rng.integers(len(SCENES))],
        str(rng.integers(1, 8)),
        str(rng.integers(1, 8)), 'Yes', script, 'table;door',
        f'Generated video, {len(names)} actions, {float(video.fps):.2f} fps.',
        actions_field(video.actions), f'{video.length:.2f}'
    ]


def write_csv(path: str, rows: Sequence[Sequence[str]]) -> None:
    """Write the official CSV: header, CRLF line ends, minimal quoting."""
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f, lineterminator='\r\n')
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows)


def _balanced_groups(rng: np.random.Generator, num_videos: int,
                     class_to_group: np.ndarray) -> List[List[int]]:
    """The action groups of each video of a split: counts from
    ``NUM_ACTIONS_P``, groups dealt from shuffled decks of all groups, so that
    every group occurs about equally often in the split (and at least once
    when it has ``G`` actions)."""
    num_groups = int(class_to_group.max()) + 1
    counts = rng.choice(len(NUM_ACTIONS_P), p=NUM_ACTIONS_P, size=num_videos)
    decks = max(1, -(-counts.sum() // num_groups))
    deck = np.concatenate([rng.permutation(num_groups) for _ in range(decks)])
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [deck[a:b].tolist() for a, b in zip(bounds[:-1], bounds[1:])]


def _render_one(job: Tuple[int, MiniVideo], out: Path, size, seed: int,
                class_to_group: np.ndarray) -> None:
    index, video = job
    rng = np.random.default_rng([seed, index, 1])
    render_video(video, out / f'{video.video_id}.mp4', size, class_to_group,
                 rng)


def make_mini_charades(out: str,
                       num_videos: int,
                       seed: int = 0,
                       num_test: Optional[int] = None,
                       size: Tuple[int, int] = (128, 96),
                       class_to_group: Optional[np.ndarray] = None,
                       workers: int = 2,
                       placement: str = 'grid',
                       colour_jitter: float = 0.,
                       log: Callable[[str], None] = print) -> List[MiniVideo]:
    """Write ``out/videos/<id>.mp4`` and ``out/Charades_v1_{train,test}.csv``.

    Args:
        out: output directory.
        num_videos: videos in all (train + test).
        seed: the whole output is a function of it.
        num_test: test videos; ``num_videos // 4`` when None.
        size: ``(width, height)``, both even (yuv420p).
        class_to_group: (157,) group of each official class; the shipped
            21-group mapping when None.
        workers: encoding processes.
        placement: ``'grid'``: each group's pattern fills its grid cell;
            ``'random'``: each action draws its pattern's position and size
            (:func:`random_boxes`).
        colour_jitter: in [0, 1]; above 0 each action draws its pattern's
            hue and brightness (:func:`jittered_colours`).

    Returns:
        The videos, train first.
    """
    if size[0] % 2 or size[1] % 2 or min(size) < 2 * GRID:
        raise ValueError(f'size {size}: width and height must be even and '
                         f'at least {2 * GRID}')
    if placement not in PLACEMENTS:
        raise ValueError(f'placement {placement!r}: expected one of '
                         f'{PLACEMENTS}')
    if not 0 <= colour_jitter <= 1:
        raise ValueError(f'colour_jitter={colour_jitter} must lie in [0, 1]')
    num_test = num_videos // 4 if num_test is None else num_test
    if not 0 <= num_test <= num_videos:
        raise ValueError(f'num_test={num_test} must lie in 0..num_videos '
                         f'({num_videos})')
    if class_to_group is None:
        class_to_group = default_class_to_group()
    class_to_group = np.asarray(class_to_group, dtype=np.int64)
    if class_to_group.shape != (157, ) or class_to_group.min() < 0 or \
            class_to_group.max() >= GRID * GRID:
        raise ValueError('class_to_group must give each of the 157 classes '
                         f'a group in 0..{GRID * GRID - 1} (one grid cell '
                         'each)')
    class_names = [name for _, name in load_official_classes()]

    out = Path(out)
    (out / 'videos').mkdir(parents=True, exist_ok=True)
    id_rng = np.random.default_rng([seed, num_videos, 0])
    ids = []
    while len(ids) < num_videos:
        new_id = _random_id(id_rng)
        if new_id not in ids:
            ids.append(new_id)
    num_train = num_videos - num_test
    groups = (_balanced_groups(np.random.default_rng([seed, 0, 3]),
                               num_train, class_to_group) +
              _balanced_groups(np.random.default_rng([seed, 1, 3]), num_test,
                               class_to_group))
    videos = [
        sample_video(np.random.default_rng([seed, k, 0]), ids[k],
                     class_to_group, groups[k]) for k in range(num_videos)
    ]
    for k, video in enumerate(videos):
        if placement == 'random':
            video = replace(video, boxes=random_boxes(
                np.random.default_rng([seed, k, 4]), len(video.actions),
                *size))
        if colour_jitter > 0:
            video = replace(video, colours=jittered_colours(
                np.random.default_rng([seed, k, 5]),
                class_to_group[video.actions[:, 0].astype(np.int64)],
                colour_jitter))
        videos[k] = video
    render = partial(_render_one, out=out / 'videos', size=tuple(size),
                     seed=seed, class_to_group=class_to_group)
    if workers > 1:
        with Pool(workers) as pool:
            pool.map(render, enumerate(videos), chunksize=1)
    else:
        for job in enumerate(videos):
            render(job)
    rows = [
        csv_row(v, np.random.default_rng([seed, k, 2]), class_names)
        for k, v in enumerate(videos)
    ]
    write_csv(out / 'Charades_v1_train.csv', rows[:num_train])
    write_csv(out / 'Charades_v1_test.csv', rows[num_train:])
    log(f'wrote {num_train} train and {num_test} test videos '
        f'({sum(v.num_frames for v in videos)} frames, {size[0]}x{size[1]}) '
        f'to {out}')
    return videos
