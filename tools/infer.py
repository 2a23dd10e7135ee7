"""Score one video over time and list the actions it shows.

    python tools/infer.py VIDEO CONFIG CHECKPOINT [--fps 1] [--threshold 0.5]
        [--out-dir DIR] [--ann-file CSV] [--device cpu]

A clip of the training geometry (the config's ``DilatedClipSampler``) is
centred every ``1 / fps`` seconds (``mmaction_charades.apis.
inference_timeline``); consecutive steps whose score reaches ``--threshold``
merge into one detection per class, printed as a table with its time range.
``DIR/<video>_timeline.png`` shades every class over time (ground truth from
``--ann-file`` outlined) and ``DIR/<video>_timeline.json`` holds the per-step
scores, the detections and the config and checkpoint names. Configs that
test VTN on whole videos (``WholeVideoSampler``) are refused: they give one
score per video, no timeline.
"""
import json
import os
import os.path as osp

import numpy as np
import torch

import mmaction_charades  # noqa: F401  (shims, registration, guard)
from mmaction_charades.apis import (UnsupportedConfigError,
                                    inference_timeline, init_recognizer,
                                    plot_timeline)
from mmaction_charades.apis.timeline import timeline_pipeline
from mmaction_charades.datasets.annotations import load_annotations
from mmaction_charades.datasets.label_space import load_label_space
from mmaction_charades.utils.cli import (ArgumentParser, CfgOptionsAction,
                                         UserError, check_checkpoint,
                                         load_config, run_cli)


def parse_args():
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video', help='video file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--fps', type=float, default=1.0,
                        help='time steps per second (default 1)')
    parser.add_argument('--threshold', type=float, default=0.5,
                        help='score from which a step shows a class')
    parser.add_argument('--out-dir', default='work_dirs/infer',
                        help='where the PNG and JSON go')
    parser.add_argument('--ann-file',
                        help='Charades CSV holding the video (id = file '
                        'name without extension): ground truth overlay')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='clips per forward pass')
    parser.add_argument('--device', default=None,
                        help='torch device (default: cuda:0 if available)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries')
    args = parser.parse_args()
    if not args.fps > 0 or args.batch_size < 1:
        parser.error('--fps must be > 0 and --batch-size >= 1')
    return args


def ground_truth(ann_file: str, video_id: str, cfg) -> np.ndarray:
    """(M, 3) ``[label, start, end]`` of ``video_id`` in the config's label
    space."""
    spec = cfg.get('test_dataloader', {}).get('dataset', {}).get(
        'label_space', 'charades157')
    videos, _ = load_annotations(ann_file)
    for video in videos:
        if video['video_id'] == video_id:
            return load_label_space(spec).label_actions(
                video['actions']).astype(np.float64)
    raise UserError(f'--ann-file {ann_file!r} has no video {video_id!r} '
                    '(the video file name without extension)')


def format_table(detections) -> str:
    """Plain-text table of the detections."""
    rows = [('class', 'start (s)', 'end (s)', 'max score')]
    rows += [(d.name, f'{d.start:.2f}', f'{d.end:.2f}', f'{d.score:.3f}')
             for d in detections]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ['  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, '  '.join('-' * w for w in widths))
    return '\n'.join(lines)


@run_cli
def main() -> None:
    args = parse_args()
    if not osp.isfile(args.video):
        raise UserError(f'video {args.video!r} does not exist')
    cfg = load_config(args.config, args.cfg_options)
    check_checkpoint(args.checkpoint)
    try:
        timeline_pipeline(cfg, 1. / args.fps)  # refuse before loading
    except UnsupportedConfigError as error:
        raise UserError(f'config {args.config!r}: {error}') from None
    video_id = osp.splitext(osp.basename(args.video))[0]
    actions = (ground_truth(args.ann_file, video_id, cfg)
               if args.ann_file else None)
    device = args.device or ('cuda:0' if torch.cuda.is_available() else 'cpu')
    try:
        model = init_recognizer(cfg, args.checkpoint, device=device)
    except RuntimeError as error:  # strict load: keys or shapes differ
        raise UserError(f'checkpoint {args.checkpoint!r} does not fit the '
                        f'model of {args.config!r}: {error}') from None
    try:
        timeline = inference_timeline(model, args.video, fps=args.fps,
                                      batch_size=args.batch_size)
    except UnsupportedConfigError as error:
        raise UserError(f'config {args.config!r}: {error}') from None
    timeline.actions = actions
    detections = timeline.detections(args.threshold)
    print(f'{args.video}: {timeline.duration:.2f} s, '
          f'{len(timeline.times)} steps of {timeline.step:g} s, '
          f'{len(detections)} detections (score >= {args.threshold:g})')
    print(format_table(detections))
    os.makedirs(args.out_dir, exist_ok=True)
    png = osp.join(args.out_dir, f'{video_id}_timeline.png')
    out = osp.join(args.out_dir, f'{video_id}_timeline.json')
    plot_timeline(timeline, png, args.threshold)
    with open(out, 'w') as f:
        json.dump(dict(timeline.to_dict(args.threshold), config=args.config,
                       checkpoint=args.checkpoint, fps=args.fps), f)
    print(f'wrote {png} and {out}')


if __name__ == '__main__':
    main()
