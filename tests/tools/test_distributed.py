"""tools/dist_train.sh on a CPU-only machine: two gloo processes end with
identical weights, equal to one process with the same global batch."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _config(tmp_path: Path) -> Path:
    """The mini Swin (LayerNorm only, so the per-rank batch size does not
    change the maths) with deterministic clip sampling and the dump hook."""
    cfg = tmp_path / 'dist_cfg.py'
    cfg.write_text(f'''
_base_ = '{ROOT}/configs/swin_t_mini_charades21.py'
custom_imports = dict(
    imports=['mmaction_charades', 'rank_weights_hook'],
    allow_failed_imports=False)
custom_hooks = [dict(type='PosWeightHook'), dict(type='DumpRankWeightsHook')]
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=4, span=3.0, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
train_cfg = dict(max_epochs=1)
val_cfg = None
val_dataloader = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(save_best=None))
''')
    return cfg


def _options(data: Path, batch_size: int) -> list:
    return [
        f'train_dataloader.dataset.ann_file={data}/Charades_v1_train.csv',
        f'train_dataloader.dataset.data_prefix.video={data}/videos',
        f'train_dataloader.batch_size={batch_size}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
    ]


def test_two_cpu_processes_match_one(tmp_path, mini_charades, run_tool):
    cfg = _config(tmp_path)
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               PYTHONPATH=f'{HERE}{os.pathsep}' +
               os.environ.get('PYTHONPATH', ''),
               PYTHON=sys.executable, PORT=str(_free_port()))
    single = tmp_path / 'single'
    result = run_tool(['tools/train.py', cfg, '--work-dir', single,
                       '--seed', '0', '--cfg-options',
                       *_options(mini_charades, 4)], env=env)
    assert result.returncode == 0, result.stderr[-3000:]

    dist = tmp_path / 'dist'
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir',
         str(dist), '--seed', '0', '--cfg-options',
         *_options(mini_charades, 2)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert 'Distributed training is not used' not in result.stdout

    initial = torch.load(single / 'rank0_initial.pth')
    one = torch.load(single / 'rank0_final.pth')
    rank0 = torch.load(dist / 'rank0_final.pth')
    rank1 = torch.load(dist / 'rank1_final.pth')
    assert any(not torch.allclose(initial[k], one[k]) for k in one)
    for name, value in one.items():
        assert torch.equal(rank0[name], rank1[name]), name
        torch.testing.assert_close(rank0[name], value, rtol=1e-4, atol=1e-5)
