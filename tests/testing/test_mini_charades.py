"""The generated mini-Charades: official CSV format, decodable videos at the
drawn fps, patterns exactly during the actions, determinism, random placement
and colour jitter."""
import colorsys
import csv
import hashlib
import math
import subprocess
import sys
import re
from fractions import Fraction
from pathlib import Path

import decord
import numpy as np
import pytest

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.label_space import load_official_classes
from mmaction_charades.testing import (CSV_COLUMNS, MiniVideo, cell_box,
                                       default_class_to_group,
                                       jittered_colours, make_mini_charades,
                                       random_boxes, render_frames,
                                       render_video, sample_video)
from mmaction_charades.testing.mini_charades import NUM_HUES, RANDOM_SCALE

ROOT = Path(__file__).resolve().parents[2]
SIZE = (128, 96)
ACTION = re.compile(r'^c(\d{3}) (\d+\.\d{2}) (\d+\.\d{2})$')


@pytest.fixture(scope='module')
def mini(tmp_path_factory):
    out = tmp_path_factory.mktemp('mini')
    videos = make_mini_charades(out, num_videos=6, seed=7, num_test=2,
                                size=SIZE, workers=1, log=lambda _: None)
    return out, videos


def test_csv_is_the_official_format(mini):
    out, videos = mini
    official = {cid for cid, _ in load_official_classes()}
    for name, expected in (('Charades_v1_train.csv', videos[:4]),
                           ('Charades_v1_test.csv', videos[4:])):
        raw = (out / name).read_bytes()
        assert raw.count(b'\r\n') == raw.count(b'\n') == len(expected) + 1
        with open(out / name, newline='', encoding='utf-8') as f:
            rows = list(csv.reader(f))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert b'"A person' in raw  # free text with commas is quoted
        for row, video in zip(rows[1:], expected):
            assert len(row) == 11
            record = dict(zip(CSV_COLUMNS, row))
            assert record['id'] == video.video_id
            assert ',' in record['script']
            assert float(record['length']) == video.length
            triples = record['actions'].split(';') if record['actions'] else []
            assert len(triples) == len(video.actions)
            for triple, (c, start, end) in zip(triples, video.actions):
                match = ACTION.match(triple)
                assert match, triple
                assert f'c{match[1]}' in official
                assert (int(match[1]), float(match[2]),
                        float(match[3])) == (c, start, end)


def test_groups_are_balanced_within_each_split(mini):
    _, videos = mini
    class_to_group = default_class_to_group()
    for split in (videos[:4], videos[4:]):
        actions = np.concatenate([v.actions for v in split])
        counts = np.bincount(class_to_group[actions[:, 0].astype(int)],
                             minlength=21)
        assert counts.max() - counts.min() <= 1


def test_decord_reads_the_drawn_fps_and_frame_count(mini):
    out, videos = mini
    for video in videos:
        reader = decord.VideoReader(str(out / 'videos' /
                                        f'{video.video_id}.mp4'))
        assert len(reader) == video.num_frames
        assert reader.get_avg_fps() == pytest.approx(float(video.fps),
                                                     abs=1e-6)
        assert reader[0].shape == (SIZE[1], SIZE[0], 3)
        assert abs(video.length - video.num_frames / float(video.fps)) < .01


def _saturation_at(reader, frame, box):
    """Mean over the pattern's rectangle of max - min over RGB."""
    x0, y0, x1, y1 = box
    pixels = reader[frame].asnumpy()[y0:y1, x0:x1].astype(int)
    return (pixels.max(-1) - pixels.min(-1)).mean()


def _check_patterns_show_exactly_during_the_actions(out, videos):
    """At the first, middle and last frame of each action its pattern's
    rectangle is saturated; at the frames just outside, where no action with
    the same rectangle runs, it is grey. Returns the frames checked grey."""
    class_to_group = default_class_to_group()
    checked = 0
    for video in videos:
        reader = decord.VideoReader(str(out / 'videos' /
                                        f'{video.video_id}.mp4'))
        fps = float(video.fps)
        groups = class_to_group[video.actions[:, 0].astype(int)]
        boxes = (video.boxes if video.boxes is not None else
                 np.array([cell_box(g, *SIZE) for g in groups]))
        for m, ((_, start, end), box) in enumerate(zip(video.actions,
                                                       boxes)):
            same = video.actions[(boxes == box).all(1)]
            first = math.ceil(start * fps - 1e-6)
            last = min(math.floor(min(end, video.length) * fps + 1e-6),
                       video.num_frames - 1)
            if video.colours is not None:
                # darker patterns: the lit top-left corner, away from the
                # centre and the edges' chroma, shows the drawn colour
                x0, y0, x1, _ = box
                inner = (x1 - x0) // 3
                box = (x0 + 1, y0 + 1, x0 + inner, y0 + inner)
            # brightness jitter darkens a pattern to as little as 1 - X / 2
            least = 80 if video.colours is None else 60
            for frame in {first, (first + last) // 2, last}:
                assert _saturation_at(reader, frame, box) > least
                if video.colours is not None:
                    x0, y0, x1, y1 = box
                    drawn = reader[frame].asnumpy()[y0:y1, x0:x1]
                    np.testing.assert_allclose(
                        drawn.reshape(-1, 3).mean(0), video.colours[m],
                        atol=25)
            for frame in (first - 1, last + 1):
                t = frame / fps
                other = ((same[:, 1] <= t + 1e-4) &
                         (t - 1e-4 <= np.minimum(same[:, 2], video.length)))
                if 0 <= frame < video.num_frames and not other.any():
                    assert _saturation_at(reader, frame, box) < 30
                    checked += 1
    return checked


def test_patterns_show_exactly_during_the_actions(mini):
    assert _check_patterns_show_exactly_during_the_actions(*mini) >= 4


@pytest.fixture(scope='module')
def mini_random(tmp_path_factory):
    out = tmp_path_factory.mktemp('mini_random')
    videos = make_mini_charades(out, num_videos=6, seed=7, num_test=2,
                                size=SIZE, workers=1, placement='random',
                                colour_jitter=1., log=lambda _: None)
    return out, videos


def test_random_patterns_show_exactly_during_the_actions(mini_random):
    assert _check_patterns_show_exactly_during_the_actions(
        *mini_random) >= 4


def test_default_output_is_unchanged(mini):
    """Digests of the default output (seed 7) taken before the placement and
    colour options existed: the CSVs, and the raw frames of a fixed video
    (before the encoder, so independent of the x264 build)."""
    out, videos = mini
    assert all(v.boxes is None and v.colours is None for v in videos)
    digests = {
        'Charades_v1_train.csv':
        '9e045d875c99b81aed6a7d8c1e68594d21088039f1f496516786569b1f5df7b3',
        'Charades_v1_test.csv':
        'ffb966f8ea5f3a1cebf8ac0a1cf3e8c357d8e5836a315df81591f2803d4fb2dd'
    }
    for name, digest in digests.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    video = MiniVideo('Z', Fraction(15), 45, 3.0,
                      np.array([[1., 0., 2.], [40., 1., 2.5], [100., .5, 9.]]))
    frames = np.stack(list(render_frames(video, SIZE,
                                         default_class_to_group(),
                                         np.random.default_rng(3))))
    assert frames.shape == (45, SIZE[1], SIZE[0], 3)
    assert hashlib.sha256(frames.tobytes()).hexdigest() == (
        '09ea7b629962b397df5767c2c0e593812fe5514e322614432fbb905eb23c2639')


def test_random_placement_draws_each_action_its_box(mini, mini_random):
    """Without random placement every action of a group is drawn at its grid
    cell (see the test above); with it, every action gets its own box, of
    varying size, fully inside the frame and disjoint from the video's other
    boxes, the same for the same seed."""
    _, fixed = mini
    _, videos = mini_random
    for grid, video in zip(fixed, videos):
        np.testing.assert_array_equal(grid.actions, video.actions)
    boxes = np.concatenate([v.boxes for v in videos])
    assert len(boxes) == sum(len(v.actions) for v in videos) >= 8
    assert len({tuple(b) for b in boxes}) == len(boxes)
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= SIZE[0]).all() \
        and (boxes[:, 3] <= SIZE[1]).all()
    assert len(set(boxes[:, 2] - boxes[:, 0])) > 1
    for video in videos:
        for i, a in enumerate(video.boxes):
            for b in video.boxes[i + 1:]:
                assert (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1]
                        or b[3] <= a[1])
    many = random_boxes(np.random.default_rng(0), 400 // 100, *SIZE)
    assert many.shape == (4, 4)
    draws = np.concatenate([
        random_boxes(np.random.default_rng([1, k]), 4, *SIZE)
        for k in range(100)
    ])
    grid_w = np.diff(np.array(cell_box(0, *SIZE))[[0, 2]])[0]
    scale = (draws[:, 2] - draws[:, 0]) / grid_w
    assert RANDOM_SCALE[0] - .05 <= scale.min() < RANDOM_SCALE[0] + .1
    assert RANDOM_SCALE[1] - .1 < scale.max() <= RANDOM_SCALE[1] + .05
    centre_x = (draws[:, 0] + draws[:, 2]) / 2 / SIZE[0]
    assert centre_x.min() < .2 and centre_x.max() > .8
    np.testing.assert_array_equal(
        random_boxes(np.random.default_rng([1, 5]), 4, *SIZE), draws[20:24])
    with pytest.raises(ValueError, match='disjoint'):
        random_boxes(np.random.default_rng(0), 400, *SIZE)


def _hue(rgb) -> float:
    return colorsys.rgb_to_hsv(*(np.asarray(rgb) / 255.))[0]


def test_colour_jitter_varies_hue_and_brightness_within_the_group(
        mini_random, tmp_path):
    """Jittered colours vary in hue and brightness, but the hue stays within
    half the spacing of the group hues of the group's own, so groups keep
    distinct hue ranges; no jitter draws the group's colour."""
    _, videos = mini_random
    colours = np.concatenate([v.colours for v in videos])
    assert len({tuple(c) for c in colours}) == len(colours)
    groups = np.full(2000, 9)
    for jitter in (0., .5, 1.):
        drawn = jittered_colours(np.random.default_rng(0), groups, jitter)
        hue = np.array([_hue(c) for c in drawn]) * NUM_HUES
        value = drawn.max(1)
        offset = (hue - groups % NUM_HUES + NUM_HUES / 2) % NUM_HUES - \
            NUM_HUES / 2
        if jitter == 0:
            assert len(np.unique(drawn, axis=0)) == 1
            continue
        assert abs(offset).max() <= jitter / 2 + .02
        assert offset.std() > jitter / 5  # uniform: jitter / sqrt(12)
        assert value.min() < 255 * (1 - jitter / 2) + 5
        assert value.max() > 250 and value.std() > 10 * jitter
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        make_mini_charades(tmp_path / 'refused', 2, colour_jitter=1.5)
    with pytest.raises(ValueError, match='placement'):
        make_mini_charades(tmp_path / 'refused', 2, placement='grids')


@pytest.mark.slow
def test_cli_refuses_a_bad_colour_jitter(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / 'tools/data/make_mini_charades.py'),
         '--out', str(tmp_path), '--num-videos', '2', '--colour-jitter',
         '2'], capture_output=True, text=True)
    assert result.returncode == 2
    assert "--colour-jitter expects a number in [0, 1]; got '2'" in \
        result.stderr
    assert not (tmp_path / 'videos').exists()


def test_action_statistics_over_many_videos():
    class_to_group = default_class_to_group()
    videos = [sample_video(np.random.default_rng([1, k]), f'V{k:04d}',
                           class_to_group) for k in range(600)]
    counts = np.array([len(v.actions) for v in videos])
    assert counts.max() == 4 and 0.05 < (counts == 0).mean() < 0.15
    actions = np.concatenate([v.actions for v in videos])
    groups = class_to_group[actions[:, 0].astype(int)]
    assert np.bincount(groups, minlength=21).min() > 30  # every group
    assert (actions[:, 1] <= actions[:, 2]).all()
    assert {float(v.fps) for v in videos} == {15., 24., 30., 30000 / 1001}
    lengths = np.array([v.length for v in videos])
    assert lengths.min() >= 5 - .05 and lengths.max() <= 30 + .05
    past_end = sum((v.actions[:, 2] > v.length).sum() for v in videos)
    assert past_end > 50
    overlapping = sum(
        any(a[1] < b[2] and b[1] < a[2] for i, a in enumerate(v.actions)
            for b in v.actions[i + 1:]) for v in videos)
    assert overlapping > 50


def test_a_custom_class_to_group_mapping_is_used(tmp_path):
    class_to_group = np.arange(157) % 3  # c001 -> group 1 (default: 0)
    videos = [sample_video(np.random.default_rng([2, k]), 'X', class_to_group)
              for k in range(200)]
    actions = np.concatenate([v.actions for v in videos])
    counts = np.bincount(class_to_group[actions[:, 0].astype(int)])
    assert len(counts) == 3 and counts.min() > 80
    video = MiniVideo('Y', Fraction(15), 30, 2.0, np.array([[1., 0., 2.]]))
    render_video(video, tmp_path / 'Y.mp4', SIZE, class_to_group,
                 np.random.default_rng(0))
    reader = decord.VideoReader(str(tmp_path / 'Y.mp4'))
    assert _saturation_at(reader, 10, cell_box(1, *SIZE)) > 80
    assert _saturation_at(reader, 10, cell_box(0, *SIZE)) < 30
    with pytest.raises(ValueError, match='even'):
        make_mini_charades(tmp_path, 2, size=(127, 96))
    with pytest.raises(ValueError, match='one grid cell'):
        make_mini_charades(tmp_path, 2, class_to_group=np.arange(157))


def test_same_seed_same_data(mini, tmp_path):
    out, videos = mini
    again = make_mini_charades(tmp_path, num_videos=6, seed=7, num_test=2,
                               size=SIZE, workers=2, log=lambda _: None)
    for name in ('Charades_v1_train.csv', 'Charades_v1_test.csv'):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    for video in again:
        frames = [decord.VideoReader(str(d / 'videos' /
                                         f'{video.video_id}.mp4'))[5]
                  .asnumpy() for d in (out, tmp_path)]
        np.testing.assert_array_equal(*frames)
