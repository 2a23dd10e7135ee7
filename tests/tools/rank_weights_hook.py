"""Test-only hook (imported through a config's custom_imports): every rank
saves its model parameters before and after training."""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS


@HOOKS.register_module()
class DumpRankWeightsHook(Hook):

    def before_train(self, runner) -> None:
        self._dump(runner, 'initial')

    def after_train(self, runner) -> None:
        self._dump(runner, 'final')

    @staticmethod
    def _dump(runner, stage: str) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        params = {k: v.detach().cpu() for k, v in model.named_parameters()}
        torch.save(params, osp.join(runner.work_dir,
                                    f'rank{get_rank()}_{stage}.pth'))
