"""RNGStateHook: a run resumed from an epoch checkpoint, with persistent
dataloader workers and dropout, ends with the weights of an uninterrupted
run, also when no seed is configured (MMEngine draws one)."""
import pytest
import torch
from mmengine.runner import Runner

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets import SeededSampler
from mmaction_charades.engine.hooks.rng_state import epoch_seed
from toy_runner import ToyData, ToyModel


def make_runner(work_dir, seed, max_epochs=2, **kwargs):
    return Runner(
        model=ToyModel(dropout=0.5),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(16), batch_size=4, num_workers=2,
            persistent_workers=True,
            sampler=dict(type='SeededSampler', shuffle=True)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[dict(type='RNGStateHook')],
        default_scope='mmaction',
        randomness=dict(seed=seed),
        experiment_name=f'{work_dir.parent.name}-{work_dir.name}',
        **kwargs)


@pytest.mark.parametrize('seed', [0, None])
def test_resumed_run_ends_as_uninterrupted(tmp_path, seed):
    reference = make_runner(tmp_path / 'reference', seed)
    reference.train()
    drawn_seed = reference.seed

    resumed = make_runner(tmp_path / 'resumed', seed, resume=True,
                          load_from=str(tmp_path / 'reference/epoch_1.pth'))
    resumed.train()
    sampler = resumed.train_dataloader.sampler
    assert isinstance(sampler, SeededSampler)
    assert resumed.seed == sampler.seed == drawn_seed
    expected = reference.model.state_dict()
    for name, value in resumed.model.state_dict().items():
        assert torch.equal(value, expected[name]), name


def test_epoch_seeds_are_distinct_32_bit_words():
    seeds = {epoch_seed(seed, epoch) for seed in (0, 1) for epoch in range(50)}
    assert len(seeds) == 100
    assert all(0 <= s < 2**32 for s in seeds)
