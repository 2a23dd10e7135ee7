"""Refuses single-label metrics and heads on multi-label data at Runner
build."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.base_loop import BaseLoop
from mmaction.registry import HOOKS

from ...utils.config_checks import check_head, check_metric, is_multilabel


@HOOKS.register_module()
class MultilabelConfigCheckHook(Hook):
    """Runs :mod:`mmaction_charades.utils.config_checks` on the built Runner.

    ``before_run`` comes after MMEngine has built the loops of the run
    (dataloaders, datasets and evaluators) and before weights are loaded or
    any iteration runs. For each built loop whose dataset is multi-label it
    refuses single-label metrics in ``val_evaluator`` / ``test_evaluator``
    and then checks ``model.cls_head`` (refused with a cross-entropy loss,
    warned about when it is not a ``Multilabel*Head``). Pipelines are
    checked by ``CharadesDataset`` itself when it is built.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        multilabel = False
        for mode in ('train', 'val', 'test'):
            loop = getattr(runner, f'_{mode}_loop', None)
            if not (isinstance(loop, BaseLoop)
                    and is_multilabel(loop.dataloader.dataset)):
                continue
            multilabel = True
            evaluator = getattr(loop, 'evaluator', None)
            for metric in getattr(evaluator, 'metrics', ()):
                check_metric(metric, f'{mode}_evaluator')
        if multilabel:
            model = runner.model
            check_head(model.module if is_model_wrapper(model) else model)
