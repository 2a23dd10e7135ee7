# ViViT-B factorised encoder (model 2, Arnab et al., ICCV 2021) on
# Charades-21: 2x16x16 tubelets on 32-frame 224x224 clips, a 12-layer
# spatial ViT-B per time index and a 4-layer temporal encoder over the 16
# frame CLS tokens, then a multi-label linear head. There is no ViViT
# checkpoint loader, so the backbone keeps the full learning rate of the
# AdamW + cosine schedule (whose base sets 0.1x for pretrained ones).
#   pretraining: none (from scratch)
#   batch:       N GPUs x 18 videos (the schedule's lr is for 64 in total)
#   clips:       train 32x(3 s dilated)x1, RandomResizedCrop 224 + flip;
#                test (charades_video) 32x(3 s dilated)x10 over the whole
#                video x 3 crops 224, max; spec_clips 32x1x4 (stride clips
#                1 s apart) x 1 centre crop
#   schedule:    AdamW 1e-3, 2.5 warm-up epochs, cosine, 30 epochs
_base_ = [
    './_base_/models/vit_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21_32f.py',
    './_base_/schedules/adamw_cosine_30e.py',
]

clip_len = {{_base_.clip_len}}

model = dict(
    backbone=dict(
        type='ViViT',
        arch=dict(embed_dims=768, num_layers=12, num_heads=12,
                  feedforward_channels=3072, num_temporal_layers=4),
        variant='factorised_encoder',
        num_frames=clip_len,
        img_size=224,
        tubelet_size=(2, 16, 16),
        drop_path_rate=0.1),
    cls_head=dict(in_channels=768, dropout_ratio=0.5))

optim_wrapper = dict(
    paramwise_cfg=dict(backbone=dict(lr_mult=1.0),
                       pos_embed=dict(decay_mult=0.),
                       cls_token=dict(decay_mult=0.)))
