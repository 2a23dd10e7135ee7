"""Fixtures shared across the suite."""
import logging
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.logging import MMLogger

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='session')
def mini_charades(tmp_path_factory) -> Path:
    """A tiny generated mini-Charades (12 train + 4 test videos, 64x48),
    written once per session."""
    from mmaction_charades.testing import make_mini_charades
    out = tmp_path_factory.mktemp('mini_charades')
    make_mini_charades(str(out), num_videos=16, num_test=4, seed=0,
                       size=(64, 48), workers=1, log=lambda msg: None)
    return out


def _mini_data_options(data: Path, batch_size: int = 4,
                       num_workers: int = 0) -> list:
    options = []
    for split, ann in (('train', 'train'), ('val', 'test'), ('test', 'test')):
        prefix = f'{split}_dataloader'
        options += [
            f'{prefix}.dataset.ann_file={data}/Charades_v1_{ann}.csv',
            f'{prefix}.dataset.data_prefix.video={data}/videos',
            f'{prefix}.batch_size={batch_size}',
            f'{prefix}.num_workers={num_workers}',
            f'{prefix}.persistent_workers=False',
        ]
    return options


def _run_tool(args, timeout=600, env=None,
              **kwargs) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    full_env.update(env or {})
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env=full_env, **kwargs)


@pytest.fixture(scope='session')
def mini_data_options():
    """``options(data, batch_size=4, num_workers=0)``: ``--cfg-options``
    pointing a ``*_mini_*`` config at the mini-Charades in ``data``."""
    return _mini_data_options


@pytest.fixture(scope='session')
def run_tool():
    """``run(args, timeout=600, env=None)``: ``python ARGS`` from the
    repository root with one BLAS thread."""
    return _run_tool


def _write_nan_fps_video(path, num_frames: int = 16, size: int = 32) -> None:
    """Write an H.264 mp4 whose frame rate reads as NaN while every frame
    decodes: PyAV's default muxing, then every sample duration of the
    ``stts`` box set to 0."""
    import av
    import numpy as np
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=8)
        stream.width = stream.height = size
        stream.pix_fmt = 'yuv420p'
        for k in range(num_frames):
            image = np.full((size, size, 3), 8 * k % 256, np.uint8)
            container.mux(stream.encode(
                av.VideoFrame.from_ndarray(image, format='rgb24')))
        container.mux(stream.encode())
    data = bytearray(Path(path).read_bytes())
    box = data.rfind(b'stts')  # in moov, which PyAV writes after mdat
    (size, ), (entries, ) = (struct.unpack_from('>I', data, box - 4),
                             struct.unpack_from('>I', data, box + 8))
    assert size == 16 + 8 * entries, 'no stts box found'
    for entry in range(entries):
        struct.pack_into('>I', data, box + 16 + 8 * entry, 0)
    Path(path).write_bytes(data)


@pytest.fixture(scope='session')
def write_nan_fps_video():
    """``write(path, num_frames=16, size=32)``: an mp4 whose fps reads as
    NaN (zero ``stts`` durations), all of whose frames decode."""
    return _write_nan_fps_video


@pytest.fixture
def warning_log():
    """The messages logged at WARNING or above through MMEngine's current
    logger (``print_log(logger='current')``) during the test."""
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


@pytest.fixture(scope='session')
def timm():
    """The timm package, or skip the test: timm needs a torchvision built
    for the installed torch, and a mismatched one fails on import with a
    RuntimeError, not an ImportError."""
    try:
        import timm as timm_module
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f'timm does not import here: {exc!r}')
    return timm_module
