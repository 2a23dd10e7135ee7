"""Bad videos in the tools: one clear ``error:`` line, also when the error
comes from a DataLoader worker (tools/train.py on a training set whose videos
are all missing); two ranks training past a NaN-fps video."""
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from torch._utils import ExceptionWrapper

from mmaction_charades.datasets import BadVideoError, NoValidVideoError
from mmaction_charades.utils.cli import _one_line

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize('error', [BadVideoError, NoValidVideoError])
def test_bad_video_errors_are_one_line(error):
    message = "cannot read video 'a.mp4': DecordInit raised X: y\nmore"
    assert _one_line(error(message)) == ' '.join(message.split())
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


@pytest.mark.slow
def test_two_ranks_train_past_a_nan_fps_video(tmp_path, mini_charades,
                                              mini_data_options,
                                              write_nan_fps_video):
    """tools/dist_train.sh, 2 gloo processes: the video whose fps reads as
    NaN is a counted skip and training ends normally."""
    data = tmp_path / 'data'
    shutil.copytree(mini_charades, data)
    lines = (data / 'Charades_v1_train.csv').read_text().splitlines()
    bad = lines[1].split(',')[0]
    write_nan_fps_video(data / 'videos' / f'{bad}.mp4', num_frames=60)
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               PYTHON=sys.executable, PORT=str(_free_port()))
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', 'configs/r3d18_mini_charades21.py',
         '2', '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         *mini_data_options(data, batch_size=2), 'train_cfg.max_epochs=1',
         'train_cfg.val_interval=2'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    # Only rank 0 logs warnings, and the bad video may be on rank 1; the
    # count is summed over ranks (a random refetch may meet it again).
    assert re.search(r'Epoch 1: [1-9]\d* training samples replaced because '
                     r'their video could not be decoded \(1 distinct bad '
                     'videos', result.stdout)
