"""Refuse checkpoints that do not fit the model, and resumes whose optimizer
does not fit the config, before MMEngine loads them."""
import math
import re
from typing import Dict, List, Tuple

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict

from ...utils.cli import UserError

_SHOWN = 3  # keys named per kind of mismatch


class CheckpointMismatchError(UserError):
    """A checkpoint does not fit the model or the optimizer it is loaded
    into."""


def _shape(value) -> Tuple[int, ...]:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else ()


def _listing(kind: str, items: List[str]) -> str:
    more = f', ... ({len(items)} in all)' if len(items) > _SHOWN else ''
    return f'{kind} {", ".join(items[:_SHOWN])}{more}'


def state_dict_mismatches(expected: Dict[str, torch.Tensor],
                          loaded: Dict[str, torch.Tensor]) -> List[str]:
    """Missing, unexpected and shape-mismatched keys of ``loaded`` against
    the model's ``expected`` state dict, each kind as one phrase.

    An empty model tensor is a placeholder that adopts the checkpoint's shape
    (``PosWeightBCELoss(pos_weight='auto')`` before its weights are known),
    and ``num_batches_tracked``, which checkpoints converted from other code
    bases lack, is filled in by batch norm itself.
    """
    missing = [k for k in expected if k not in loaded
               and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in loaded if k not in expected]
    mismatched = [
        f'{k} (checkpoint {_shape(v)}, model {_shape(expected[k])})'
        for k, v in loaded.items() if k in expected
        and expected[k].numel() > 0 and _shape(v) != _shape(expected[k])
    ]
    return [
        _listing(kind, items)
        for kind, items in (('missing keys', missing), ('unexpected keys',
                                                        unexpected),
                            ('shape mismatches', mismatched)) if items
    ]


def _optimizers(wrapper, saved: dict) -> List[Tuple[str, object, dict]]:
    if isinstance(wrapper, OptimWrapperDict):
        return [(f'optimizer {name!r}', w.optimizer, saved[name])
                for name, w in wrapper.items() if name in saved]
    return [('optimizer', wrapper.optimizer, saved)]


@HOOKS.register_module()
class CheckpointCompatHook(Hook):
    """Checks every checkpoint in ``after_load_checkpoint``, which
    :meth:`mmengine.runner.Runner.load_checkpoint` calls before it copies the
    weights (for ``load_from``, ``tools/test.py CKPT`` and resuming).

    * The checkpoint's ``state_dict`` (``module.`` prefixes stripped, as
      MMEngine does) must have exactly the model's keys and shapes; otherwise
      :class:`CheckpointMismatchError` names a few of the missing,
      unexpected and mismatched keys. MMEngine itself only logs them and
      goes on with a partly random model. ``partial_load=True``
      (``--partial-load`` of ``tools/test.py`` and ``tools/train.py``) restores MMEngine's behaviour when
      loading; resuming always needs a full match.
    * When resuming, the checkpoint's optimizer state is compared with the
      freshly built optimizer before MMEngine restores it: a different
      number of parameter groups or parameters, or a moment whose shape is
      not its parameter's (a changed ``num_classes``), raises
      :class:`CheckpointMismatchError`; a different learning rate (the
      groups' ``initial_lr``, set by the schedulers, else ``lr``) is logged
      as a warning, since the restored optimizer state keeps the
      checkpoint's rate.

    Args:
        partial_load: Load checkpoints whose keys or shapes do not match.
    """

    priority = 'VERY_HIGH'

    def __init__(self, partial_load: bool = False) -> None:
        self.partial_load = partial_load

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        resuming = bool(runner._resume) and isinstance(
            runner.optim_wrapper, (OptimWrapper, OptimWrapperDict))
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        state = checkpoint.get('state_dict', checkpoint)
        state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
        problems = state_dict_mismatches(model.state_dict(), state)
        if resuming and 'optimizer' in checkpoint:
            problems += self._optimizer_problems(runner, model,
                                                 checkpoint['optimizer'])
        if not problems or (self.partial_load and not resuming):
            return
        source = getattr(runner, '_load_from', None)
        what = f'checkpoint {source!r}' if source else 'the checkpoint'
        if resuming:
            hint = 'resume only with the config it was trained with'
        else:
            hint = ('pass --partial-load to tools/test.py or '
                    'tools/train.py (or set partial_load=True in '
                    'CheckpointCompatHook) to load the matching part anyway, '
                    'e.g. to fine-tune with another head')
        raise CheckpointMismatchError(
            f'{what} does not match the model of the config: '
            f'{"; ".join(problems)}; {hint}')

    @staticmethod
    def _optimizer_problems(runner, model, saved: dict) -> List[str]:
        names = {id(p): n for n, p in model.named_parameters()}
        problems, moments, lr_changes = [], [], []
        for label, optimizer, state in _optimizers(runner.optim_wrapper,
                                                   saved):
            groups = state.get('param_groups', [])
            if len(groups) != len(optimizer.param_groups):
                problems.append(
                    f'{label}: {len(groups)} parameter groups in the '
                    f'checkpoint, {len(optimizer.param_groups)} in the config')
                continue
            for index, (old, new) in enumerate(
                    zip(groups, optimizer.param_groups)):
                if len(old['params']) != len(new['params']):
                    problems.append(
                        f'{label} group {index}: {len(old["params"])} '
                        f'parameters in the checkpoint, {len(new["params"])} '
                        'in the model')
                    continue
                old_lr = old.get('initial_lr', old.get('lr'))
                new_lr = new.get('initial_lr', new.get('lr'))
                if old_lr is not None and new_lr is not None and \
                        not math.isclose(old_lr, new_lr, rel_tol=1e-6):
                    lr_changes.append(
                        f'{label} group {index}: lr {new_lr} in the config, '
                        f'{old_lr} in the checkpoint')
                for key, param in zip(old['params'], new['params']):
                    for name, value in state['state'].get(key, {}).items():
                        if _shape(value) not in ((), tuple(param.shape)):
                            moments.append(
                                f'{label} {name!r} of '
                                f'{names.get(id(param), key)} '
                                f'(checkpoint {_shape(value)}, model '
                                f'{tuple(param.shape)})')
        if moments:
            problems.append(_listing('optimizer state shape mismatches',
                                     moments))
        if lr_changes:
            runner.logger.warning(
                'Resuming with a changed learning rate: ' +
                '; '.join(lr_changes) + '. The optimizer state of the '
                'checkpoint is restored, so its learning rate (and schedule) '
                'is used; to train with the new one, start a new run with '
                'load_from=CHECKPOINT instead of resuming.')
        return problems
