import numpy as np
import pytest

from mmaction_charades.datasets import compute_pos_weight
from mmaction_charades.datasets.pos_weight import NO_POSITIVE_WEIGHT


@pytest.fixture
def four_videos(write_charades_csv):
    return write_charades_csv([
        ('V1', 'c008 0 2;c106 1 3', 5),  # door (1), drinking (17)
        ('V2', 'c006 0 1;c089 2 3', 5),  # door (1) twice: counted once
        ('V3', '', 5),  # no action
        ('V4', 'c152 0 1;c149 1 2', 5),  # emotional expressions (19) twice
    ])


def test_pos_weight_21_groups_by_hand(four_videos):
    with pytest.warns(UserWarning, match='no positive'):
        weights = compute_pos_weight(four_videos, 'charades21')
    # Over 4 videos: group 1 in 2 -> 2/2; groups 17 and 19 in 1 -> 3/1.
    expected = np.full(21, NO_POSITIVE_WEIGHT, dtype=np.float32)
    expected[1], expected[17], expected[19] = 1., 3., 3.
    np.testing.assert_array_equal(weights, expected)


def test_pos_weight_157_classes_by_hand(four_videos):
    with pytest.warns(UserWarning, match='no positive'):
        weights = compute_pos_weight(four_videos, 'charades157')
    expected = np.full(157, NO_POSITIVE_WEIGHT, dtype=np.float32)
    expected[[6, 8, 89, 106, 149, 152]] = 3.
    np.testing.assert_array_equal(weights, expected)


def test_pos_weight_ignores_actions_no_frame_shows(quirks_csv):
    from mmaction_charades.datasets import CharadesDataset
    from mmaction_charades.datasets.pos_weight import pos_weight_from_labels
    # 6 videos; group 1 (c008) in AAA00 and CCC00 -> 4/2, groups 19 (c152)
    # and 20 (c150) in one video each -> 5/1. Groups 2 (c009), 11 (c071),
    # 17 (c106) have only dropped actions: no positive.
    expected = np.full(21, NO_POSITIVE_WEIGHT, dtype=np.float32)
    expected[1], expected[19], expected[20] = 2., 5., 5.
    with pytest.warns(UserWarning, match='no positive'):
        weights = compute_pos_weight(quirks_csv, 'charades21')
    np.testing.assert_array_equal(weights, expected)
    dataset = CharadesDataset(quirks_csv, pipeline=[])
    with pytest.warns(UserWarning, match='no positive'):
        np.testing.assert_array_equal(
            pos_weight_from_labels(dataset.video_labels()), expected)
