"""configs/_base_/datasets/charades21_pyslowfast_frames.py builds and reads
a tiny frame list the way PySlowFast tests Charades."""
from pathlib import Path

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmaction.registry import DATASETS

import mmaction_charades  # noqa: F401

CONFIG = Path(__file__).resolve().parents[2] / \
    'configs/_base_/datasets/charades21_pyslowfast_frames.py'


def test_pyslowfast_protocol_on_a_frame_list(tmp_path):
    # 120 frames (5 s at 24 fps), every 2nd listed; class c008 on listed
    # frames 10-19 only, so the video-level label has it whatever the clip.
    root = tmp_path / 'rgb'
    (root / 'XY').mkdir(parents=True)
    lines = ['original_vido_id video_id frame_id path labels']
    for k in range(0, 120, 2):
        cv2.imwrite(str(root / 'XY' / f'XY-{k + 1:06d}.jpg'),
                    np.full((6, 8, 3), k, np.uint8))
        label = '8' if 20 <= k < 40 else ''
        lines.append(f'XY 0 {k} XY/XY-{k + 1:06d}.jpg "{label}"')
    ann = tmp_path / 'val.csv'
    ann.write_text('\n'.join(lines) + '\n')
    cfg = Config.fromfile(str(CONFIG))
    test = cfg.test_dataloader.dataset
    assert test.ann_file == 'data/charades/frame_lists/val.csv'
    assert cfg.train_dataloader.dataset.ann_file == \
        'data/charades/frame_lists/train.csv'
    assert cfg.train_dataloader.dataset.data_prefix == dict(
        img='data/charades/Charades_v1_rgb')
    test.update(ann_file=str(ann), data_prefix=dict(img=str(root)))
    init_default_scope('mmaction')
    dataset = DATASETS.build(test)
    info = dataset.get_data_info(0)
    assert (info['total_frames'], info['avg_fps']) == (60, 12.)
    sample = dataset[0]
    # 10 clips x 3 crops of 16 frames, 224 x 224.
    assert tuple(sample['inputs'].shape) == (30, 3, 16, 224, 224)
    label = sample['data_samples'].gt_label
    group = dataset.label_space.official_to_label[8]
    assert np.flatnonzero(np.asarray(label)).tolist() == [group]
    # The 10 clips spread over the whole video: the first starts at listed
    # frame 0, the last covers its final 3 s (pixel value = 2 x listed frame,
    # read through frame_numbers: files 1, 3, 5, ...).
    first = sample['inputs'][0, 0, 0].float().mean().item()
    last = sample['inputs'][27, 0, -1].float().mean().item()
    assert first == 0 and 2 * (60 - 36) <= last <= 2 * 59 and last % 2 == 0


def test_every_protocol_reads_the_frames():
    from mmaction_charades.utils.protocols import (apply_protocol,
                                                   protocol_names)
    cfg = Config.fromfile(str(CONFIG))
    names = protocol_names(cfg)
    assert names == ['charades_video', 'spec_clips', 'charades_localize']
    for name in names:
        dataset = apply_protocol(Config.fromfile(str(CONFIG)),
                                 name).test_dataloader.dataset
        steps = [t['type'] for t in dataset.pipeline]
        assert 'ListedRawFrameDecode' in steps, (name, steps)
        assert dataset.data_prefix == dict(
            img='data/charades/Charades_v1_rgb'), name
        assert dataset.metainfo.protocol == name
