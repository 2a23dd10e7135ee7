"""pos_weight = #negative / #positive training videos per class, through
CharadesDataset, MMEngine's dataset wrappers and PosWeightHook."""
import types

import numpy as np
import pytest
import torch
from mmengine.dataset import (ClassBalancedDataset, ConcatDataset,
                              RepeatDataset)
from mmengine.logging import MMLogger

from mmaction_charades.datasets import (CharadesDataset, epoch_video_labels,
                                        pos_weight_from_dataset)
from mmaction_charades.datasets.pos_weight import NO_POSITIVE_WEIGHT
from mmaction_charades.engine.hooks import PosWeightHook
from mmaction_charades.models.losses import PosWeightBCELoss


@pytest.fixture
def four_videos(write_charades_csv):
    return write_charades_csv([
        ('V1', 'c008 0 2;c106 1 3', 5),  # door (1), drinking (17)
        ('V2', 'c006 0 1;c089 2 3', 5),  # door (1) twice: counted once
        ('V3', '', 5),  # no action
        ('V4', 'c152 0 1;c149 1 2', 5),  # emotional expressions (19) twice
    ])


@pytest.fixture
def two_videos(write_charades_csv):
    return write_charades_csv([
        ('W1', 'c008 0 2', 5),  # door (1)
        ('W2', 'c106 1 3', 5),  # drinking (17)
    ], name='extra.csv')


def _weights(**groups) -> np.ndarray:
    """21 weights, NO_POSITIVE_WEIGHT but for ``g<index>=weight``."""
    weights = np.full(21, NO_POSITIVE_WEIGHT, dtype=np.float32)
    for name, value in groups.items():
        weights[int(name[1:])] = value
    return weights


def _dataset(ann_file, label_space='charades21'):
    return CharadesDataset(ann_file, pipeline=[], label_space=label_space)


def test_pos_weight_21_groups_by_hand(four_videos):
    with pytest.warns(UserWarning, match='no positive'):
        weights = pos_weight_from_dataset(_dataset(four_videos))
    # Over 4 videos: group 1 in 2 -> 2/2; groups 17 and 19 in 1 -> 3/1.
    np.testing.assert_array_equal(weights, _weights(g1=1., g17=3., g19=3.))


def test_pos_weight_157_classes_by_hand(four_videos):
    with pytest.warns(UserWarning, match='no positive'):
        weights = pos_weight_from_dataset(_dataset(four_videos,
                                                   'charades157'))
    expected = np.full(157, NO_POSITIVE_WEIGHT, dtype=np.float32)
    expected[[6, 8, 89, 106, 149, 152]] = 3.
    np.testing.assert_array_equal(weights, expected)


def test_pos_weight_ignores_actions_no_frame_shows(quirks_csv):
    # 6 videos; group 1 (c008) in AAA00 and CCC00 -> 4/2, groups 19 (c152)
    # and 20 (c150) in one video each -> 5/1. Groups 2 (c009), 11 (c071),
    # 17 (c106) have only dropped actions: no positive.
    with pytest.warns(UserWarning, match='no positive'):
        weights = pos_weight_from_dataset(_dataset(quirks_csv))
    np.testing.assert_array_equal(weights, _weights(g1=2., g19=5., g20=5.))


def test_weights_are_video_level_with_clip_labels(write_charades_csv):
    """The loss trains on clip labels, the weights count videos (Section 3.2
    of the specification): an action over 1 s of a 30 s video makes the
    video positive, although most 3 s clips of it do not show the action."""
    dataset = _dataset(write_charades_csv([
        ('X1', 'c008 0 1', 30),  # door (1) for 1 s
        ('X2', '', 30),
        ('X3', 'c008 0 30', 30),
    ]))
    assert dataset.label_level == 'clip'
    with pytest.warns(UserWarning, match='no positive'):
        weights = pos_weight_from_dataset(dataset)
    assert weights[1] == pytest.approx(1 / 2)  # 1 negative / 2 positives


def _class_balanced(dataset):
    # get_cat_ids: V1 [1, 17], V2 [1], V3 [], V4 [19]; frequencies 1/2, 1/4,
    # 1/4; with oversample_thr=1: r(1) = sqrt(2), r(17) = r(19) = 2, so V1,
    # V2 and V4 are drawn ceil(2) = ceil(sqrt 2) = 2 times, V3 once.
    return ClassBalancedDataset(dataset, oversample_thr=1.0)


WRAPPERS = {
    # 3 x 4 videos: the same ratios as the dataset alone
    'repeat': (lambda ds, extra: RepeatDataset(ds, times=3), 12,
               _weights(g1=1., g17=3., g19=3.)),
    # V1-V4 + W1 (door), W2 (drinking): door 3/3, drinking 4/2, emotional 5/1
    'concat': (lambda ds, extra: ConcatDataset([ds, extra]), 6,
               _weights(g1=1., g17=2., g19=5.)),
    # V1 V1 V2 V2 V3 V4 V4: door in 4 of 7 -> 3/4, drinking and emotional
    # in 2 of 7 -> 5/2
    'class_balanced': (lambda ds, extra: _class_balanced(ds), 7,
                       _weights(g1=.75, g17=2.5, g19=2.5)),
}


@pytest.mark.parametrize('wrapper', list(WRAPPERS))
def test_wrapped_datasets_count_the_videos_of_an_epoch(
        wrapper, four_videos, two_videos):
    wrap, num_samples, expected = WRAPPERS[wrapper]
    dataset = wrap(_dataset(four_videos), _dataset(two_videos))
    assert len(dataset) == num_samples
    assert epoch_video_labels(dataset).shape == (num_samples, 21)

    loss = PosWeightBCELoss(pos_weight='auto')
    runner = types.SimpleNamespace(
        model=torch.nn.Sequential(loss),
        train_dataloader=types.SimpleNamespace(dataset=dataset),
        logger=MMLogger.get_current_instance())
    with pytest.warns(UserWarning, match='no positive'):
        PosWeightHook().before_train(runner)
    np.testing.assert_array_equal(loss.pos_weight.numpy(), expected)


def test_other_datasets_are_refused():
    with pytest.raises(TypeError, match='video_labels'):
        epoch_video_labels([1, 2])
