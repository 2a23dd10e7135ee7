"""Main-process RNGs and the training sampler's seed as functions of the
Runner's seed, so that a resumed run draws what an uninterrupted one does."""
import numpy as np
from mmengine.dataset import DefaultSampler
from mmengine.dist import broadcast_object_list
from mmengine.hooks import Hook
from mmengine.runner import set_random_seed
from mmaction.registry import HOOKS


def epoch_seed(seed: int, epoch: int) -> int:
    """The main process's seed for ``epoch``: a 32-bit word of
    ``SeedSequence([seed, epoch])`` (samples use ``[seed, epoch, index]``)."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Seeds the python, numpy and torch (CPU and CUDA) RNGs of the training
    process from ``(runner.seed, epoch)`` before the first iteration of every
    epoch, and gives the training sampler rank 0's ``runner.seed``.

    MMEngine resumes at an epoch boundary and restores the seed (the drawn
    one too, when none is configured) but not the RNG states. Saving them
    would not be enough: what happens between the checkpoint and the next
    iteration draws from them differently in a resumed run (a new
    DataLoader iterator takes a base seed from torch's RNG, a persistent one
    only the first time; validation runs after the save). Seeded per epoch,
    dropout and other random layers draw the same in both runs. (An
    ``IterBasedTrainLoop`` counts ``batch_idx`` over the whole run: it is
    seeded before its first iteration only.)

    The sampler's seed (a ``DefaultSampler``'s, such as
    :class:`~mmaction_charades.datasets.SeededSampler`'s, which seeds each
    sample's random choices) is set because MMEngine builds the sampler
    before it restores the checkpoint's seed: without a configured seed, or
    with ``diff_rank_seed`` (an unsaved sampler seed), a resumed run would
    otherwise shuffle and sample with another one.
    """

    priority = 'VERY_LOW'

    def before_train(self, runner) -> None:
        sampler = getattr(runner.train_loop.dataloader, 'sampler', None)
        if isinstance(sampler, DefaultSampler):
            seed = [runner.seed]
            broadcast_object_list(seed)
            sampler.seed = seed[0]

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if batch_idx == 0:
            set_random_seed(epoch_seed(runner.seed, runner.epoch))
