"""variable_length_collate: padding / trimming and the runner's lookup."""
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.registry import FUNCTIONS, DefaultScope
from mmengine.runner import Runner

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.collate import variable_length_collate


def _batch(*lengths):
    return [dict(inputs=torch.full((2, 3, t, 4, 5), float(t)),
                 data_samples=ActionDataSample()) for t in lengths]


def test_padding_pads_time_with_zeros_and_records_lengths():
    out = variable_length_collate(_batch(3, 6, 1), mode='padding')
    assert [x.shape for x in out['inputs']] == [(2, 3, 6, 4, 5)] * 3
    for x, t, sample in zip(out['inputs'], (3, 6, 1), out['data_samples']):
        assert sample.metainfo['valid_frames'] == t
        assert (x[:, :, :t] == t).all() and (x[:, :, t:] == 0).all()


def test_trimming_keeps_the_first_frames_of_the_shortest_length():
    out = variable_length_collate(_batch(3, 6, 2), mode='trimming')
    assert [x.shape for x in out['inputs']] == [(2, 3, 2, 4, 5)] * 3
    assert [x[0, 0, 0, 0, 0].item() for x in out['inputs']] == [3., 6., 2.]
    assert all('valid_frames' not in s.metainfo for s in out['data_samples'])


def test_other_time_axis():
    batch = [dict(inputs=torch.ones(t, 3), data_samples=ActionDataSample())
             for t in (2, 4)]
    out = variable_length_collate(batch, time_dim=0)
    assert [x.shape for x in out['inputs']] == [(4, 3)] * 2


def test_rejects_unknown_mode():
    with pytest.raises(ValueError, match="'padding', 'trimming'"):
        variable_length_collate(_batch(1), mode='pad')


def test_runner_dataloader_finds_it_by_name():
    with DefaultScope.overwrite_default_scope('mmaction'):
        assert FUNCTIONS.get('variable_length_collate') \
            is variable_length_collate
        loader = Runner.build_dataloader(
            dict(dataset=_batch(2, 5, 3), batch_size=3, num_workers=0,
                 sampler=dict(type='DefaultSampler', shuffle=False),
                 collate_fn=dict(type='variable_length_collate',
                                 mode='trimming')))
        batch = next(iter(loader))
    assert [x.shape[2] for x in batch['inputs']] == [2, 2, 2]
