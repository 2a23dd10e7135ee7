"""Write PySlowFast-style Charades frame lists from a CSV and extracted frames.

    python tools/data/charades/make_frame_lists.py \
        data/charades/Charades_v1_train.csv data/charades/Charades_v1_rgb \
        data/charades/frame_lists/train.csv [--fps 24]

Frames are expected as ``FRAME_ROOT/<id>/<id>-000001.jpg``, numbered from 1,
extracted at ``--fps`` (``Charades_v1_rgb`` and the ffmpeg command in
README.md use 24). The output has PySlowFast's header ``original_vido_id
video_id frame_id path labels`` and one space-separated line per frame:
the CSV id, the video's index, the 0-based frame number, the frame path
relative to FRAME_ROOT, and the quoted comma-separated official class
indices of the actions under way at ``frame_id / fps`` seconds (the clip label
rule of ``mmaction_charades.datasets.transforms.samplers``). Videos without
a frame directory are skipped and listed. The CSV is read as the dataset
reads it: an action that no frame can show (starting after its end, or at or
after ``length``) is left out with one warning for the file, and a malformed
row is an error naming the file, line and field.
"""
import argparse
import os
import os.path as osp
import re
from typing import List, Tuple

import numpy as np

from mmaction_charades.datasets.annotations import load_official_csv
from mmaction_charades.datasets.transforms.samplers import frames_in_actions
from mmaction_charades.utils.cli import run_cli

HEADER = 'original_vido_id video_id frame_id path labels'


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
        f.write(HEADER + '\n')
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


@run_cli
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file', help='official Charades CSV')
    parser.add_argument('frame_root', help='directory of <id>/ frame dirs')
    parser.add_argument('out_file')
    parser.add_argument('--fps', type=float, default=24.,
                        help='rate the frames were extracted at')
    args = parser.parse_args()
    frames, skipped = make_frame_list(args.ann_file, args.frame_root,
                                      args.out_file, args.fps)
    if skipped:
        print(f'skipped {len(skipped)} videos without frames: '
              f'{" ".join(skipped[:20])}{" ..." if len(skipped) > 20 else ""}')
    print(f'wrote {frames} frames to {args.out_file}')


if __name__ == '__main__':
    main()
