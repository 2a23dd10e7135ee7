"""Decoding a training clip: our pipeline vs the specification's approach.

    python benchmarks/bench_decode.py [--num-videos 4] [--clips 6] [--gop 12]

On the same generated H.264 videos (480x360, 24/25/30/29.97 fps, 30 s,
x264 ``veryfast``, crf 23, about 0.35 Mbit/s like Charades_v1_480, with a
keyframe every 250 frames, x264's default maximum, as ordinary encodes have),
the time to produce one training clip (16 frames over
3 s, resized and cropped to 224x224) with

* ours: MMAction2's ``DecordInit`` -> ``DilatedClipSampler`` ->
  ``DecordDecode`` (decord decodes from the keyframe before the clip up to its
  last frame, and returns only the 16 sampled frames) -> ``Resize(-1, 256)``
  -> ``RandomResizedCrop`` -> ``Resize(224, 224)`` -> ``FormatShape``;
* the specification's (Section 3.1): OpenCV reads every frame, converts it
  to RGB and resizes it to 224x224, then the clip's 16 frames are picked.

Both decode with one thread (decord's ``num_threads=1``, OpenCV's
``CAP_PROP_N_THREADS=1``) and run interleaved video by video, so load from
other processes hits both alike; each figure is the median over clips. Then
the DataLoader throughput of our pipeline with 2 workers (clips/s, after the
first batch), and the effect of re-encoding with a keyframe every ``--gop``
frames (``tools/data/charades/reencode.py``) on random clip access: both
sets are encoded by ``reencode`` from the same high-quality source and differ
only in the keyframe interval.
"""
import argparse
import os
import os.path as osp
import statistics
import tempfile
import time
from fractions import Fraction

import cv2
import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import Compose

import mmaction_charades  # noqa: F401  (registers the samplers)
from mmaction_charades.datasets.preparation import reencode
from mmaction_charades.testing import (MiniVideo, default_class_to_group,
                                       render_video, sample_video)

CLIP_LEN, SPAN, SIZE = 16, 3.0, 224
FRAME_RATES = (Fraction(24), Fraction(30), Fraction(25), Fraction(30000, 1001))


def make_videos(out: str, num_videos: int, seconds: float, size, gop: int):
    """Render the benchmark videos and their re-encodes; returns both lists
    of paths."""
    class_to_group = default_class_to_group()
    originals, short_gop = [], []
    for k in range(num_videos):
        fps = FRAME_RATES[k % len(FRAME_RATES)]
        drawn = sample_video(np.random.default_rng([0, k]), f'B{k:04d}',
                             class_to_group)
        num_frames = int(round(seconds * fps))
        video = MiniVideo(drawn.video_id, fps, num_frames,
                          round(num_frames / float(fps), 2), drawn.actions)
        source = osp.join(out, f'{video.video_id}_source.mp4')
        render_video(video, source, size, class_to_group,
                     np.random.default_rng([1, k]), crf=18, noise=3)
        path = osp.join(out, f'{video.video_id}.mp4')
        reencode(source, path, gop=250)
        short = osp.join(out, f'{video.video_id}_g{gop}.mp4')
        reencode(source, short, gop=gop)
        os.remove(source)
        originals.append(path)
        short_gop.append(short)
    return originals, short_gop


def our_pipeline() -> Compose:
    return Compose([
        TRANSFORMS.build(cfg) for cfg in (
            dict(type='DecordInit', num_threads=1),
            dict(type='DilatedClipSampler', clip_len=CLIP_LEN, span=SPAN),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 256)),
            dict(type='RandomResizedCrop'),
            dict(type='Resize', scale=(SIZE, SIZE), keep_ratio=False),
            dict(type='FormatShape', input_format='NCTHW'),
        )
    ])


def ours(pipeline: Compose, path: str) -> np.ndarray:
    """(1, 3, 16, 224, 224) clip from our pipeline."""
    return pipeline(dict(filename=path, start_index=0,
                         modality='RGB'))['imgs']


def specification(path: str) -> np.ndarray:
    """(16, 224, 224, 3): decode and resize every frame, then pick."""
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG,
                               [cv2.CAP_PROP_N_THREADS, 1])
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        frames.append(cv2.resize(frame, (SIZE, SIZE)))
    capture.release()
    dilation = SPAN * fps / CLIP_LEN
    start = np.random.randint(0, max(len(frames) - int(SPAN * fps), 1))
    inds = start + np.floor(np.arange(CLIP_LEN) * dilation).astype(int)
    return np.stack(frames)[np.minimum(inds, len(frames) - 1)]


def _time(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


class ClipDataset(torch.utils.data.Dataset):
    """Random training clips of the videos through our pipeline."""

    def __init__(self, paths, num_clips: int):
        self.paths, self.num_clips = paths, num_clips
        self.pipeline = our_pipeline()

    def __len__(self) -> int:
        return self.num_clips

    def __getitem__(self, index: int) -> torch.Tensor:
        return torch.from_numpy(
            ours(self.pipeline, self.paths[index % len(self.paths)]))


def loader_throughput(paths, num_clips: int, workers: int = 2,
                      batch_size: int = 4) -> float:
    """Clips per second of a DataLoader, from the first batch to the last."""
    loader = torch.utils.data.DataLoader(
        ClipDataset(paths, num_clips + batch_size), batch_size=batch_size,
        num_workers=workers, shuffle=True)
    batches = iter(loader)
    next(batches)  # workers started, first batch out
    start = time.perf_counter()
    count = sum(len(batch) for batch in batches)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-videos', type=int, default=4)
    parser.add_argument('--seconds', type=float, default=30.)
    parser.add_argument('--clips', type=int, default=6,
                        help='timed clips per video for ours (the '
                        'specification: a third as many, at least 1)')
    parser.add_argument('--loader-clips', type=int, default=40)
    parser.add_argument('--gop', type=int, default=12)
    parser.add_argument('--workdir', default=None,
                        help='keep the videos here (default: a temp dir)')
    args = parser.parse_args()
    np.random.seed(0)
    cv2.setNumThreads(1)
    workdir = args.workdir or tempfile.mkdtemp(prefix='bench_decode_')
    os.makedirs(workdir, exist_ok=True)
    start = time.perf_counter()
    originals, short_gop = make_videos(workdir, args.num_videos, args.seconds,
                                       (480, 360), args.gop)
    print(f'made {args.num_videos} videos of {args.seconds:.0f} s at 480x360 '
          f'and their gop-{args.gop} re-encodes in '
          f'{time.perf_counter() - start:.0f} s')
    pipeline = our_pipeline()
    assert ours(pipeline, originals[0]).shape == (1, 3, CLIP_LEN, SIZE, SIZE)
    assert specification(originals[0]).shape == (CLIP_LEN, SIZE, SIZE, 3)

    times = {key: [] for key in ('ours', 'spec', 'ours_gop', 'spec_gop')}
    spec_clips = max(1, args.clips // 3)
    for original, short in zip(originals, short_gop):
        for k in range(args.clips):
            times['ours'].append(_time(ours, pipeline, original))
            times['ours_gop'].append(_time(ours, pipeline, short))
            if k < spec_clips:
                times['spec'].append(_time(specification, original))
                times['spec_gop'].append(_time(specification, short))
    median = {key: statistics.median(v) for key, v in times.items()}
    size = sum(map(osp.getsize, originals)) / 2**20
    size_gop = sum(map(osp.getsize, short_gop)) / 2**20
    throughput = loader_throughput(originals, args.loader_clips)
    throughput_gop = loader_throughput(short_gop, args.loader_clips)

    print(f'\nOne training clip ({CLIP_LEN} frames over {SPAN:.0f} s, '
          f'{SIZE}x{SIZE}), median seconds per clip, {args.num_videos} '
          f'videos x {args.clips} clips (spec: x {spec_clips}):\n')
    print('| videos | MiB | spec: OpenCV all frames | ours: decord '
          'sampled frames | speed-up | DataLoader, 2 workers |')
    print('|---|---|---|---|---|---|')
    print(f'| keyframe every 250 frames (as encoded) | {size:.1f} | '
          f'{median["spec"]:.3f} s | {median["ours"]:.3f} s | '
          f'{median["spec"] / median["ours"]:.1f}x | '
          f'{throughput:.1f} clips/s |')
    print(f'| re-encoded, keyframe every {args.gop} | {size_gop:.1f} | '
          f'{median["spec_gop"]:.3f} s | {median["ours_gop"]:.3f} s | '
          f'{median["spec_gop"] / median["ours_gop"]:.1f}x | '
          f'{throughput_gop:.1f} clips/s |')
    print(f'\nspeed-up of ours over the specification: '
          f'{median["spec"] / median["ours"]:.1f}x as encoded, '
          f'{median["spec_gop"] / median["ours_gop"]:.1f}x re-encoded '
          f'(target 8x); re-encoding alone speeds our random clip access '
          f'{median["ours"] / median["ours_gop"]:.1f}x')
    print(f'total {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
