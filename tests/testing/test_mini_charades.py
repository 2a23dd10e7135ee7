"""The generated mini-Charades: official CSV format, decodable videos at the
drawn fps, patterns exactly during the actions, determinism."""
import csv
import math
import re
from fractions import Fraction

import decord
import numpy as np
import pytest

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.label_space import load_official_classes
from mmaction_charades.testing import (CSV_COLUMNS, MiniVideo, cell_box,
                                       default_class_to_group,
                                       make_mini_charades, render_video,
                                       sample_video)

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


def test_patterns_show_exactly_during_the_actions(mini):
    out, videos = mini
    class_to_group = default_class_to_group()
    checked = 0
    for video in videos:
        reader = decord.VideoReader(str(out / 'videos' /
                                        f'{video.video_id}.mp4'))
        fps = float(video.fps)
        groups = class_to_group[video.actions[:, 0].astype(int)]
        for (_, start, end), group in zip(video.actions, groups):
            same = video.actions[groups == group]
            first = math.ceil(start * fps - 1e-6)
            last = min(math.floor(min(end, video.length) * fps + 1e-6),
                       video.num_frames - 1)
            box = cell_box(group, *SIZE)
            for frame in {first, (first + last) // 2, last}:
                assert _saturation_at(reader, frame, box) > 80
            for frame in (first - 1, last + 1):
                t = frame / fps
                other = ((same[:, 1] <= t + 1e-4) &
                         (t - 1e-4 <= np.minimum(same[:, 2], video.length)))
                if 0 <= frame < video.num_frames and not other.any():
                    assert _saturation_at(reader, frame, box) < 30
                    checked += 1
    assert checked >= 4


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
