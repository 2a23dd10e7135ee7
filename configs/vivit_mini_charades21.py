# A tiny ViViT factorised encoder (model 2: 4 spatial + 2 temporal layers,
# 96 channels, 2x8x8 tubelets) on the generated mini-Charades, 21 groups,
# CPU.
#   pretraining: none (from scratch)
#   batch:       1 process x 8 videos
#   clips:       train 8x(3 s dilated)x1; test (charades_video)
#                8x(3 s dilated)x10 over the whole video, max; spec_clips
#                8x1x4 (stride clips 1 s apart); 64x64 resize, no crop/flip
#   schedule:    AdamW 5e-4, 1 warm-up epoch, cosine, 48 epochs (ViViT learns
#                slowest of the minis)
_base_ = [
    './_base_/models/vit_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw_transformer.py',
]

model = dict(
    backbone=dict(
        type='ViViT',
        arch=dict(embed_dims=96, num_layers=4, num_heads=3,
                  num_temporal_layers=2),
        variant='factorised_encoder',
        num_frames={{_base_.clip_len}},
        img_size={{_base_.input_size}},
        tubelet_size=(2, 8, 8)),
    cls_head=dict(in_channels=96, dropout_ratio=0.0))

max_epochs = 48
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
