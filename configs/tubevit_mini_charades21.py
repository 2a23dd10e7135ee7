# A tiny TubeViT (4 layers, 96 channels) on the generated mini-Charades,
# 21 groups, CPU. The paper's tubes are scaled to the 8x64x64 clips: a
# 4x8x8 video tube, a long 8x4x4 tube, a wide 2x12x12 tube and the 1x8x8
# image tube (130 tokens).
#   pretraining: none (from scratch)
#   batch:       1 process x 8 videos
#   clips:       train 8x(3 s dilated)x1; test (charades_video)
#                8x(3 s dilated)x10 over the whole video, max; spec_clips
#                8x1x4 (stride clips 1 s apart); 64x64 resize, no crop/flip
#   schedule:    AdamW 5e-4, 1 warm-up epoch, cosine, 32 epochs
_base_ = [
    './_base_/models/vit_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw_transformer.py',
]

model = dict(
    backbone=dict(
        type='TubeViT',
        arch=dict(embed_dims=96, num_layers=4, num_heads=3),
        num_frames={{_base_.clip_len}},
        img_size={{_base_.input_size}},
        tubes=[
            dict(kernel_size=(4, 8, 8), stride=(4, 16, 16), offset=0),
            dict(kernel_size=(8, 4, 4), stride=(8, 16, 16), offset=(0, 4, 4)),
            dict(kernel_size=(2, 12, 12), stride=(4, 16, 16),
                 offset=(0, 8, 8)),
            dict(kernel_size=(1, 8, 8), stride=(8, 8, 8), offset=0),
        ]),
    cls_head=dict(in_channels=96, dropout_ratio=0.0))
