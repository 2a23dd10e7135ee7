"""Bad videos in the tools: one clear ``error:`` line, also when the error
comes from a DataLoader worker (tools/train.py on a training set whose videos
are all missing)."""
import pytest
from torch._utils import ExceptionWrapper

from mmaction_charades.datasets import BadVideoError, NoValidVideoError
from mmaction_charades.utils.cli import _one_line


@pytest.mark.parametrize('error', [BadVideoError, NoValidVideoError])
def test_bad_video_errors_give_their_first_line(error):
    message = "cannot read video 'a.mp4': DecordInit raised X: y\nmore"
    assert _one_line(error(message)) == message.split('\n')[0]
    try:  # as a DataLoader worker does
        raise error(message)
    except error:
        wrapper = ExceptionWrapper(where='in DataLoader worker process 0')
    with pytest.raises(error) as info:
        wrapper.reraise()
    assert str(info.value).startswith('Caught ')
    assert _one_line(info.value) == message.split('\n')[0]


@pytest.mark.slow
def test_no_valid_video_is_a_one_line_error(tmp_path, mini_charades,
                                            mini_data_options, run_tool):
    empty = tmp_path / 'no_videos'
    empty.mkdir()
    result = run_tool([
        'tools/train.py', 'configs/r3d18_mini_charades21.py', '--work-dir',
        tmp_path / 'work', '--cfg-options',
        *mini_data_options(mini_charades, num_workers=2),
        f'train_dataloader.dataset.data_prefix.video={empty}'
    ], timeout=300)
    assert result.returncode == 2, result.stderr[-3000:]
    (line, ) = [
        line for line in result.stderr.splitlines()
        if line.startswith('error: ')
    ]
    assert result.stderr.rstrip().endswith(line)
    assert ('Charades_v1_train.csv: no training sample could be read: all '
            '1001 samples tried in a row (12 distinct videos of 12) failed, '
            f"e.g. '{empty}/") in line
    assert 'DecordInit raised FileNotFoundError' in line
