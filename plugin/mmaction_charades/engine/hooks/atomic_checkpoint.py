"""MMEngine's CheckpointHook with crash-safe saving, a work-directory lock and
an ``--resume auto`` that skips truncated checkpoints."""
import os
import os.path as osp
import re
from typing import List, Optional

from mmaction.registry import HOOKS
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import CheckpointHook

from ..atomic_io import (AtomicLocalBackend, atomic_write,
                         is_intact_checkpoint, remove_stale_temporaries)
from ..work_dir_lock import WorkDirLock, WorkDirLockedError


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`~mmengine.hooks.CheckpointHook` that never leaves the work
    directory without a loadable checkpoint.

    * Checkpoints and ``last_checkpoint`` are written atomically
      (:func:`~mmaction_charades.engine.atomic_io.atomic_write`) when they go
      to a local directory; a write failing on a full disk removes its
      partial file.
    * The checkpoint beyond ``max_keep_ckpts`` (and the previous best one) is
      removed only after the new checkpoint and ``last_checkpoint`` are
      written; MMEngine removes it first, so with ``max_keep_ckpts=1`` a
      kill during the save left none.
    * ``--resume auto`` (``resume=True`` without ``load_from``): when
      ``last_checkpoint`` is empty, dangling, points at a damaged file or is
      missing beside saved checkpoints, the newest intact
      ``filename_tmpl`` checkpoint is resumed instead (checked with
      :func:`~mmaction_charades.engine.atomic_io.is_intact_checkpoint`,
      which unpickles nothing).
    * ``lock_work_dir=True``: training takes
      :class:`~mmaction_charades.engine.work_dir_lock.WorkDirLock` on
      ``runner.work_dir`` (on the main process, for all ranks) and a second
      training into the same directory stops with
      :class:`~mmaction_charades.engine.work_dir_lock.WorkDirLockedError`
      naming the holder's PID. Under the lock, temporary files of saves
      that were killed are removed.

    Args:
        lock_work_dir: Take the work-directory lock during training.
        **kwargs: :class:`~mmengine.hooks.CheckpointHook`'s arguments.
    """

    def __init__(self, *args, lock_work_dir: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lock_work_dir = lock_work_dir
        self._lock: Optional[WorkDirLock] = None
        local = self.out_dir is None or '://' not in str(self.out_dir)
        if local and self.backend_args is None and \
                self.file_client_args is None:
            self.backend_args = dict(backend='atomic_local')

    # --- resume ----------------------------------------------------------

    def before_run(self, runner) -> None:
        # `Runner.load_or_resume` runs after `before_run`; its `--resume
        # auto` takes whatever `last_checkpoint` names unless `_load_from`
        # is set.
        if runner._resume and runner._load_from is None:
            fallback = self._resume_fallback(runner)
            if fallback is not None:
                runner._load_from = fallback

    def _local_out_dir(self, runner) -> Optional[str]:
        """Where :meth:`before_train` will save, if that is local."""
        if self.out_dir is None:
            return runner.work_dir
        if '://' in str(self.out_dir):
            return None
        if self.out_dir == runner.work_dir:
            return runner.work_dir
        return osp.join(self.out_dir,
                        osp.basename(runner.work_dir.rstrip(osp.sep)))

    def _saved_checkpoints(self, out_dir: str) -> List[str]:
        """``filename_tmpl`` checkpoints in ``out_dir``, newest first."""
        if not osp.isdir(out_dir):
            return []
        head, _, tail = self.filename_tmpl.partition('{}')
        pattern = re.compile(f'^{re.escape(head)}(\\d+){re.escape(tail)}$')
        steps = {}
        for name in os.listdir(out_dir):
            match = pattern.match(name)
            if match:
                steps[osp.join(out_dir, name)] = int(match.group(1))
        return sorted(steps, key=steps.get, reverse=True)

    def _resume_fallback(self, runner) -> Optional[str]:
        """The checkpoint to resume instead of ``last_checkpoint``'s, or None
        to let MMEngine follow ``last_checkpoint``."""
        pointer = osp.join(runner.work_dir, 'last_checkpoint')
        named = None
        if osp.isfile(pointer):
            with open(pointer) as f:
                named = f.read().strip()
            if '://' in named or is_intact_checkpoint(named):
                return None
        out_dir = self._local_out_dir(runner)
        saved = self._saved_checkpoints(out_dir) if out_dir else []
        newest = next((p for p in saved if is_intact_checkpoint(p)), None)
        if named is None and newest is None:
            return None  # nothing saved yet: MMEngine starts from scratch
        problem = ('is missing' if named is None else
                   f'names {named!r}, which is missing or damaged')
        if newest is None:
            raise FileNotFoundError(
                f'cannot resume: {pointer} {problem}, and {out_dir} holds no '
                f'intact checkpoint ({self.filename_tmpl.format("N")})')
        runner.logger.warning(f'{pointer} {problem}; resuming from the '
                              f'newest intact checkpoint {newest} instead.')
        return newest

    # --- lock ------------------------------------------------------------

    def before_train(self, runner) -> None:
        if self.lock_work_dir:
            refusal = [None]
            if is_main_process():
                try:
                    self._lock = WorkDirLock.claim(runner.work_dir)
                except WorkDirLockedError as exc:
                    refusal = [str(exc)]
            broadcast_object_list(refusal)
            if refusal[0] is not None:
                raise WorkDirLockedError(refusal[0])
        super().before_train(runner)
        if is_main_process() and isinstance(self.file_backend,
                                            AtomicLocalBackend):
            for dirname in {self.out_dir, runner.work_dir}:
                for path in remove_stale_temporaries(dirname):
                    runner.logger.info(f'Removed {path}, the partial file '
                                       'of an interrupted save.')

    def after_train(self, runner) -> None:
        super().after_train(runner)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- saving ----------------------------------------------------------

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        """As MMEngine's (mmengine/hooks/checkpoint_hook.py, Copyright (c)
        OpenMMLab, Apache License 2.0), but ``last_checkpoint`` is written
        atomically and the checkpoint falling out of ``max_keep_ckpts`` is
        removed last."""
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, 'last_checkpoint'),
                     self.last_ckpt.encode())
        if outdated is not None:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)  # DeepSpeed checkpoints

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """As MMEngine's, but the previous best checkpoint is removed after
        the new one is written."""
        if not isinstance(self.file_backend, AtomicLocalBackend):
            return super()._save_best_checkpoint(runner, metrics)
        with self.file_backend.deferred_removals() as pending:
            super()._save_best_checkpoint(runner, metrics)
            # a file saved again under its old name is not outdated
            current = {self.last_ckpt, getattr(self, 'best_ckpt_path', None),
                       *getattr(self, 'best_ckpt_path_dict', {}).values()}
            pending[:] = [path for path in pending if path not in current]
