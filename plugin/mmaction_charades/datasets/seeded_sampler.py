"""Random choices of a training sample as a pure function of (seed, epoch,
sample index).

MMEngine seeds each dataloader worker once, when it starts, so what a sample
draws (clip start, crop, flip, the replacement of a bad video) depends on
which worker loads it and, with ``persistent_workers=True``, on everything
that worker loaded before; a resumed run, whose new workers start over,
draws differently. :class:`SeededSampler` instead tags every index with the
sampler's seed and epoch (:class:`SampleIndex`, an ``int``), and
:class:`~mmaction_charades.datasets.CharadesDataset` seeds the python, numpy
and torch (CPU) global RNGs from ``SeedSequence([seed, epoch, index])`` for
the duration of that sample (:func:`sample_rngs`), so the pipeline's
transforms keep using the global RNGs and draw the same whatever the worker
count, rank or resume.
"""
import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch
from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler


class SampleIndex(int):
    """A dataset index carrying the ``seed`` and ``epoch`` to draw it with.

    It is an ``int`` for everything that only indexes (torch's
    ``BatchSampler``, MMEngine's ``_SlicedDataset``); arithmetic on it (as in
    ``RepeatDataset``) returns a plain ``int``, which is loaded unseeded.
    """

    seed: int
    epoch: int

    def __new__(cls, index: int, seed: int, epoch: int) -> 'SampleIndex':
        self = super().__new__(cls, index)
        self.seed, self.epoch = seed, epoch
        return self

    def __reduce__(self):
        return type(self), (int(self), self.seed, self.epoch)

    def __repr__(self) -> str:
        return (f'SampleIndex({int(self)}, seed={self.seed}, '
                f'epoch={self.epoch})')


@contextmanager
def sample_rngs(seed: int, epoch: int, index: int) -> Iterator[None]:
    """Seed the python, numpy and torch CPU global RNGs from
    ``SeedSequence([seed, epoch, index])`` inside the block, and restore
    their previous states afterwards (so the main process's streams, with
    ``num_workers=0``, do not depend on the data). CUDA RNGs are untouched.
    """
    words = np.random.SeedSequence([seed, epoch, index]).generate_state(4)
    states = (random.getstate(), np.random.get_state(),
              torch.default_generator.get_state())
    random.seed(int.from_bytes(words.tobytes(), 'little'))
    np.random.seed(words)
    torch.default_generator.manual_seed(int(words[:2].view(np.uint64)[0]))
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.default_generator.set_state(states[2])


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """MMEngine's ``DefaultSampler`` (same order, shuffle, ``round_up`` and
    rank split) yielding :class:`SampleIndex` tagged with ``seed`` and the
    epoch of :meth:`set_epoch` (which MMEngine's ``DistSamplerSeedHook``
    calls before every epoch, also after a resume).

    The sampler runs in the main process, so the tags reach persistent
    workers. ``seed`` is the Runner's seed (``randomness=dict(seed=...)``,
    ``--seed``); without one MMEngine draws it, stores it in the checkpoints
    and restores it on resume, and :class:`RNGStateHook` passes the restored
    value to this sampler.
    """

    def __iter__(self) -> Iterator[SampleIndex]:
        for index in super().__iter__():
            yield SampleIndex(index, self.seed, self.epoch)
