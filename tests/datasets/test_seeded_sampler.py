"""Each training sample's random choices are a function of (seed, epoch,
index): the same from any number of workers, in any order, after a resume;
different from epoch to epoch."""
import pickle
import random

import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.dataset import DefaultSampler
from torch.utils.data import DataLoader

from mmaction_charades.datasets import (CharadesDataset, SampleIndex,
                                        SeededSampler)

NUM_VIDEOS = 6
BAD = 'bad00'


@TRANSFORMS.register_module(force=True)
class FakeVideoInit(BaseTransform):
    """A 10 s video at 24 fps of 16x16 black frames (no file); fails on
    :data:`BAD`, which makes it a bad video (the name has ``Init``)."""

    def transform(self, results):
        if results['video_id'] == BAD:
            raise OSError('cannot open')
        results.update(total_frames=240, avg_fps=24.)
        return results


@TRANSFORMS.register_module(force=True)
class FakeFrames(BaseTransform):

    def transform(self, results):
        results['imgs'] = [np.zeros((16, 16, 3), np.uint8)] * len(
            results['frame_inds'])
        results['img_shape'] = (16, 16)
        return results


@TRANSFORMS.register_module(force=True)
class RecordDraws(BaseTransform):
    """Reduces the results to what was drawn, plus one draw from each of the
    python, numpy and torch global RNGs."""

    def transform(self, results):
        return dict(
            video_id=results['video_id'],
            frame_inds=tuple(results['frame_inds'].tolist()),
            crop=tuple(np.asarray(results['crop_bbox']).tolist()),
            flip=results['flip'],
            draws=(random.random(), float(np.random.rand()),
                   torch.rand(1).item()))


PIPELINE = [
    dict(type='FakeVideoInit'),
    dict(type='DilatedClipSampler', clip_len=4, span=2.0),
    dict(type='FakeFrames'),
    dict(type='RandomResizedCrop'),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='RecordDraws'),
]


@pytest.fixture
def dataset(write_charades_csv):
    rows = [(f'vid{k:02d}', 'c008 0 5', 10) for k in range(NUM_VIDEOS - 1)]
    ann_file = write_charades_csv(rows + [(BAD, 'c008 0 5', 10)])
    return CharadesDataset(ann_file, pipeline=PIPELINE)


def _keep(batch):
    return batch


def _records(dataset, epochs, num_workers, shuffle=True, seed=7):
    """{(epoch, index): record} over ``epochs``, one loader for all."""
    sampler = SeededSampler(dataset, shuffle=shuffle, seed=seed)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler,
                        num_workers=num_workers, collate_fn=_keep,
                        persistent_workers=num_workers > 0)
    records = {}
    for epoch in epochs:
        sampler.set_epoch(epoch)
        indices = list(sampler)
        batches = [record for batch in loader for record in batch]
        records.update(((epoch, int(i)), r) for i, r in zip(indices, batches))
    return records


def test_sampler_yields_default_sampler_order_tagged():
    data = list(range(10))
    ours, default = SeededSampler(data, seed=3), DefaultSampler(data, seed=3)
    ours.set_epoch(2)
    default.set_epoch(2)
    indices = list(ours)
    assert indices == list(default)
    assert all(isinstance(i, SampleIndex) and (i.seed, i.epoch) == (3, 2)
               for i in indices)
    copy = pickle.loads(pickle.dumps(indices[0]))
    assert (copy, copy.seed, copy.epoch) == (indices[0], 3, 2)


def test_same_samples_from_any_worker_count_and_order(dataset):
    reference = _records(dataset, epochs=(0, 1), num_workers=0)
    assert len(reference) == 2 * NUM_VIDEOS
    assert _records(dataset, epochs=(0, 1), num_workers=2) == reference
    assert _records(dataset, epochs=(0, 1), num_workers=1,
                    shuffle=False) == reference


def test_resumed_epoch_gets_the_same_indices_and_samples(dataset):
    """A fresh sampler and loader (a resumed process whose workers start
    over) at epoch 1 give what epoch 1 of an uninterrupted run gives."""
    uninterrupted = SeededSampler(dataset, seed=7)
    for epoch in (0, 1):
        uninterrupted.set_epoch(epoch)
        expected = [(int(i), i.seed, i.epoch) for i in uninterrupted]
    resumed = SeededSampler(dataset, seed=7)
    resumed.set_epoch(1)
    assert [(int(i), i.seed, i.epoch) for i in resumed] == expected

    full = _records(dataset, epochs=(0, 1), num_workers=2)
    assert _records(dataset, epochs=(1, ), num_workers=2) == {
        key: record for key, record in full.items() if key[0] == 1}


def test_epochs_and_seeds_draw_differently(dataset):
    records = _records(dataset, epochs=(0, 1), num_workers=0)
    other_seed = _records(dataset, epochs=(0, ), num_workers=0, seed=8)
    for index in range(NUM_VIDEOS):
        first, second = records[0, index], records[1, index]
        assert set(first['draws']).isdisjoint(second['draws'])
        assert set(first['draws']).isdisjoint(other_seed[0, index]['draws'])
    starts = {(epoch, record['frame_inds'][0])
              for (epoch, _), record in records.items()}
    assert len(starts) > NUM_VIDEOS  # clip starts change across epochs


def test_bad_video_replacement_is_seeded(dataset):
    """MMEngine's refetch draws the replacement from numpy's global RNG,
    seeded for the sample too."""
    bad = NUM_VIDEOS - 1
    replacements = {
        dataset[SampleIndex(bad, 7, epoch)]['video_id']
        for epoch in range(20)
    }
    assert BAD not in replacements and len(replacements) > 1
    for epoch in range(3):
        assert dataset[SampleIndex(bad, 7, epoch)] == dataset[SampleIndex(
            bad, 7, epoch)]


def test_main_process_rngs_are_left_as_they_were(dataset):
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    states = (random.getstate(), np.random.get_state()[1].copy(),
              torch.get_rng_state())
    dataset[SampleIndex(0, 7, 0)]
    assert random.getstate() == states[0]
    assert np.array_equal(np.random.get_state()[1], states[1])
    assert torch.equal(torch.get_rng_state(), states[2])
