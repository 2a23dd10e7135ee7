"""PySlowFast-style Charades frame lists from a CSV and extracted frames, for
``tools/data/charades/make_frame_lists.py`` (which describes the format)."""
import os
import os.path as osp
import re
from typing import List, Tuple

import numpy as np

from ..annotations import load_official_csv
from ..transforms.samplers import frames_in_actions

FRAME_LIST_HEADER = 'original_vido_id video_id frame_id path labels'


def frame_names(frame_dir: str, video_id: str) -> List[str]:
    """Sorted ``<id>-NNNNNN.<ext>`` names in ``frame_dir``; raises if the
    numbers do not run 1..N without gaps."""
    pattern = re.compile(re.escape(video_id) + r'-(\d+)\.(jpg|jpeg|png)$')
    numbered = sorted((int(m[1]), name) for name in os.listdir(frame_dir)
                      if (m := pattern.match(name)))
    numbers = [n for n, _ in numbered]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f'{frame_dir}: frames must be numbered 1..N without '
                         f'gaps, e.g. {video_id}-000001.jpg; found '
                         f'{numbers[:3]}...{numbers[-3:]}')
    return [name for _, name in numbered]


def make_frame_list(ann_file: str, frame_root: str, out_file: str,
                    fps: float = 24.) -> Tuple[int, List[str]]:
    """Write the frame list of the videos of ``ann_file``.

    Returns:
        The number of frames written and the ids of the skipped videos.
    """
    videos, _ = load_official_csv(ann_file)
    frames_written, skipped = 0, []
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w', encoding='utf-8', newline='\n') as f:
        f.write(FRAME_LIST_HEADER + '\n')
        for index, video in enumerate(videos):
            video_id = video['video_id']
            frame_dir = osp.join(frame_root, video_id)
            if not osp.isdir(frame_dir):
                skipped.append(video_id)
                continue
            names = frame_names(frame_dir, video_id)
            times = np.arange(len(names)) / fps
            active = frames_in_actions(times, video['actions'],
                                       video['length'])  # (N, M)
            classes = video['actions'][:, 0].astype(int)
            for frame_id, name in enumerate(names):
                labels = ','.join(
                    str(c) for c in sorted(set(classes[active[frame_id]])))
                f.write(f'{video_id} {index} {frame_id} {video_id}/{name} '
                        f'"{labels}"\n')
            frames_written += len(names)
    return frames_written, skipped
