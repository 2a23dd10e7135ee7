"""Print the ASCII figure of docs/sampling.md: which frames each clip
sampler takes from a 10 s, 24 fps video, and the clip labels of an action.

    python docs/sampling_figure.py
"""
import numpy as np

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.transforms import (DilatedClipSampler,
                                                   StrideClipSampler)

FPS, FRAMES, PER_CHAR = 24., 240, 3  # one character per 3 frames
ACTION = (0, 1.2, 2.1)  # [label, start s, end s]


def row(frame_inds: np.ndarray) -> str:
    line = ['.'] * (FRAMES // PER_CHAR)
    for i in frame_inds:
        line[i // PER_CHAR] = '|'
    return ''.join(line)


def main() -> None:
    results = dict(total_frames=FRAMES, avg_fps=FPS, length=FRAMES / FPS,
                   actions=np.array([ACTION], np.float32), num_classes=1)
    width = FRAMES // PER_CHAR
    ruler = ''.join(str(int(c * PER_CHAR / FPS)) if c * PER_CHAR % FPS == 0
                    else ' ' for c in range(width))
    action = ''.join('=' if ACTION[1] <= (c + 1) * PER_CHAR / FPS and
                     c * PER_CHAR / FPS <= ACTION[2] else ' '
                     for c in range(width))
    print(f'{"seconds":<32}{ruler}')
    print(f'{"action [1.2 s, 2.1 s]":<32}{action}')
    np.random.seed(7)  # a start (frame 25) that meets the action
    cases = [
        ('dilated, train (random start)', DilatedClipSampler(16, 3.0)),
        ('dilated, test (centre)', DilatedClipSampler(16, 3.0,
                                                      test_mode=True)),
    ]
    for name, sampler in cases:
        out = sampler(dict(results))
        print(f'{name:<32}{row(out["frame_inds"])}  '
              f'label {int(out["clip_labels"][0, 0])}')
    out = StrideClipSampler(16, max_clips=4, stride=1.0)(dict(results))
    for k, clip in enumerate(out['frame_inds'].reshape(-1, 16)):
        name = 'stride, 4 clips of 16, 1 s' if k == 0 else ''
        print(f'{name:<32}{row(clip)}  clip {k} label '
              f'{int(out["clip_labels"][k, 0])}')


if __name__ == '__main__':
    main()
