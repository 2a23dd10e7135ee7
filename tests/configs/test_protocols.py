"""The two test protocols end to end on hand-made inputs: the labels each
gives a video, the views it feeds the head and their max, and how
MMAction2's own tools select spec_clips with a derived config."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets import CharadesDataset
from mmaction_charades.utils.cli import UserError
from mmaction_charades.utils.protocols import apply_protocol, protocol_names

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / 'configs' / 'r3d18_mini_charades21.py'
FULL = ROOT / 'configs' / 'swin_t_charades157.py'
FPS, FRAMES = 24., 720  # a 30 s video


def _fake_init(results: dict) -> dict:
    """DecordInit's keys for a 30 s, 24 fps video, without a file."""
    return dict(results, total_frames=FRAMES, avg_fps=FPS)


def _sampled(cfg: Config, ann_file: Path) -> dict:
    """The first video of ``ann_file`` through the config's test dataset,
    up to its clip sampler."""
    init_default_scope('mmaction')
    dataset = copy.deepcopy(cfg.test_dataloader.dataset.to_dict())
    sampler = [t for t in dataset['pipeline'] if 'Sampler' in t['type']]
    dataset.pop('type')
    dataset.update(ann_file=str(ann_file), pipeline=[_fake_init, *sampler])
    return CharadesDataset(**dataset)[0]


@pytest.fixture
def late_actions(tmp_path) -> Path:
    """One 30 s video whose two actions (groups of c106 and c059) start at
    20 s and 25 s, after the spec's 4 stride clips (0-4 s) end."""
    path = tmp_path / 'Charades_v1_test.csv'
    path.write_text('id,actions,length\n'
                    'LATE1,c106 20.0 24.0;c059 25.0 29.5,30.0\n')
    return path


def test_late_actions_get_their_video_labels_under_charades_video(
        late_actions):
    cfg = Config.fromfile(str(MINI))
    video = _sampled(cfg, late_actions)
    assert video['num_clips'] == 10
    assert video['label'].sum() == 2
    np.testing.assert_array_equal(video['label'], video['clip_labels'].max(0))
    spec = _sampled(apply_protocol(cfg, 'spec_clips'), late_actions)
    assert spec['num_clips'] == 4
    assert spec['label'].sum() == 0  # the stride clips see no action


def test_full_size_video_protocol_feeds_30_views_whose_max_is_the_score():
    """10 clips x ThreeCrop: FormatShape stacks 30 views per video (crops
    outer, clips inner, as MMAction2's NCTHW does); Recognizer3D flattens
    (B, 30, ...) video by video and the head takes the per-class max over
    each video's 30 views."""
    cfg = Config.fromfile(str(FULL))
    init_default_scope('mmaction')
    steps = cfg.test_dataloader.dataset.pipeline
    types = [t['type'] for t in steps]
    sample = _fake_init(dict(filename='v.mp4'))
    sample = TRANSFORMS.build(steps[types.index('DilatedClipSampler')])(
        sample)
    sample['imgs'] = [
        np.full((360, 480, 3), i % 256, np.uint8)
        for i in sample['frame_inds']
    ]
    sample.update(img_shape=(360, 480), original_shape=(360, 480))
    packed = Compose(steps[types.index('DecordDecode') + 1:])(sample)
    assert tuple(packed['inputs'].shape) == (30, 3, 16, 224, 224)
    # crop-major: view 10 is the first clip of the second crop
    assert torch.equal(packed['inputs'][10, :, 0], packed['inputs'][0, :, 0])

    head = MODELS.build(dict(cfg.model.cls_head, num_classes=4))
    logits = torch.randn(2 * 30, 4)
    logits[29, 1] = 50.  # video 0, the last view (crop 3, clip 10)
    logits[30, 2] = 50.  # video 1, the first view
    samples = head.predict_by_feat(logits, [ActionDataSample()
                                            for _ in range(2)])
    expected = logits.sigmoid().view(2, 30, 4).amax(1)
    assert torch.equal(torch.stack([s.pred_score for s in samples]),
                       expected)
    assert expected[0, 1] == expected[1, 2] == 1.


def test_a_derived_config_selects_spec_clips_for_mmaction2_tools(tmp_path):
    """What the README tells MMAction2's tools/test.py users: four lines of
    config give what ``--protocol spec_clips`` gives."""
    derived = tmp_path / 'swin_t_charades157_spec_clips.py'
    derived.write_text(
        f'_base_ = {str(FULL)!r}\n'
        'test_dataloader = {{_base_.test_protocols.spec_clips.'
        'test_dataloader}}\n'
        'test_evaluator = {{_base_.test_protocols.spec_clips.'
        'test_evaluator}}\n')
    ours = apply_protocol(Config.fromfile(str(FULL)), 'spec_clips')
    theirs = Config.fromfile(str(derived))
    assert theirs.test_dataloader == ours.test_dataloader
    assert theirs.test_evaluator == ours.test_evaluator
    assert theirs.test_dataloader.dataset.metainfo.protocol == 'spec_clips'


def test_unknown_protocol_names_the_choices():
    cfg = Config.fromfile(str(MINI))
    assert protocol_names(cfg) == ['charades_video', 'spec_clips',
                                   'charades_localize']
    with pytest.raises(UserError, match="^--protocol 'video': unknown test "
                       'protocol, expected one of charades_video, '
                       'spec_clips, charades_localize$'):
        apply_protocol(cfg, 'video')
    with pytest.raises(UserError, match='a config that defines '
                       'test_protocols'):
        apply_protocol(Config(dict(model=dict())), 'spec_clips')
