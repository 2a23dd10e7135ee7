"""Tokens, parameters, GFLOPs and CPU forward throughput of video backbones.

Compares, at one 32x224x224 clip: TubeViT-B (539 sparse-tube tokens),
ViViT-B model 1 (joint attention) and model 2 (factorised encoder) with
2x16x16 tubelets (3136 tokens), MMAction2's MViTv2-S and Video Swin-T (first
stage tokens after their (2, 4, 4) patch embedding). Target: TubeViT-B
GFLOPs <= 0.15 x ViViT-B model 1's.

FLOPs are fvcore's ``FlopCountAnalysis`` (one multiply-add counts as one
FLOP, fvcore's convention), with a handle added for
``aten::scaled_dot_product_attention`` (``Q K^T`` and ``A V``: 2 B h Nq Nk d
multiply-adds) that fvcore does not count by itself. Throughput is one timed
forward per model (``torch.no_grad``, fp32) after fvcore's trace served as
warm-up, the models timed in turn in this one process.

    OMP_NUM_THREADS=2 python benchmarks/bench_tokens_flops.py [--no-throughput]
"""
import argparse
import time
from typing import Any, Callable, List, Tuple

import torch
from fvcore.nn import FlopCountAnalysis
from fvcore.nn.jit_handles import get_shape
from torch import nn

import mmaction_charades  # noqa: F401  (registers; import before mmaction)
from mmaction.models import MViT, SwinTransformer3D
from mmaction_charades.models.backbones import TubeViT, ViViT

T, H, W = 32, 224, 224


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Multiply-adds of scaled dot-product attention: Q K^T and A V."""
    q, k = get_shape(inputs[0]), get_shape(inputs[1])
    batch = 1
    for d in q[:-2]:
        batch *= d
    n_q, d_qk, n_k = q[-2], q[-1], k[-2]
    d_v = get_shape(inputs[2])[-1]
    return batch * n_q * n_k * (d_qk + d_v)


def build_models() -> List[Tuple[str, Callable[[], nn.Module], int]]:
    """(name, factory, tokens) per backbone, for a 32x224x224 clip."""
    tubevit_tokens = TubeViT(arch=dict(embed_dims=6, num_layers=1,
                                       num_heads=1)).count_tokens(T, H, W)
    vivit_tokens = (T // 2) * (H // 16) * (W // 16)
    stage1_tokens = (T // 2) * (H // 4) * (W // 4)
    return [
        ('TubeViT-B', lambda: TubeViT(arch='base', num_frames=T, img_size=H),
         tubevit_tokens),
        ('ViViT-B model 1 (joint)',
         lambda: ViViT(arch='base', num_frames=T, img_size=H,
                       variant='joint'), vivit_tokens),
        ('ViViT-B model 2 (FE, L_t=4)',
         lambda: ViViT(arch='base', num_frames=T, img_size=H,
                       variant='factorised_encoder'), vivit_tokens),
        ('MViTv2-S (MMAction2)',
         lambda: MViT(arch='small', temporal_size=T, spatial_size=H),
         stage1_tokens),
        ('Swin-T (MMAction2)', lambda: SwinTransformer3D(arch='tiny'),
         stage1_tokens),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--no-throughput', action='store_true',
                        help='skip the timed forwards')
    args = parser.parse_args()
    torch.manual_seed(0)
    clip = torch.randn(1, 3, T, H, W)
    rows = []
    for name, factory, tokens in build_models():
        model = factory()
        model.eval()  # (SwinTransformer3D.train() returns None)
        params = sum(p.numel() for p in model.parameters())
        flops = FlopCountAnalysis(model, (clip, ))
        flops.set_op_handle('aten::scaled_dot_product_attention',
                            sdpa_flop_jit)
        flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        gflops = flops.total() / 1e9
        seconds = float('nan')
        if not args.no_throughput:
            with torch.no_grad():
                start = time.perf_counter()
                model(clip)
                seconds = time.perf_counter() - start
        rows.append((name, tokens, params / 1e6, gflops, seconds))
        print(f'done: {name}', flush=True)
        del model, flops

    print(f'\nInput 1x3x{T}x{H}x{W}, torch {torch.__version__}, '
          f'{torch.get_num_threads()} threads\n')
    print('| Backbone | Tokens | Params (M) | GFLOPs | '
          'Forward (s) | Clips/s |')
    print('|---|---:|---:|---:|---:|---:|')
    for name, tokens, params, gflops, seconds in rows:
        print(f'| {name} | {tokens} | {params:.1f} | {gflops:.1f} | '
              f'{seconds:.2f} | {1 / seconds:.3f} |')
    ref = rows[1]
    print(f'\nTubeViT-B / ViViT-B model 1: tokens {rows[0][1] / ref[1]:.3f}, '
          f'GFLOPs {rows[0][3] / ref[3]:.3f} (target <= 0.15), '
          f'forward time {rows[0][4] / ref[4]:.3f}')
    print(f'TubeViT-B / ViViT-B model 2: GFLOPs {rows[0][3] / rows[2][3]:.3f},'
          f' forward time {rows[0][4] / rows[2][4]:.3f}')


if __name__ == '__main__':
    main()
