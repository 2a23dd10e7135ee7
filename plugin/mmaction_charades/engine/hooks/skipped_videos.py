"""Report, each training epoch, how many samples had an undecodable video."""
import logging
from typing import List

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_reduce
from mmengine.hooks import Hook

from ...datasets.bad_videos import BadVideoTracker


def find_trackers(dataset) -> List[BadVideoTracker]:
    """The :class:`BadVideoTracker` of ``dataset`` and of the datasets it
    wraps (``.dataset`` of RepeatDataset & co., ``.datasets`` of
    ConcatDataset)."""
    trackers = []
    if isinstance(getattr(dataset, 'bad_videos', None), BadVideoTracker):
        trackers.append(dataset.bad_videos)
    if hasattr(dataset, 'dataset'):
        trackers += find_trackers(dataset.dataset)
    for child in getattr(dataset, 'datasets', []):
        trackers += find_trackers(child)
    return trackers


@HOOKS.register_module()
class SkippedVideosHook(Hook):
    """Logs after every training epoch the number of samples that
    :class:`~mmaction_charades.datasets.CharadesDataset` replaced because
    their video could not be decoded, summed over DataLoader workers and
    ranks, and the number of distinct bad videos so far; the epoch's count is
    also put in the message hub as ``skipped_videos``.
    """

    priority = 'LOW'

    def before_train_epoch(self, runner) -> None:
        for tracker in find_trackers(runner.train_dataloader.dataset):
            tracker.reset()

    def after_train_epoch(self, runner) -> None:
        trackers = find_trackers(runner.train_dataloader.dataset)
        if not trackers:
            return
        skipped = torch.tensor([sum(t.num_skipped() for t in trackers)])
        all_reduce(skipped)
        num_bad = 0
        for tracker in trackers:
            seen = tracker.seen.to(torch.int32)
            all_reduce(seen, op='max')
            num_bad += int(seen.sum())
        skipped = int(skipped)
        runner.message_hub.update_info('skipped_videos', skipped)
        runner.logger.log(
            logging.WARNING if skipped else logging.INFO,
            f'Epoch {runner.epoch + 1}: {skipped} training samples replaced '
            f'because their video could not be decoded ({num_bad} distinct '
            'bad videos so far)')
