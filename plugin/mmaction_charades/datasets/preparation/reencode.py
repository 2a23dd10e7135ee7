"""Re-encoding videos with a short keyframe interval (PyAV, the ``data``
extra), for ``tools/data/charades/reencode.py`` and
``benchmarks/bench_decode.py``."""
import os
import os.path as osp
from fractions import Fraction
from functools import partial
from multiprocessing import Pool
from typing import List, Tuple


def reencode(src: str, dst: str, gop: int = 12, crf: int = 23,
             preset: str = 'veryfast') -> int:
    """Re-encode ``src`` to ``dst`` with a keyframe every ``gop`` frames.

    Returns:
        The number of frames written.
    """
    import av
    tmp = dst + '.part.mp4'
    with av.open(src) as source, av.open(tmp, mode='w') as sink:
        in_stream = source.streams.video[0]
        in_stream.thread_type = 'AUTO'
        rate = in_stream.average_rate or in_stream.guessed_rate
        out_stream = sink.add_stream('libx264', rate=rate)
        out_stream.width = in_stream.codec_context.width
        out_stream.height = in_stream.codec_context.height
        out_stream.pix_fmt = 'yuv420p'
        out_stream.codec_context.gop_size = gop
        out_stream.options = {
            'crf': str(crf),
            'preset': preset,
            # fixed interval: no scene-cut keyframes, no longer GOPs
            'x264-params': f'keyint={gop}:min-keyint={gop}:scenecut=0',
        }
        frames = 0
        for frame in source.decode(in_stream):
            frame = frame.reformat(format='yuv420p')
            frame.pts, frame.time_base = frames, 1 / Fraction(rate)
            for packet in out_stream.encode(frame):
                sink.mux(packet)
            frames += 1
        for packet in out_stream.encode():
            sink.mux(packet)
    os.replace(tmp, dst)
    return frames


def _job(name: str, src_dir: str, dst_dir: str, overwrite: bool,
         **kwargs) -> Tuple[str, str]:
    import av
    dst = osp.join(dst_dir, name)
    if osp.exists(dst) and not overwrite:
        return name, 'exists'
    try:
        frames = reencode(osp.join(src_dir, name), dst, **kwargs)
        return name, f'{frames} frames'
    except (av.error.FFmpegError, OSError) as error:
        return name, f'FAILED: {error}'


def reencode_dir(src_dir: str, dst_dir: str, ext: str = '.mp4',
                 workers: int = 2, overwrite: bool = False,
                 **kwargs) -> List[Tuple[str, str]]:
    """Re-encode every ``*ext`` of ``src_dir`` into ``dst_dir``."""
    os.makedirs(dst_dir, exist_ok=True)
    names = sorted(n for n in os.listdir(src_dir) if n.endswith(ext))
    job = partial(_job, src_dir=src_dir, dst_dir=dst_dir,
                  overwrite=overwrite, **kwargs)
    if workers > 1:
        with Pool(workers) as pool:
            return pool.map(job, names, chunksize=4)
    return [job(name) for name in names]
