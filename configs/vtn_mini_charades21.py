# A tiny VTN (MMAction2's 2D ResNet-18 frame encoder from scratch, 2-layer
# Longformer, window 4) on the generated mini-Charades, 21 groups, CPU, on
# whole videos. The paper's VTN-R50 in small; a ViT2D frame encoder from
# scratch learns this data far more slowly (benchmarks/RESULTS.md,
# "Mini-Charades recipes").
#   pretraining: none (from scratch)
#   batch:       1 process x 8 videos, padded to the longest video
#   clips:       train up to 8 frames over the whole video (2 per second);
#                test the whole video at 2 frames/s (up to 64), one pass;
#                64x64 resize, no crop or flip
#   schedule:    AdamW 1e-3, 1 warm-up epoch, cosine, 16 epochs (its 64
#                frames per batch through the ResNet make an epoch 2-3x
#                the others')
_base_ = [
    './_base_/models/vtn_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21_whole_video.py',
    './_base_/schedules/mini_adamw.py',
]

model = dict(
    backbone=dict(
        type='VTN',
        frame_backbone=dict(type='ResNet', depth=18, pretrained=None),
        frame_channels=512,
        embed_dims=64,
        num_layers=2,
        num_heads=4,
        attention_window=4,
        max_frames=64,
        drop_rate=0.0),
    cls_head=dict(in_channels=64, dropout_ratio=0.5))
optim_wrapper = dict(optimizer=dict(lr=1e-3))

max_epochs = 16
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
