"""DilatedClipSampler / StrideClipSampler: hand-computed frame indices and
clip labels, and the MMAction2 decoding pipeline on a generated video."""
import math
from fractions import Fraction

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmcv.transforms import Compose

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.transforms import (DilatedClipSampler,
                                                   StrideClipSampler,
                                                   TimePointClipSampler,
                                                   clip_labels_from_actions)
from mmaction_charades.testing import (MiniVideo, default_class_to_group,
                                       render_video)

NTSC = 30000 / 1001  # 29.97 fps as decord reports it


def _results(total_frames, fps, actions=(), length=None, num_classes=5,
             **extra):
    actions = np.array(actions, dtype=np.float32).reshape(-1, 3)
    video_label = np.zeros(num_classes, dtype=np.float32)
    video_label[actions[:, 0].astype(int)] = 1.
    return dict(total_frames=total_frames, avg_fps=fps, actions=actions,
                length=total_frames / fps if length is None else length,
                num_classes=num_classes, label=video_label, **extra)


# floor(i * span * fps / 16), worked out by hand for span = 3 s
OFFSETS_30 = [0, 5, 11, 16, 22, 28, 33, 39, 45, 50, 56, 61, 67, 73, 78, 84]
OFFSETS_24 = [0, 4, 9, 13, 18, 22, 27, 31, 36, 40, 45, 49, 54, 58, 63, 67]
OFFSETS_15 = [0, 2, 5, 8, 11, 14, 16, 19, 22, 25, 28, 30, 33, 36, 39, 42]
# 29.97 fps: step 5.61938..., so frame 8 is 44 where 30 fps gives 45
OFFSETS_NTSC = [0, 5, 11, 16, 22, 28, 33, 39, 44, 50, 56, 61, 67, 73, 78, 84]


@pytest.mark.parametrize('fps,total_frames,offsets,centre', [
    (30., 300, OFFSETS_30, (299 - 84) // 2),
    (24., 240, OFFSETS_24, (239 - 67) // 2),
    (15., 150, OFFSETS_15, (149 - 42) // 2),
    (NTSC, 100, OFFSETS_NTSC, (99 - 84) // 2),
])
def test_dilated_test_mode_takes_the_centred_span(fps, total_frames, offsets,
                                                  centre):
    out = DilatedClipSampler(clip_len=16, span=3.0, test_mode=True)(
        _results(total_frames, fps))
    np.testing.assert_array_equal(out['frame_inds'],
                                  centre + np.array(offsets))
    assert out['frame_inds'].dtype == np.int32
    assert (out['num_clips'], out['clip_len']) == (1, 16)
    assert out['frame_interval'] == pytest.approx(3.0 * fps / 16)


def test_dilated_short_video_spreads_over_all_frames():
    # 40 frames at 30 fps (1.33 s < 3 s): floor(2.5 i), start in {0, 1, 2}
    offsets = np.array([0, 2, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 30, 32,
                        35, 37])
    out = DilatedClipSampler(test_mode=True)(_results(40, 30.))
    np.testing.assert_array_equal(out['frame_inds'], 1 + offsets)
    # 5 frames, 16 wanted: floor(5 i / 16) repeats every frame 3-4 times
    out = DilatedClipSampler(test_mode=True)(_results(5, 24.))
    np.testing.assert_array_equal(
        out['frame_inds'], [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    np.random.seed(0)
    for _ in range(20):
        inds = DilatedClipSampler()(_results(5, 24.))['frame_inds']
        np.testing.assert_array_equal(inds, out['frame_inds'])


def test_dilated_training_start_is_uniform_seeded_and_varies():
    sampler = DilatedClipSampler(clip_len=16, span=3.0)
    np.random.seed(3)
    starts = [sampler(_results(40, 30.))['frame_inds'][0] for _ in range(300)]
    assert set(starts) == {0, 1, 2}
    assert min(np.bincount(starts)) > 60  # about 100 each
    np.random.seed(3)
    again = [sampler(_results(40, 30.))['frame_inds'][0] for _ in range(300)]
    assert starts == again
    # a long video: every start from 0 to 299 - 84 is possible
    np.random.seed(0)
    starts = {sampler(_results(300, 30.))['frame_inds'][0]
              for _ in range(3000)}
    assert min(starts) == 0 and max(starts) == 215 and len(starts) > 200


def test_dilated_several_clips():
    out = DilatedClipSampler(clip_len=16, span=3.0, num_clips=3,
                             test_mode=True)(_results(300, 30.))
    # starts 0, 215 // 2, 215 (evenly spaced, floor)
    expected = np.concatenate([s + np.array(OFFSETS_30) for s in (0, 107,
                                                                  215)])
    np.testing.assert_array_equal(out['frame_inds'], expected)
    assert out['num_clips'] == 3 and out['clip_labels'].shape == (3, 5)
    np.random.seed(1)
    inds = DilatedClipSampler(num_clips=4)(_results(300, 30.))['frame_inds']
    starts = inds.reshape(4, 16)[:, 0]
    assert (np.diff(starts) >= 0).all()
    np.testing.assert_array_equal(inds.reshape(4, 16) - starts[:, None],
                                  np.tile(OFFSETS_30, (4, 1)))


@pytest.mark.parametrize('fps,total_frames,starts', [
    (30., 300, [0, 30, 60, 90]),
    (NTSC, 300, [0, 29, 59, 89]),  # floor(k * 29.97)
    (24., 60, [0, 24]),  # 48 + 15 > 59: two clips fit
    (15., 100, [0, 15, 30, 45]),
])
def test_stride_clips_start_every_stride_seconds(fps, total_frames, starts):
    out = StrideClipSampler(clip_len=16, max_clips=4, stride=1.0)(
        _results(total_frames, fps))
    expected = np.concatenate([s + np.arange(16) for s in starts])
    np.testing.assert_array_equal(out['frame_inds'], expected)
    assert out['num_clips'] == len(starts)
    assert (out['clip_len'], out['frame_interval']) == (16, 1)


def test_stride_with_frame_interval_and_shorter_than_one_clip():
    out = StrideClipSampler(clip_len=4, max_clips=4, stride=1.5,
                            frame_interval=2)(_results(100, 24.))
    # starts floor(k * 36) = 0, 36, 72 (108 is past the end)
    np.testing.assert_array_equal(
        out['frame_inds'],
        [0, 2, 4, 6, 36, 38, 40, 42, 72, 74, 76, 78])
    assert out['frame_interval'] == 2
    # 10 frames, 16 wanted: one clip looping over the video
    out = StrideClipSampler(clip_len=16)(_results(10, 15.))
    np.testing.assert_array_equal(out['frame_inds'],
                                  list(range(10)) + list(range(6)))
    assert out['num_clips'] == 1


def test_clip_labels_bounds_inclusive_and_clamped_to_length():
    actions = [
        [1, 0.5, 0.9],  # starts at frame 15 (t = 0.5): last of clip 0
        [3, 0.51, 0.99],  # between clip 0 (<= 0.5 s) and clip 1 (>= 1 s)
        [4, 1.6, 2.0],  # ends at frame 60 (t = 2.0): first of clip 2
        [2, 1.8, 5.0],  # clamped to length 2.0: clip 2 only, not clip 3
    ]
    out = StrideClipSampler(clip_len=16, max_clips=4, stride=1.0)(
        _results(300, 30., actions, length=2.0))
    # clips cover t in [0, .5], [1, 1.5], [2, 2.5], [3, 3.5]
    expected = np.zeros((4, 5), dtype=np.float32)
    expected[0, 1] = 1
    expected[2, [2, 4]] = 1
    np.testing.assert_array_equal(out['clip_labels'], expected)
    assert out['clip_labels'].dtype == np.float32
    np.testing.assert_array_equal(out['label'], [0, 1, 1, 0, 1])


def test_label_level_video_keeps_the_video_label():
    results = _results(300, 30., [[3, 8., 9.]], label_level='video')
    out = StrideClipSampler()(results)
    assert out['clip_labels'].sum() == 0
    np.testing.assert_array_equal(out['label'], [0, 0, 0, 1, 0])
    results = _results(300, 30., [[3, 8., 9.]], label_level='clip')
    np.testing.assert_array_equal(StrideClipSampler()(results)['label'],
                                  np.zeros(5))


def test_dilated_clip_labels_on_a_29_97_fps_video():
    # centre clip of 100 frames: 7 + OFFSETS_NTSC, times (7 + o) / 29.97
    # sampled frames 7, 12, 18, 23, 29, 35, ..., 85, 91
    actions = [[0, 0.0, 7 / NTSC], [1, 0.0, 6 / NTSC], [2, 91 / NTSC, 9.],
               [3, 92 / NTSC, 9.], [4, 0.95, 1.0]]
    out = DilatedClipSampler(test_mode=True)(_results(100, NTSC, actions))
    # frame 7 ends action 0 and frame 91 starts action 2 (bounds stored as
    # float32 still count); action 1 ends before frame 7, action 3 starts
    # after frame 91; action 4 spans frames 28.5-29.97 and holds frame 29
    np.testing.assert_array_equal(out['clip_labels'], [[1, 0, 1, 0, 1]])


def test_float32_annotation_times_keep_frames_on_the_bounds():
    # frame 3 at 30 fps is t = 0.1 s; float32(0.1) > 0.1
    actions = [[0, 0.1, 0.2], [1, 0.0, 0.1], [2, 0.1001, 0.2]]
    np.testing.assert_array_equal(
        clip_labels_from_actions(np.array([[3]]), 30.,
                                 np.array(actions, np.float32), 10., 3),
        [[1, 1, 0]])


def test_clip_labels_match_a_frame_by_frame_loop():
    rng = np.random.default_rng(0)
    for _ in range(50):
        fps = rng.choice([15., 24., 30., NTSC])
        inds = rng.integers(0, 600, size=(3, 8))
        actions = np.stack([rng.integers(0, 7, 6), rng.uniform(0, 20, 6),
                            rng.uniform(0, 25, 6)], 1)
        actions[:, 2] = np.maximum(actions[:, 1], actions[:, 2])
        length = rng.uniform(5, 22)
        expected = np.zeros((3, 7))
        for n in range(3):
            for c, start, end in actions:
                for i in inds[n]:
                    if start <= i / fps <= min(end, length):
                        expected[n, int(c)] = 1
        got = clip_labels_from_actions(inds, fps, actions, length, 7)
        np.testing.assert_array_equal(got, expected)


def test_without_actions_only_sampling_keys_are_written():
    out = StrideClipSampler()(dict(total_frames=100, avg_fps=25.))
    assert 'clip_labels' not in out and 'label' not in out
    assert out['num_clips'] == 4


def test_bad_video_metadata_is_named():
    with pytest.raises(ValueError, match='broken.mp4.*total_frames=0'):
        DilatedClipSampler()(dict(total_frames=0, avg_fps=24.,
                                  filename='broken.mp4'))
    with pytest.raises(ValueError, match='span > 0'):
        DilatedClipSampler(span=0)


@pytest.mark.parametrize('total_frames, fps',
                         [(math.nan, 24.), (math.inf, 24.), (100, math.nan),
                          (100, math.inf), (100, 0.)])
@pytest.mark.parametrize('sampler', [DilatedClipSampler, StrideClipSampler])
def test_non_finite_metadata_is_named(sampler, total_frames, fps):
    with pytest.raises(ValueError, match='broken.mp4 has total_frames='
                       f'{total_frames}, avg_fps={fps}; expected'):
        sampler()(dict(total_frames=total_frames, avg_fps=fps,
                       filename='broken.mp4'))


def test_decodes_with_mmaction_pipeline(tmp_path):
    """DecordInit -> sampler -> DecordDecode -> FormatShape('NCTHW')."""
    class_to_group = default_class_to_group()
    video = MiniVideo('VID01', Fraction(24), 60, 2.5,
                      np.array([[0., 0., 1.0]]))
    path = tmp_path / 'VID01.mp4'
    render_video(video, path, (64, 48), class_to_group,
                 np.random.default_rng(0))
    pipeline = Compose([
        TRANSFORMS.build(cfg) for cfg in (
            dict(type='DecordInit'),
            dict(type='StrideClipSampler', clip_len=8, max_clips=4,
                 stride=1.0),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(32, 32), keep_ratio=False),
            dict(type='FormatShape', input_format='NCTHW'),
        )
    ])
    results = dict(filename=str(path), start_index=0, modality='RGB',
                   actions=video.actions.astype(np.float32), length=2.5,
                   num_classes=21, label=np.zeros(21, np.float32))
    results['label'][0] = 1
    out = pipeline(results)
    # starts 0, 24, 48 (72 is past the 60 frames)
    assert out['imgs'].shape == (3, 3, 8, 32, 32)
    np.testing.assert_array_equal(out['clip_labels'][:, 0], [1, 1, 0])


def test_time_points_official_25_and_centred_clips():
    """25 points at (j - 1) / 25 * length; 8 frames over 1 s at 10 fps
    (offsets floor(1.25 i) = 0, 1, 2, 3, 5, 6, 7, 8), the clip of t starting
    at round(10 t - 4), clamped to 0 .. 99 - 8."""
    sampler = TimePointClipSampler(clip_len=8, span=1.0)
    out = sampler(_results(100, 10., length=10.))
    np.testing.assert_allclose(out['time_points'], np.arange(25) * 0.4)
    clips = out['frame_inds'].reshape(25, 8)
    offsets = np.array([0, 1, 2, 3, 5, 6, 7, 8])
    np.testing.assert_array_equal(clips[0], offsets)  # t = 0: clamped
    np.testing.assert_array_equal(clips[5], 16 + offsets)  # t = 2 s
    np.testing.assert_array_equal(clips[6], 20 + offsets)  # t = 2.4 s
    np.testing.assert_array_equal(clips[24], 91 + offsets)  # 96 - 4: clamped
    assert (out['num_clips'], out['clip_len']) == (25, 8)
    assert out['frame_interval'] == pytest.approx(1.25)


def test_time_points_step_mode_length_fallback_and_given_points():
    # no annotation: 47 frames at 10 fps last 4.7 s -> 0, 0.5, ..., 4.5
    info = dict(total_frames=47, avg_fps=10.)
    out = TimePointClipSampler(clip_len=4, span=1.0, step=0.5)(dict(info))
    np.testing.assert_allclose(out['time_points'], np.arange(10) * 0.5)
    assert 'label' not in out and 'point_labels' not in out
    out = TimePointClipSampler(clip_len=4, span=1.0)(dict(info))
    np.testing.assert_allclose(out['time_points'], np.arange(25) * 0.188)
    given = dict(info, time_points=np.array([1.0, 3.0]))
    out = TimePointClipSampler(clip_len=4, span=1.0, step=0.5)(given)
    # offsets floor(2.5 i) = 0, 2, 5, 7: starts round(10 t - 3.5)
    np.testing.assert_array_equal(out['frame_inds'].reshape(2, 4),
                                  [[7, 9, 12, 14], [27, 29, 32, 34]])


@pytest.mark.parametrize('label_level', ['clip', 'video'])
def test_time_point_labels_whatever_the_label_level(label_level):
    """``label`` is the (P, C) start <= t <= end labels: at 0.4 s steps the
    action [0.8, 2.0] covers points 2..5, one ending past the length the
    points from its start."""
    results = _results(100, 10., actions=[[1, 0.8, 2.0], [3, 9.0, 12.0]],
                       length=10., label_level=label_level)
    out = TimePointClipSampler(clip_len=8, span=1.0)(results)
    assert out['label'].shape == (25, 5) and out['label'].dtype == np.float32
    np.testing.assert_array_equal(np.flatnonzero(out['label'][:, 1]),
                                  [2, 3, 4, 5])
    np.testing.assert_array_equal(np.flatnonzero(out['label'][:, 3]),
                                  [23, 24])
    assert out['label'][:, [0, 2, 4]].sum() == 0
    assert out['point_labels'] is out['label']


@pytest.mark.parametrize('kwargs', [
    dict(num_points=25, step=1.0), dict(num_points=0), dict(step=0.),
    dict(span=0.), dict(clip_len=0)])
def test_time_point_sampler_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='TimePointClipSampler'):
        TimePointClipSampler(**kwargs)
