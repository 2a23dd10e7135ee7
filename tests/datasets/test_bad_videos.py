"""Missing, empty, truncated, corrupt and NaN-fps videos through a real
pipeline."""
import math

import av
import decord
import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmaction_charades.datasets import (BadVideoError, CharadesDataset,
                                        NoValidVideoError)
from mmaction_charades.engine.hooks import SkippedVideosHook

# MMAction2's sampler, which computes no clip labels: datasets built with it
# use label_level='video' (CharadesDataset refuses it with clip labels).
PIPELINE = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=2, frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
]
SAMPLED = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=2, span=1.0),
    dict(type='DecordDecode'),
]
GOOD = ['good0', 'good1']
BAD = ['missing', 'empty', 'truncated', 'random']


def _write_h264(path, fps=8, seconds=2, size=32):
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = 'yuv420p'
        for k in range(fps * seconds):
            image = np.full((size, size, 3), 8 * k, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


@pytest.fixture(scope='module')
def video_dir(tmp_path_factory, write_nan_fps_video):
    root = tmp_path_factory.mktemp('videos')
    for name in GOOD:
        _write_h264(root / f'{name}.mp4')
    data = (root / 'good0.mp4').read_bytes()
    (root / 'empty.mp4').write_bytes(b'')
    (root / 'truncated.mp4').write_bytes(data[:len(data) // 2])
    (root / 'random.mp4').write_bytes(
        np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes())
    write_nan_fps_video(root / 'nanfps.mp4')
    return root


@pytest.fixture
def ann_file(write_charades_csv):
    return write_charades_csv([(name, 'c008 0 1', 2) for name in GOOD + BAD])


class FirstGoodRefetch(CharadesDataset):
    """Replaces a bad sample with sample 0 (good) instead of a random one, so
    that the number of replacements per epoch is exactly the number of bad
    videos."""

    def _rand_another(self) -> int:
        return 0


@pytest.mark.parametrize('name', BAD)
@pytest.mark.parametrize('mode', ['strict_videos', 'test_mode'])
def test_bad_video_raises_naming_the_file(video_dir, ann_file, name, mode):
    dataset = CharadesDataset(
        ann_file,
        pipeline=PIPELINE,
        label_level='video',
        data_prefix=dict(video=str(video_dir)),
        **{mode: True})
    with pytest.raises(BadVideoError, match=f'{name}.mp4.*DecordInit'):
        dataset[(GOOD + BAD).index(name)]
    assert dataset[0]['imgs'][0].shape == (32, 32, 3)


def test_bad_video_is_replaced_and_counted(video_dir, ann_file):
    dataset = CharadesDataset(
        ann_file, pipeline=PIPELINE, label_level='video',
        data_prefix=dict(video=str(video_dir)))
    for index in range(len(dataset)):
        results = dataset[index]
        assert results['video_id'] in GOOD
        assert len(results['imgs']) == 2
    assert dataset.bad_videos.num_bad_videos() == len(BAD)
    assert dataset.bad_videos.num_skipped() >= len(BAD)


@pytest.mark.parametrize('persistent', [False, True])
def test_counts_with_dataloader_workers(video_dir, ann_file, persistent):
    dataset = FirstGoodRefetch(
        ann_file, pipeline=PIPELINE, label_level='video',
        data_prefix=dict(video=str(video_dir)))
    loader = Runner.build_dataloader(
        dict(
            dataset=dataset,
            batch_size=2,
            num_workers=2,
            persistent_workers=persistent,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='pseudo_collate')),
        seed=0)
    # The Runner deep-copies the dataset; the copy's counters must be shared.
    dataset = loader.dataset
    for _ in range(2):
        dataset.bad_videos.reset()
        ids = [i for batch in loader for i in batch['video_id']]
        assert len(ids) == len(GOOD + BAD) and set(ids) == set(GOOD)
        assert dataset.bad_videos.num_skipped() == len(BAD)
    assert dataset.bad_videos.num_bad_videos() == len(BAD)
    assert dataset.bad_videos.seen.tolist() == [False] * 2 + [True] * 4


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))

    def forward(self, video_id, mode='tensor', **kwargs):
        return dict(loss=(self.weight**2).sum() * len(video_id))


def _train_two_epochs(dataset, work_dir, **loader) -> Runner:
    """Train the toy model for two epochs of batches of 3 with the
    skipped-video hook; ``loader``: DataLoader worker settings."""
    # The Runner sets a global default scope: restore it afterwards.
    with DefaultScope.overwrite_default_scope('mmaction'):
        runner = Runner(
            model=_ToyModel(),
            work_dir=str(work_dir),
            train_dataloader=dict(
                dataset=dataset,
                batch_size=3,
                sampler=dict(type='DefaultSampler', shuffle=True),
                collate_fn=dict(type='pseudo_collate'),
                **loader),
            train_cfg=dict(by_epoch=True, max_epochs=2),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
            default_hooks=dict(checkpoint=None),
            custom_hooks=[SkippedVideosHook()],
            default_scope='mmaction')
        runner.train()
    return runner


def test_hook_reports_each_epoch(video_dir, ann_file, tmp_path):
    dataset = FirstGoodRefetch(
        ann_file, pipeline=PIPELINE, label_level='video',
        data_prefix=dict(video=str(video_dir)))
    runner = _train_two_epochs(dataset, tmp_path / 'work', num_workers=2,
                               persistent_workers=True)
    # Reset each epoch: 4 replacements in epoch 2, not 8.
    assert runner.message_hub.get_info('skipped_videos') == len(BAD)
    log = next((tmp_path / 'work').rglob('*.log')).read_text()
    for epoch in (1, 2):
        assert (f'Epoch {epoch}: 4 training samples replaced because their '
                'video could not be decoded (4 distinct bad videos') in log
    # Each bad file is logged once, although two workers met it twice.
    for name in BAD:
        assert log.count(f'skipping unreadable video {str(video_dir)!r}'[:-1] +
                         f"/{name}.mp4'") == 1


def test_missing_frames_of_a_frame_list(tmp_path):
    ann = tmp_path / 'frames.csv'
    ann.write_text('original_vido_id video_id frame_id path labels\n'
                   'XY 0 0 XY/XY-000001.jpg ""\n')
    dataset = CharadesDataset(
        str(ann),
        data_prefix=dict(img=str(tmp_path)),
        strict_videos=True,
        label_level='video',
        pipeline=[
            dict(type='SampleFrames', clip_len=1, num_clips=1),
            dict(type='RawFrameDecode')
        ])
    with pytest.raises(BadVideoError, match=r'XY.*RawFrameDecode raised '
                       'FileNotFoundError'):
        dataset[0]


def test_zero_frame_durations_read_as_nan_fps(video_dir):
    reader = decord.VideoReader(str(video_dir / 'nanfps.mp4'))
    assert len(reader) == 16 and math.isnan(reader.get_avg_fps())
    assert reader[15].shape == (32, 32, 3)  # the frames themselves decode


@pytest.mark.parametrize('mode', ['strict_videos', 'test_mode'])
def test_nan_fps_raises_naming_the_file(video_dir, write_charades_csv, mode):
    ann = write_charades_csv([('good0', 'c008 0 1', 2),
                              ('nanfps', 'c008 0 1', 2)])
    dataset = CharadesDataset(
        ann, pipeline=SAMPLED, data_prefix=dict(video=str(video_dir)),
        **{mode: True})
    assert dataset[0]['imgs'][0].shape == (32, 32, 3)
    with pytest.raises(BadVideoError,
                       match=r"nanfps.mp4' \(sample 1\): DecordInit read "
                       'avg_fps=nan'):
        dataset[1]


@pytest.mark.parametrize('value', [math.nan, math.inf, 0, -1])
@pytest.mark.parametrize('key', ['avg_fps', 'total_frames'])
def test_bad_metadata_of_a_loading_step_is_a_bad_video(
        video_dir, write_charades_csv, monkeypatch, key, value):
    """DecordInit made to report a NaN, infinite or non-positive fps or frame
    count for a good video."""
    decord_init = TRANSFORMS.get('DecordInit')
    transform = decord_init.transform
    monkeypatch.setattr(decord_init, 'transform',
                        lambda self, results: dict(
                            transform(self, results), **{key: value}))
    ann = write_charades_csv([('good0', 'c008 0 1', 2)])
    dataset = CharadesDataset(
        ann, pipeline=SAMPLED, data_prefix=dict(video=str(video_dir)),
        test_mode=True)
    with pytest.raises(BadVideoError,
                       match=f'good0.mp4.*DecordInit .*{key}={value}'):
        dataset[0]


class Explode(BaseTransform):
    """Raises, as a sampler meeting metadata it cannot use would."""

    def transform(self, results):
        raise ZeroDivisionError('boom')


def test_failures_up_to_the_last_decode_step_are_bad_videos(
        video_dir, write_charades_csv):
    ann = write_charades_csv([('good0', 'c008 0 1', 2)])
    between = [PIPELINE[0], Explode(), *PIPELINE[1:]]
    dataset = CharadesDataset(
        ann, pipeline=between, data_prefix=dict(video=str(video_dir)),
        test_mode=True, label_level='video')
    with pytest.raises(BadVideoError,
                       match='good0.mp4.*Explode raised ZeroDivisionError'):
        dataset[0]
    # after the last decoding step a failure is a bug, not a bad video
    dataset = CharadesDataset(
        ann, pipeline=PIPELINE + [Explode()], label_level='video',
        data_prefix=dict(video=str(video_dir)))
    with pytest.raises(ZeroDivisionError):
        dataset[0]
    assert dataset.bad_videos.num_skipped() == 0


def test_all_bad_videos_raise_no_valid_video_error(video_dir,
                                                  write_charades_csv):
    """Every video bad: a clear error instead of MMEngine's generic one."""
    ann = write_charades_csv([(name, 'c008 0 1', 2) for name in BAD])
    dataset = CharadesDataset(
        ann, pipeline=PIPELINE, data_prefix=dict(video=str(video_dir)),
        max_refetch=99, label_level='video')
    with pytest.raises(NoValidVideoError) as info:
        dataset[0]
    message = str(info.value)
    assert 'all 100 samples tried in a row (4 distinct videos of 4) failed' \
        in message
    assert sum(f"{name}.mp4'" in message for name in BAD) == 3
    assert 'DecordInit raised' in message


def test_training_goes_on_past_a_nan_fps_video(video_dir, write_charades_csv,
                                               tmp_path):
    """One process, a dilated-clip pipeline: the NaN-fps video is a counted
    skip, not the end of training."""
    ann = write_charades_csv([(name, 'c008 0 1', 2)
                              for name in GOOD + ['nanfps']])
    dataset = FirstGoodRefetch(
        ann, pipeline=SAMPLED, data_prefix=dict(video=str(video_dir)))
    runner = _train_two_epochs(dataset, tmp_path / 'work', num_workers=0)
    assert runner.epoch == 2 and runner.iter == 2
    assert runner.message_hub.get_info('skipped_videos') == 1
    log = next((tmp_path / 'work').rglob('*.log')).read_text()
    assert "nanfps.mp4': DecordInit read avg_fps=nan" in log
    assert ('Epoch 2: 1 training samples replaced because their video could '
            'not be decoded (1 distinct bad videos') in log
