"""Write a few samples of a config's dataset as GIFs, labels in the name.

    python tools/analysis/browse_dataset.py CONFIG [--split train|val|test]
        [--num 4] [--out-dir DIR] [--cfg-options k=v ...]

Our stand-in for MMAction2's ``tools/analysis_tools/browse_dataset.py``
(which runs the pipeline steps itself and fails on ``CharadesDataset``):
the samples come from ``dataset[i]``, the dataset's own pipeline (sampler,
decoding, augmentations), one GIF per clip (``DIR/<i>_<video>_clip<k>.gif``)
and ``DIR/labels.txt`` listing each clip's classes.
"""
import os
import os.path as osp

import numpy as np
from PIL import Image

import mmaction_charades  # noqa: F401  (shims and registration)
from mmaction.registry import DATASETS
from mmengine.registry import init_default_scope
from mmaction_charades.utils.cli import (ArgumentParser, CfgOptionsAction,
                                         load_config, run_cli)


def parse_args():
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--num', type=int, default=4, help='samples')
    parser.add_argument('--out-dir', default='work_dirs/browse')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args()


@run_cli
def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    classes = dataset.metainfo['classes']
    os.makedirs(args.out_dir, exist_ok=True)
    lines = []
    for index in range(min(args.num, len(dataset))):
        sample = dataset[index]
        clips = sample['inputs'].numpy().astype(np.uint8)  # (N, C, T, H, W)
        labels = sample['data_samples'].gt_label.numpy().reshape(
            -1, len(classes))
        video = sample['data_samples'].metainfo.get('video_id', index)
        for k, clip in enumerate(clips):
            name = f'{index}_{video}_clip{k}.gif'
            frames = [Image.fromarray(f) for f in clip.transpose(1, 2, 3, 0)]
            frames[0].save(osp.join(args.out_dir, name), save_all=True,
                           append_images=frames[1:], duration=200, loop=0)
            label = labels[min(k, len(labels) - 1)]
            lines.append(f'{name}\t' + '; '.join(
                classes[c] for c in np.flatnonzero(label)))
    with open(osp.join(args.out_dir, 'labels.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'wrote {len(lines)} clips to {args.out_dir}')


if __name__ == '__main__':
    main()
