"""The metrics give the same values when two gloo ranks each process part of
the dataset (MMEngine gathers their per-sample results)."""
import json
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import mmaction_charades  # noqa: F401

METRIC_CFGS = [
    dict(type='TopKMultilabelAccuracy'),
    dict(type='MultilabelAccuracy'),
    dict(type='CharadesMAP'),
    dict(type='MultilabelBCELoss'),
]
WORLD_SIZE = 2
NUM_SAMPLES = 23


def _data():
    g = torch.Generator().manual_seed(0)
    scores = torch.rand(NUM_SAMPLES, 6, generator=g)
    targets = (torch.rand(NUM_SAMPLES, 6, generator=g) < 0.3).long()
    return scores, targets


def _evaluate(indices) -> dict:
    from mmaction.registry import METRICS
    from mmaction.structures import ActionDataSample
    from mmengine.evaluator import Evaluator
    scores, targets = _data()
    evaluator = Evaluator([METRICS.build(cfg) for cfg in METRIC_CFGS])
    for i in indices:
        sample = ActionDataSample().set_gt_label(targets[i]).set_pred_score(
            scores[i])
        # a distinct per-sample test loss, as the heads set it
        sample.set_field(scores[i].sum(), 'bce_loss')
        evaluator.process([sample])
    return evaluator.evaluate(NUM_SAMPLES)


def _worker(rank: int, port: int, out_file: str) -> None:
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=WORLD_SIZE)
    # as MMEngine's DefaultSampler: padded to a multiple of the world size
    # by repeating the first samples, then interleaved over the ranks
    padded = list(range(NUM_SAMPLES)) + list(range(-NUM_SAMPLES %
                                                   WORLD_SIZE))
    results = _evaluate(padded[rank::WORLD_SIZE])
    if rank == 0:
        with open(out_file, 'w') as f:
            json.dump(results, f)
    dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_ranks_equal_one(tmp_path):
    out_file = str(tmp_path / 'rank0.json')
    mp.spawn(_worker, args=(_free_port(), out_file), nprocs=WORLD_SIZE)
    with open(out_file) as f:
        distributed = json.load(f)
    single = _evaluate(range(NUM_SAMPLES))
    assert distributed == pytest.approx(single, abs=1e-7)
