"""Shared plumbing of ``tools/train.py`` and ``tools/test.py``: config loading
with CLI overrides, and one-line errors for the mistakes users make."""
import os
import os.path as osp
import re
import sys
from functools import wraps
from typing import Callable, Optional

from mmengine.config import Config


class UserError(Exception):
    """A mistake in the command line or the inputs it names."""


def is_remote(path: str) -> bool:
    return '://' in path


def load_config(path: str, cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """Read ``path``, apply ``--cfg-options``, and set ``work_dir`` (CLI, then
    the config's own, then ``work_dirs/<config name>``) and ``launcher``."""
    if not osp.isfile(path):
        raise UserError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(path))[0])
    cfg.launcher = launcher
    if launcher != 'none':
        os.environ.setdefault('LOCAL_RANK', '0')
    return cfg


def check_checkpoint(path: str) -> None:
    if not is_remote(path) and not osp.isfile(path):
        raise UserError(f'checkpoint {path!r} does not exist')


def _one_line(exc: BaseException) -> Optional[str]:
    """The message for errors users cause, or None for genuine bugs."""
    from ..datasets.charades import BadVideoError
    from ..engine.checkpoint import CheckpointError
    if isinstance(exc, (UserError, CheckpointError, FileNotFoundError)):
        return str(exc)
    if isinstance(exc, BadVideoError):
        # From a DataLoader worker the message is the worker's traceback,
        # ending in ``module.ErrorClass: message``.
        text = str(exc).rsplit(
            f'{type(exc).__module__}.{type(exc).__qualname__}: ', 1)[-1]
        return text.strip().splitlines()[0]
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
