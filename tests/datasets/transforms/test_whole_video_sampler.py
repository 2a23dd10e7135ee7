"""WholeVideoSampler: frames over the whole video, labels, FormatShape."""
import numpy as np
import pytest
from mmaction.datasets.transforms import FormatShape

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.transforms import WholeVideoSampler


def _results(total_frames, fps=24., **extra):
    return dict(total_frames=total_frames, avg_fps=fps, **extra)


def test_one_frame_per_second_at_segment_centres():
    out = WholeVideoSampler(fps=1.0)(_results(240))  # 10 s at 24 fps
    assert out['frame_inds'].tolist() == [12 + 24 * k for k in range(10)]
    assert (out['clip_len'], out['num_clips'], out['frame_interval']) == \
        (10, 1, 24.)


def test_long_video_is_spread_over_max_frames():
    out = WholeVideoSampler(fps=1.0, max_frames=288)(_results(24 * 600))
    inds = out['frame_inds']
    assert out['clip_len'] == len(inds) == 288
    assert inds[0] == 25 and inds[-1] == 24 * 600 - 25  # step 50, centres
    assert np.all(np.diff(inds) == 50)


def test_short_video_gets_one_frame():
    out = WholeVideoSampler(fps=1.0)(_results(10))
    assert out['frame_inds'].tolist() == [5]


def test_training_draws_one_frame_inside_each_segment():
    np.random.seed(0)
    out = WholeVideoSampler(fps=2.0, test_mode=False)(_results(120))
    inds = out['frame_inds']  # 5 s at 2 fps: 10 segments of 12 frames
    assert inds.tolist() != [6 + 12 * k for k in range(10)]
    assert np.all(inds // 12 == np.arange(10))


def test_labels_from_sampled_frame_times():
    # 10 s, frames at 0.5, 1.5, ..., 9.5 s.
    actions = np.array([[0, 2.0, 3.0],    # covers 2.5 s
                        [1, 3.6, 4.4],    # between samples
                        [2, 9.4, 20.0],   # end clamped to length: 9.5 s in
                        [3, 9.6, 20.0]],  # after the last sample
                       dtype=np.float32)
    out = WholeVideoSampler(fps=1.0)(_results(
        240, actions=actions, length=10.0, num_classes=5))
    assert out['label'].tolist() == [1., 0., 1., 0., 0.]


def test_output_formats_as_one_ncthw_clip():
    out = WholeVideoSampler(fps=1.0)(_results(72))
    out['imgs'] = [np.zeros((8, 6, 3), np.uint8)] * out['clip_len']
    out['modality'] = 'RGB'
    out = FormatShape('NCTHW')(out)
    assert out['imgs'].shape == (1, 3, 3, 8, 6)


@pytest.mark.parametrize('kwargs', [dict(fps=0), dict(max_frames=0)])
def test_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError, match='WholeVideoSampler needs'):
        WholeVideoSampler(**kwargs)
