"""Save and restore the global RNG states with each checkpoint."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmaction.registry import HOOKS


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Puts the python, numpy and torch (CPU and CUDA) RNG states into every
    checkpoint and restores them when training resumes from one.

    MMEngine restores the optimizer, schedulers, iteration counter and seed on
    ``--resume`` but not the RNG states, so dropout masks and random
    augmentations after a resume differ from an uninterrupted run. The states
    are restored in ``before_train``, after :meth:`Runner.resume` (which may
    re-seed), so the resumed run continues the saved random streams.
    """

    priority = 'VERY_LOW'
    _KEY = 'rng_state'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint[self._KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get(self._KEY)

    def before_train(self, runner) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
        runner.logger.info('Restored the python, numpy and torch RNG states '
                           'from the checkpoint.')

