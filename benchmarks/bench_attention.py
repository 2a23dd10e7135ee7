"""Sliding-window attention: ours vs dense SDPA vs Hugging Face Longformer.

Each method is a full self-attention layer on hidden states (B, N, H*D):
shared q/k/v projections, then the attention (Hugging Face's layer also runs
its separate global projections, part of its design). Timed: forward plus
backward of ``out.sum()`` w.r.t. the hidden states and weights; the methods
are timed in one process, interleaved (ours, HF, dense, ours, ...) so that
load from other processes hits all of them alike, and each reports the best
of ``repeats`` runs after one warm-up.

Peak memory is measured honestly per (method, N) in a fresh subprocess:
* CPU: peak resident set size during the first forward + backward minus
  the RSS just before it (inputs and weights already built): the peak
  (``VmHWM``) is reset through ``/proc/self/clear_refs`` just before the step.
  Large tensors come from ``mmap`` in glibc and go back to the OS when freed,
  so this is the real high-water mark of the step, transients included.
* CUDA: ``torch.cuda.max_memory_allocated`` minus the allocation before.
Also reported: the bytes autograd saves for backward in the attention
itself, counted with ``torch.autograd.graph.saved_tensors_hooks``.

    OMP_NUM_THREADS=2 python benchmarks/bench_attention.py [--device cuda]

Settings: B=1, H=12, D=64, window 64, one global token (position 0).
"""
import argparse
import json
import math
import statistics
import subprocess
import sys
import time

import torch

HEADS, HEAD_DIM, WINDOW = 12, 64, 64


def _status_bytes(field: str) -> int:
    """``VmRSS`` or ``VmHWM`` (peak RSS) of this process, in bytes."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f'{field} not in /proc/self/status')


def _build(method: str, length: int, device: str):
    """Returns ``step()`` running forward + backward once."""
    torch.manual_seed(0)
    width = HEADS * HEAD_DIM
    hidden = torch.randn(1, length, width, device=device, requires_grad=True)
    glob = torch.zeros(1, length, dtype=torch.bool, device=device)
    glob[0, 0] = True

    if method == 'hf':
        from transformers import LongformerConfig
        from transformers.models.longformer.modeling_longformer import \
            LongformerSelfAttention
        config = LongformerConfig(hidden_size=width,
                                  num_attention_heads=HEADS,
                                  attention_window=[WINDOW],
                                  attention_probs_dropout_prob=0.)
        layer = LongformerSelfAttention(config, 0).to(device)
        extra = -length % WINDOW
        pad = torch.zeros(1, length + extra, dtype=torch.bool, device=device)
        pad[:, length:] = True
        glob_full = torch.nn.functional.pad(glob, (0, extra))
        mask = torch.zeros(1, length + extra, device=device)
        mask[glob_full] = 10000.
        mask[pad] = -10000.

        def step():
            x = torch.nn.functional.pad(hidden, (0, 0, 0, extra))
            out = layer(x, attention_mask=mask, is_index_masked=pad,
                        is_index_global_attn=glob_full,
                        is_global_attn=True)[0]
            out[:, :length].sum().backward()

        return step

    qkv = torch.nn.Linear(width, 3 * width).to(device)

    def split(x):
        q, k, v = qkv(x).view(1, length, 3, HEADS, HEAD_DIM).permute(
            2, 0, 3, 1, 4)
        return q, k, v

    if method == 'ours':
        from mmaction_charades.models.ops import sliding_window_attention

        def step():
            q, k, v = split(hidden)
            sliding_window_attention(q, k, v, WINDOW, glob).sum().backward()

        return step

    pos = torch.arange(length, device=device)
    allowed = (pos[:, None] - pos[None, :]).abs() <= WINDOW // 2
    allowed[0, :] = True
    allowed[:, 0] = True

    def step():  # dense
        q, k, v = split(hidden)
        torch.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=allowed).sum().backward()

    return step


def _saved_bytes(length: int, device: str) -> int:
    from mmaction_charades.models.ops import sliding_window_attention
    total = 0

    def pack(t):
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    q, k, v = (torch.randn(1, HEADS, length, HEAD_DIM, device=device,
                           requires_grad=True) for _ in range(3))
    glob = torch.zeros(1, length, dtype=torch.bool, device=device)
    glob[0, 0] = True
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        sliding_window_attention(q, k, v, WINDOW, glob)
    return total


def _peak_memory(method: str, length: int, device: str) -> dict:
    """Peak memory of one forward + backward (run in a fresh process)."""
    import mmaction_charades  # noqa: F401
    step = _build(method, length, device)
    if device == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        step()
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - before
    else:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # reset VmHWM to the current RSS
        before = _status_bytes('VmRSS')
        step()
        peak = _status_bytes('VmHWM') - before
    result = dict(peak_mb=peak / 2**20)
    if method == 'ours':
        result['saved_mb'] = _saved_bytes(length, device) / 2**20
    return result


def _memory(method, length, device):
    cmd = [sys.executable, __file__, '--worker', method, str(length),
           '--device', device]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        tail = proc.stderr.strip().splitlines()[-1:] or ['?']
        return dict(error=tail[0][:60])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _times(methods, length, device, repeats) -> dict:
    """Best-of-``repeats`` fwd+bwd milliseconds, methods interleaved."""
    steps = {}
    for method in methods:
        try:
            steps[method] = _build(method, length, device)
            steps[method]()  # warm-up
        except RuntimeError as err:  # e.g. out of memory
            steps.pop(method, None)
            print(f'  {method} N={length}: {str(err)[:60]}', flush=True)
    best = {m: float('inf') for m in steps}
    for _ in range(repeats):
        for method, step in steps.items():
            if device == 'cuda':
                torch.cuda.synchronize()
            start = time.perf_counter()
            step()
            if device == 'cuda':
                torch.cuda.synchronize()
            best[method] = min(best[method], time.perf_counter() - start)
    del steps
    return {m: 1e3 * t for m, t in best.items()}


def _slope(xs, ys):
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.mean(lx), statistics.mean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum(
        (a - mx)**2 for a in lx)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--lengths', type=int, nargs='+',
                        default=[512, 1024, 2048, 4096, 8192, 16384])
    parser.add_argument('--dense-max', type=int, default=4096,
                        help='largest N for the dense N x N baseline')
    parser.add_argument('--repeats', type=int, default=None)
    parser.add_argument('--worker', nargs=2, metavar=('METHOD', 'N'))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_peak_memory(args.worker[0], int(args.worker[1]),
                                      args.device)))
        return
    import mmaction_charades  # noqa: F401

    rows = {}
    print(f'device={args.device} torch={torch.__version__} '
          f'threads={torch.get_num_threads()} B=1 H={HEADS} D={HEAD_DIM} '
          f'window={WINDOW} globals=1; fwd+bwd best-of time, peak memory')
    header = ('N', 'ours ms', 'ours MB', 'saved MB', 'HF ms', 'HF MB',
              'dense ms', 'dense MB', 'HF/ours')
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    for length in args.lengths:
        repeats = args.repeats or (5 if length <= 4096 else 2)
        methods = ['ours', 'hf'] + (['dense']
                                    if length <= args.dense_max else [])
        times = _times(methods, length, args.device, repeats)
        row = {m: _memory(m, length, args.device) for m in methods}
        row.setdefault('dense', {})
        for method, ms in times.items():
            row[method]['time_ms'] = ms
        rows[length] = row

        def cell(m, key):
            value = row[m].get(key)
            return f'{value:.1f}' if value is not None else (
                row[m].get('error', '-') if key == 'time_ms' else '-')

        ratio = (row['hf']['time_ms'] / row['ours']['time_ms']
                 if 'time_ms' in row['hf'] and 'time_ms' in row['ours']
                 else float('nan'))
        print(f"| {length} | {cell('ours', 'time_ms')} | "
              f"{cell('ours', 'peak_mb')} | {cell('ours', 'saved_mb')} | "
              f"{cell('hf', 'time_ms')} | {cell('hf', 'peak_mb')} | "
              f"{cell('dense', 'time_ms')} | {cell('dense', 'peak_mb')} | "
              f'{ratio:.2f}x |', flush=True)

    fit = [n for n in args.lengths if 2048 <= n <= 16384
           and 'peak_mb' in rows[n]['ours']]
    if len(fit) >= 2:
        for key in ('peak_mb', 'saved_mb'):
            slope = _slope(fit, [rows[n]['ours'][key] for n in fit])
            print(f'ours {key} exponent over N={fit[0]}..{fit[-1]}: '
                  f'{slope:.3f} (target <= 1.1)')
    if 4096 in rows and 'time_ms' in rows[4096]['hf']:
        print('HF / ours fwd+bwd time at N=4096: '
              f"{rows[4096]['hf']['time_ms'] / rows[4096]['ours']['time_ms']:.2f}x"
              ' (target >= 2x)')


if __name__ == '__main__':
    main()
