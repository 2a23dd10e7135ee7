"""Process-safe bookkeeping of videos that failed to decode during training."""
import torch
from torch.utils.data import get_worker_info

#: Counter slots: one for the main process and one per DataLoader worker
#: (worker ``i`` writes slot ``1 + i % (NUM_SLOTS - 1)``).
NUM_SLOTS = 257


class BadVideoTracker:
    """Counts samples replaced because their video could not be decoded.

    The counts live in shared memory, so they survive DataLoader worker
    processes (forked or spawned, persistent or not), and each process writes
    only its own slot, so no increment is lost to a race. ``seen`` flags each
    bad video, so it is logged once however many workers meet it (unless two
    meet it at the same instant).

    Args:
        num_videos: length of the dataset.
    """

    def __init__(self, num_videos: int) -> None:
        self._skipped = torch.zeros(NUM_SLOTS, dtype=torch.int64)
        self._skipped.share_memory_()
        #: (num_videos,) bool, True for every video found bad so far.
        self.seen = torch.zeros(num_videos, dtype=torch.bool).share_memory_()

    def __deepcopy__(self, memo: dict) -> 'BadVideoTracker':
        # A deep copy (MMEngine's Runner deep-copies its dataloader config,
        # dataset included) must stay in shared memory for its workers.
        copy = BadVideoTracker(len(self.seen))
        copy._skipped.copy_(self._skipped)
        copy.seen.copy_(self.seen)
        return copy

    def record(self, index: int) -> bool:
        """Count one replaced sample; True if video ``index`` is new."""
        worker = get_worker_info()
        slot = 0 if worker is None else 1 + worker.id % (NUM_SLOTS - 1)
        self._skipped[slot] += 1
        is_new = not bool(self.seen[index])
        self.seen[index] = True
        return is_new

    def num_skipped(self) -> int:
        """Samples replaced since the last :meth:`reset`."""
        return int(self._skipped.sum())

    def num_bad_videos(self) -> int:
        """Distinct videos found bad since the dataset was built."""
        return int(self.seen.sum())

    def reset(self) -> None:
        """Zero the replaced-sample count (call between epochs)."""
        self._skipped.zero_()
