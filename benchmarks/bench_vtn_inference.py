"""Whole-video VTN inference vs Video Swin-T multi-clip inference.

Both models classify the same synthetic video of ``--seconds`` seconds at
24 fps (model time only: no decoding). VTN (``configs/vtn_r50_charades21.py``
model: ResNet-50 frames + 3-layer Longformer) sees one frame per second in
one pass, as ``WholeVideoSampler(fps=1.0)``. Swin-T (the backbone of
``configs/swin_t_charades21.py``, 32 frames x interval 2 per clip) needs
``ceil(frames / 64)`` clips to cover the same video, run in batches of
``--clip-batch``; their scores would then be aggregated. Frames are
``--size`` pixels square (224 in the configs; the default 112 keeps the CPU
run short and scales both models alike). One warm-up, best of ``--repeats``.

    OMP_NUM_THREADS=2 python benchmarks/bench_vtn_inference.py
"""
import argparse
import math
import time

import torch
from mmengine.config import Config

import mmaction_charades  # noqa: F401
from mmaction.registry import MODELS

FPS = 24


def _best_time(fn, repeats: int) -> float:
    fn()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=int, default=30)
    parser.add_argument('--size', type=int, default=112)
    parser.add_argument('--clip-batch', type=int, default=4)
    parser.add_argument('--repeats', type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)

    vtn_cfg = Config.fromfile('configs/vtn_r50_charades21.py').model.backbone
    vtn_cfg.frame_backbone.pretrained = None
    vtn = MODELS.build(vtn_cfg).eval()
    swin_cfg = Config.fromfile('configs/swin_t_charades21.py').model.backbone
    swin_cfg.pop('init_cfg')
    swin = MODELS.build(swin_cfg).eval()

    num_frames = args.seconds * FPS
    vtn_frames = min(args.seconds, 288)
    clip_len, interval = 32, 2
    num_clips = math.ceil(num_frames / (clip_len * interval))
    frames = torch.randn(1, 3, vtn_frames, args.size, args.size)
    clips = torch.randn(num_clips, 3, clip_len, args.size, args.size)

    def run_vtn():
        with torch.no_grad():
            vtn(frames)

    def run_swin():
        with torch.no_grad():
            for batch in clips.split(args.clip_batch):
                swin(batch)

    vtn_s = _best_time(run_vtn, args.repeats)
    swin_s = _best_time(run_swin, args.repeats)
    print(f'torch={torch.__version__} threads={torch.get_num_threads()} '
          f'video={args.seconds}s@{FPS}fps frames={args.size}px')
    print('| model | input | s / video |')
    print('|---|---|---|')
    print(f'| VTN-R50 whole video | 1 x {vtn_frames} frames | {vtn_s:.2f} |')
    print(f'| Swin-T multi-clip | {num_clips} x {clip_len}x{interval} '
          f'clips | {swin_s:.2f} |')
    print(f'Swin-T / VTN time per video: {swin_s / vtn_s:.2f}x')


if __name__ == '__main__':
    main()
