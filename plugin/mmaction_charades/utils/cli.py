"""Shared plumbing of ``tools/train.py`` and ``tools/test.py``: the argument
parser, config loading with CLI overrides, and one-line errors for the
mistakes users make."""
import argparse
import ast
import os
import os.path as osp
import re
import sys
from functools import wraps
from typing import Any, Callable, Optional

from mmengine.config import Config, DictAction

#: What ``numpy.random.seed`` (and so MMEngine's ``randomness.seed``) takes.
MAX_SEED = 2**32 - 1
CONFIG_SUFFIXES = ('.py', '.json', '.yaml', '.yml')
#: What each launcher reads from the environment, and what sets it.
_LAUNCHER_ENV = {
    'pytorch': (('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'),
                'start the tool with tools/dist_train.sh / tools/dist_test.sh '
                'CONFIG NPROC or torchrun --nproc_per_node=NPROC'),
    'slurm': (('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'),
              'start the tool with srun'),
    'mpi': (('OMPI_COMM_WORLD_LOCAL_RANK', 'OMPI_COMM_WORLD_RANK',
             'OMPI_COMM_WORLD_SIZE'), 'start the tool with mpirun'),
}
#: ``--cfg-options`` keys, by their last part, that take integers in a range.
_INT_RANGES = {
    **dict.fromkeys(('batch_size', 'max_epochs', 'max_iters', 'val_interval',
                     'num_classes', 'clip_len', 'num_clips'), (1, None)),
    'num_workers': (0, None),
    'seed': (0, MAX_SEED),
}


class UserError(Exception):
    """A mistake in the command line or the inputs it names."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse`` whose errors end in one ``error: ...`` line, like the
    tools' other user errors."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f'error: {message}\n')


def seed(text: str) -> int:
    """``--seed``: an integer that ``numpy.random.seed`` accepts."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f'expected an integer from 0 to {MAX_SEED} (2**32 - 1), got '
            f'{text!r}')
    return value


def _balanced(text: str) -> bool:
    stack = []
    for char in text:
        if char in '([':
            stack.append(')' if char == '(' else ']')
        elif char in ')]' and (not stack or stack.pop() != char):
            return False
    return not stack


class CfgOptionsAction(DictAction):
    """MMEngine's ``DictAction`` that rejects malformed ``KEY=VALUE`` items
    with an argparse error instead of a traceback."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values or ():
            key, sep, value = item.partition('=')
            if not sep or not key:
                problem = 'is not KEY=VALUE'
            elif not value:
                problem = 'has an empty VALUE (write KEY=None for None)'
            elif not _balanced(value):
                problem = 'has unbalanced brackets in VALUE'
            else:
                continue
            raise argparse.ArgumentError(
                self, f'{item!r} {problem}: expected KEY=VALUE such as '
                'train_cfg.max_epochs=2 or model.backbone.window_size=[8,7,7]')
        super().__call__(parser, namespace, values, option_string)


def is_remote(path: str) -> bool:
    return '://' in path


def _check_syntax(path: str, text: str, seen: tuple = ()) -> None:
    """Parse a .py config and its local ``_base_`` files, so that a syntax
    error names its file and line (MMEngine reports ``<unknown>``)."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise UserError(f'config file {path!r}, line {exc.lineno}: '
                        f'{exc.msg}: expected valid Python') from None
    bases = next((node.value for node in tree.body
                  if isinstance(node, ast.Assign) and any(
                      getattr(t, 'id', None) == '_base_'
                      for t in node.targets)), None)
    try:
        bases = ast.literal_eval(bases) if bases is not None else []
    except ValueError:
        return  # not a literal: MMEngine reports it
    for base in [bases] if isinstance(bases, str) else bases:
        base = osp.abspath(osp.join(osp.dirname(path), str(base)))
        if base.endswith('.py') and osp.isfile(base) and base not in seen:
            with open(base, encoding='utf-8') as f:
                _check_syntax(base, f.read(), (*seen, osp.abspath(path)))


def _read_config(path: str) -> Config:
    if not osp.isfile(path):
        raise UserError(f'config file {path!r} does not exist')
    if not path.endswith(CONFIG_SUFFIXES):
        raise UserError(f'config file {path!r}: expected a .py config '
                        '(MMEngine also reads .json, .yaml and .yml)')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if not text.strip():
        raise UserError(f'config file {path!r} is empty: expected a .py '
                        'config that defines the model and data')
    if path.endswith('.py'):
        _check_syntax(path, text)
    cfg = Config.fromfile(path)
    if 'model' not in cfg:
        raise UserError(f'config file {path!r} defines no `model`: expected '
                        'a complete config (or one whose `_base_` is)')
    return cfg


def _check_option(base: dict, key: str, value: Any) -> None:
    """Refuse a ``--cfg-options`` item that MMEngine would merge into a
    traceback or that the runner would only reject once it builds; ``base``
    is the config before the options."""

    def fail(expected: str):
        raise UserError(f'--cfg-options {key}={value!r}: {expected}')

    node, path = base, []
    for part in key.split('.'):
        if isinstance(node, dict):
            if part not in node:
                node = None
                break
            node = node[part]
        elif isinstance(node, list) and part.isascii() and part.isdigit():
            if int(part) >= len(node):
                fail(f'{".".join(path)} has {len(node)} entries, expected an '
                     f'index below {len(node)}')
            node = node[int(part)]
        else:
            fail(f'{".".join(path)} is {node!r}, not a dict, so it has no '
                 f'key {part!r}: expected {".".join(path)}=VALUE')
        path.append(part)
    name = key.rsplit('.', 1)[-1]
    if name in _INT_RANGES and not (name == 'seed' and value is None):
        low, high = _INT_RANGES[name]
        if not (isinstance(value, int) and not isinstance(value, bool)
                and low <= value <= (high or value)):
            fail(f'expected an integer >= {low}' if high is None else
                 f'expected None or an integer from {low} to {high}')
    if isinstance(value, str) and isinstance(node, (int, float)):
        fail('expected True or False' if isinstance(node, bool) else
             f'expected a number (the config has {node!r})')


def _check_launcher(launcher: str) -> None:
    if launcher == 'none':
        return
    names, how = _LAUNCHER_ENV[launcher]
    missing = [name for name in names if name not in os.environ]
    if missing:
        raise UserError(
            f'--launcher {launcher} needs {", ".join(missing)} in the '
            f'environment: {how}, or drop --launcher for one process')


def load_config(path: str, cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none',
                protocol: Optional[str] = None) -> Config:
    """Read ``path``, apply the test ``protocol`` (see
    :mod:`~mmaction_charades.utils.protocols`), then ``--cfg-options``, and
    set ``work_dir`` (CLI, then the config's own, then
    ``work_dirs/<config name>``) and ``launcher``."""
    cfg = _read_config(path)
    if protocol is not None:
        from .protocols import apply_protocol
        apply_protocol(cfg, protocol)
    if cfg_options:
        base = cfg.to_dict()
        for key, value in cfg_options.items():
            _check_option(base, key, value)
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(path))[0])
    if osp.exists(cfg.work_dir) and not osp.isdir(cfg.work_dir):
        raise UserError(f'work directory {cfg.work_dir!r} is a file: '
                        'expected a directory (created if missing)')
    _check_launcher(launcher)
    cfg.launcher = launcher
    if launcher != 'none':
        os.environ.setdefault('LOCAL_RANK', '0')
    return cfg


def check_amp() -> None:
    """``--amp``: MMEngine's AmpOptimWrapper runs on accelerators only."""
    from mmengine.device import get_device
    if get_device() not in ('cuda', 'npu', 'mlu', 'musa'):
        raise UserError('--amp needs a GPU (or NPU/MLU/MUSA), found none: '
                        'drop --amp to train in float32 on the CPU')


def allow_partial_load(cfg: Config) -> Config:
    """``--partial-load``: let every ``CheckpointCompatHook`` of the config
    load a checkpoint whose keys or shapes do not all match the model."""
    for hook in cfg.get('custom_hooks') or []:
        if hook.get('type') == 'CheckpointCompatHook':
            hook['partial_load'] = True
    return cfg


def lock_work_dir(cfg: Config) -> None:
    """Take the work-directory lock before the Runner writes anything there
    (rank 0 only) and hand it over to the training's checkpoint hook."""
    from ..engine.work_dir_lock import WorkDirLock
    if int(os.environ.get('RANK', '0')) == 0:
        lock = WorkDirLock(cfg.work_dir)
        lock.acquire()
        lock.hand_over()


def check_checkpoint(path: str) -> None:
    """A local checkpoint must exist and pass the guard's inspection
    (:func:`mmaction_charades.engine.checkpoint.check_checkpoint`, which
    executes nothing), so a bad file is refused before the Runner is built."""
    from ..engine.checkpoint import InvalidCheckpointError
    from ..engine.checkpoint import check_checkpoint as inspect_checkpoint
    if is_remote(path):
        return
    if not osp.exists(path):
        raise UserError(f'checkpoint {path!r} does not exist')
    if not osp.isfile(path):
        raise UserError(f'checkpoint {path!r} is not a file: expected a '
                        '.pth file written by torch.save')
    if osp.getsize(path) == 0:
        raise UserError(f'checkpoint {path!r} is empty: expected a .pth '
                        'file written by torch.save')
    try:
        inspect_checkpoint(path)
    except InvalidCheckpointError:
        raise UserError(f'checkpoint {path!r} is not a PyTorch checkpoint '
                        '(or is truncated): expected a .pth file written by '
                        'torch.save') from None


def _user_errors() -> tuple:
    """Exception types whose message is the whole story for the user."""
    from ..datasets import charades
    from ..datasets.annotations import AnnotationError
    from ..engine.checkpoint import CheckpointError
    from ..evaluation.metrics import NonFiniteScoreError
    from .config_checks import ConfigError
    return (UserError, FileNotFoundError, AnnotationError,
            charades.BadVideoError, CheckpointError, NonFiniteScoreError,
            ConfigError)


def _one_line(exc: BaseException) -> Optional[str]:
    """The message for errors users cause, or None for genuine bugs."""
    if isinstance(exc, _user_errors()):
        text = str(exc)
        # Re-raised from a DataLoader worker, the message is the worker's
        # traceback, ending in ``module.ErrorClass: message``.
        origin = f'{type(exc).__module__}.{type(exc).__qualname__}: '
        if text.startswith('Caught ') and origin in text:
            text = text.rsplit(origin, 1)[-1].strip().splitlines()[0]
        return ' '.join(text.split())
    text = str(exc.args[0]) if exc.args else str(exc)
    unknown = re.search(r'([\w.]+) is not in the (\S+) registry', text)
    if isinstance(exc, KeyError) and unknown:
        name, registry = unknown.groups()
        return (f'unknown type {name!r} in the config: it is registered '
                f'neither in MMAction2 nor in mmaction_charades ({registry} '
                'registry)')
    return None


def run_cli(main: Callable[[], None]) -> Callable[[], None]:
    """Run ``main``; user errors print ``error: ...`` and exit with 2."""

    @wraps(main)
    def wrapper() -> None:
        try:
            main()
        except Exception as exc:  # noqa: BLE001 -- re-raised unless a user error
            message = _one_line(exc)
            if message is None:
                raise
            print(f'error: {message}', file=sys.stderr)
            sys.exit(2)

    return wrapper
