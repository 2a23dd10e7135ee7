"""A training run killed with SIGKILL mid-epoch resumes with `--resume auto`
and ends exactly where an uninterrupted run ends, with the shipped loader
settings (2 persistent workers): the optimizer, scheduler and iteration
counter come back, dropout draws from RNGs seeded by (seed, epoch) and each
sample's random choices (clip start) are a function of (seed, epoch, index),
not of the workers' state."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/r3d18_mini_charades21.py'


def _args(work_dir: Path, data: Path, *extra) -> list:
    return [
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), '--seed', '0', '--no-validate', *extra,
        '--cfg-options',
        f'train_dataloader.dataset.ann_file={data}/Charades_v1_train.csv',
        f'train_dataloader.dataset.data_prefix.video={data}/videos',
        'train_dataloader.batch_size=2',
        'train_cfg.max_epochs=3', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.save_best=None'
    ]


def _env() -> dict:
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')


def _final_weights(work_dir: Path) -> dict:
    return torch.load(work_dir / 'epoch_3.pth', weights_only=False)['state_dict']


def _late_losses(log: str) -> dict:
    """{(epoch, iter): logged loss} of epochs 2 and 3."""
    lines = re.findall(
        r'Epoch\(train\) \[([23])\]\[(\d+)/\d+\].*?  loss: (\S+)', log)
    return {(int(e), int(i)): loss for e, i, loss in lines}


def test_config_uses_the_shipped_loader_settings():
    loader = Config.fromfile(ROOT / CONFIG).train_dataloader
    assert loader.num_workers > 0 and loader.persistent_workers
    assert loader.sampler.type == 'SeededSampler'


def test_sigkill_then_resume_auto_matches_uninterrupted(tmp_path,
                                                         mini_charades):
    reference = tmp_path / 'reference'
    subprocess.run(_args(reference, mini_charades), cwd=ROOT, env=_env(),
                   check=True, capture_output=True, timeout=600)

    work = tmp_path / 'killed'
    log = tmp_path / 'killed.log'
    with open(log, 'w') as out:
        proc = subprocess.Popen(_args(work, mini_charades), cwd=ROOT,
                                env=_env(), stdout=out,
                                stderr=subprocess.STDOUT)
        deadline = time.time() + 600
        while 'Epoch(train) [2][2/6]' not in log.read_text():
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.time() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert (work / 'epoch_1.pth').is_file()
    assert not (work / 'epoch_2.pth').exists()

    resumed = subprocess.run(_args(work, mini_charades, '--resume'),
                             cwd=ROOT, env=_env(), capture_output=True,
                             text=True, timeout=600)
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output[-3000:]
    assert 'resumed epoch: 1, iter: 6' in output

    reference_log = next(reference.glob('*/*.log')).read_text()
    expected_losses = _late_losses(reference_log)
    assert len(expected_losses) == 12
    assert _late_losses(output) == expected_losses

    expected, actual = _final_weights(reference), _final_weights(work)
    assert expected.keys() == actual.keys()
    for name, value in expected.items():
        assert torch.equal(actual[name], value), name
