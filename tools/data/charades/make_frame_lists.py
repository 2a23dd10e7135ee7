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

from mmaction_charades.datasets.preparation import make_frame_list
from mmaction_charades.utils.cli import run_cli


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
