import cv2
import numpy as np
import pytest
from mmaction.registry import DATASETS, TRANSFORMS

from mmaction_charades.datasets import AnnotationError, CharadesDataset
from mmaction_charades.utils.config_checks import ConfigError


@pytest.fixture
def train_csv(write_charades_csv):
    return write_charades_csv([
        ('AAA00', 'c008 0.5 2.0;c152 1.0 9.0;c006 3 4', 6.0),
        ('BBB00', '', 4.0),
        ('CCC00', 'c150 0 1', 2.5),
    ])


def test_data_infos_in_21_groups(train_csv):
    dataset = DATASETS.build(
        dict(
            type='CharadesDataset',
            _scope_='mmaction',
            ann_file=train_csv,
            data_prefix=dict(video='videos'),
            pipeline=[]))
    assert len(dataset) == 3
    assert dataset.metainfo['classes'][19] == 'Emotional Expressions'
    assert len(dataset.metainfo['classes']) == 21
    info = dataset.get_data_info(0)
    assert info['filename'] == 'videos/AAA00.mp4'
    assert (info['video_id'], info['length'], info['num_classes'],
            info['label_level']) == ('AAA00', 6.0, 21, 'clip')
    # c008, c006 -> Door/Window (1); c152 -> Emotional Expressions (19),
    # its end clamped to the length.
    np.testing.assert_array_equal(
        info['actions'], [[1, .5, 2.], [19, 1., 6.], [1, 3., 4.]])
    assert info['actions'].dtype == np.float32
    assert info['label'].dtype == np.float32
    labels = dataset.video_labels()
    expected = np.zeros((3, 21), dtype=np.float32)
    expected[0, [1, 19]] = 1
    expected[2, 20] = 1  # c150 -> Running
    np.testing.assert_array_equal(labels, expected)


def test_157_classes_video_level_and_template(train_csv):
    dataset = CharadesDataset(
        train_csv,
        pipeline=[],
        label_space='charades157',
        filename_tmpl='{}_480.avi',
        label_level='video')
    info = dataset.get_data_info(0)
    assert info['filename'] == 'AAA00_480.avi'
    assert info['label_level'] == 'video'
    np.testing.assert_array_equal(info['actions'][:, 0], [8, 152, 6])
    assert np.flatnonzero(info['label']).tolist() == [6, 8, 152]
    assert dataset.metainfo['classes'][152] == 'Someone is smiling'
    with pytest.raises(ValueError, match='label_level'):
        CharadesDataset(train_csv, pipeline=[], label_level='frame')


def test_strict_annotations(write_charades_csv):
    path = write_charades_csv([('AAA00', 'c008 0 1', 3),
                               ('BAD00', 'c999 0 1', 3)])
    with pytest.raises(AnnotationError, match='line 3'):
        CharadesDataset(path, pipeline=[])
    dataset = CharadesDataset(path, pipeline=[], strict=False)
    assert len(dataset) == 1 and dataset.num_dropped_records == 1


def test_official_quirks_labels(quirks_csv):
    dataset = CharadesDataset(quirks_csv, pipeline=[])
    assert len(dataset) == 6 and dataset.num_dropped_records == 0
    # Video labels: AAA00 c008, c152 -> groups 1, 19; BBB00 none; CCC00 c008
    # (c071 starts after its end); DDD00 none (both actions dropped); EEE00
    # c150 -> 20 (c149 starts at the length); FFF00 none (after the length).
    expected = np.zeros((6, 21), dtype=np.float32)
    expected[0, [1, 19]] = expected[2, 1] = expected[4, 20] = 1
    np.testing.assert_array_equal(dataset.video_labels(), expected)
    # A clip of all the frames of a video 2 s longer than its CSV length:
    # the frames at and after `length` show no dropped action.
    for idx in range(6):
        info = dataset.get_data_info(idx)
        frames = int((info['length'] + 2) * 24)
        sampler = TRANSFORMS.build(
            dict(type='StrideClipSampler', clip_len=frames, max_clips=1))
        results = sampler(dict(info, total_frames=frames, avg_fps=24.))
        assert results['frame_inds'].tolist() == list(range(frames))
        np.testing.assert_array_equal(results['label'], expected[idx])


def _decoding_frames(ann, root, clip_len: int,
                     decoder: str) -> CharadesDataset:
    """A test-mode dataset of the frame list ``ann`` whose pipeline decodes
    the first ``clip_len`` frames with ``decoder``, on video labels."""
    return CharadesDataset(
        str(ann),
        data_prefix=dict(img=str(root)),
        frame_fps=24.,
        test_mode=True,
        label_level='video',
        pipeline=[
            dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
                 num_clips=1, test_mode=True),
            dict(type=decoder),
        ])


def test_frame_list_through_rawframe_decode(tmp_path):
    # 5 frames of video XY, frame k a uniform image of value 40 * k, files
    # numbered from 1 as PySlowFast's Charades frames.
    root = tmp_path / 'frames'
    (root / 'XY').mkdir(parents=True)
    lines = ['original_vido_id video_id frame_id path labels']
    for k in range(5):
        cv2.imwrite(str(root / 'XY' / f'XY-{k + 1:06d}.jpg'),
                    np.full((8, 8, 3), 40 * k, np.uint8))
        label = '8' if k > 2 else ''
        lines.append(f'XY 0 {k} XY/XY-{k + 1:06d}.jpg "{label}"')
    ann = tmp_path / 'train.csv'
    ann.write_text('\n'.join(lines) + '\n')
    dataset = _decoding_frames(ann, root, 5, 'RawFrameDecode')
    info = dataset.get_data_info(0)
    assert (info['total_frames'], info['avg_fps'], info['length']) == \
        (5, 24., 5 / 24.)
    np.testing.assert_allclose(info['actions'], [[1, 2.5 / 24, 4.5 / 24]])
    results = dataset[0]
    assert results['frame_inds'].tolist() == [0, 1, 2, 3, 4]
    values = [int(round(img.mean())) for img in results['imgs']]
    assert values == [0, 40, 80, 120, 160]


def test_subsampled_frame_list_through_listed_rawframe_decode(tmp_path):
    """Every 4th frame listed (files 1, 5, 9, 13): listed frame k is file
    4k + 1 (PySlowFast's list positions), at 6 fps for a 24 fps extraction."""
    root = tmp_path / 'frames'
    (root / 'XY').mkdir(parents=True)
    lines = ['original_vido_id video_id frame_id path labels']
    for k in range(16):  # every extracted frame exists; only 4 are listed
        cv2.imwrite(str(root / 'XY' / f'XY-{k + 1:06d}.jpg'),
                    np.full((8, 8, 3), 10 * k, np.uint8))
    for k in range(0, 16, 4):
        lines.append(f'XY 0 {k} XY/XY-{k + 1:06d}.jpg ""')
    ann = tmp_path / 'train.csv'
    ann.write_text('\n'.join(lines) + '\n')
    dataset = _decoding_frames(ann, root, 4, 'ListedRawFrameDecode')
    info = dataset.get_data_info(0)
    assert (info['total_frames'], info['avg_fps']) == (4, 6.)
    results = dataset[0]
    assert results['frame_inds'].tolist() == [0, 1, 2, 3]
    values = [int(round(img.mean())) for img in results['imgs']]
    assert values == [0, 40, 80, 120]
    # MMAction2's RawFrameDecode would read files 1-4 instead of 1, 5, 9, 13
    with pytest.raises(ConfigError, match=r"train\.csv.*'XY'.*ListedRaw"):
        _decoding_frames(ann, root, 4, 'RawFrameDecode')
