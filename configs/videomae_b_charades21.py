# ViT-B/16 (MMAction2's VisionTransformer) on Charades-21, fine-tuned with
# AdamW and layer-wise learning-rate decay (MMAction2's
# LearningRateDecayOptimizerConstructor). See videomae_b_charades21_mixcut.py
# for Mixup/CutMix.
#   pretraining: VideoMAE on Kinetics-400, then fine-tuned on it (MMAction2's
#                official checkpoint)
#   batch:       8 GPUs x 8 videos
#   clips:       train 16x(3 s dilated)x1, RandomResizedCrop 224 + flip;
#                test (charades_video) 16x(3 s dilated)x10 over the whole
#                video x 3 crops 224, max; spec_clips 16x1x4 (stride clips
#                1 s apart) x 1 centre crop
#   schedule:    AdamW 5e-4, layer decay 0.75, 5 warm-up epochs, cosine,
#                30 epochs
_base_ = [
    './_base_/models/vit_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
]

k400_checkpoint = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/videomae/'
    'vit-base-p16_videomae-k400-pre_16x4x1_kinetics-400_20221013-860a3cd3.pth')

model = dict(
    backbone=dict(
        type='VisionTransformer',
        img_size=224,
        patch_size=16,
        embed_dims=768,
        depth=12,
        num_heads=12,
        mlp_ratio=4,
        qkv_bias=True,
        num_frames=16,
        drop_path_rate=0.1,
        norm_cfg=dict(type='LN', eps=1e-6),
        init_cfg=dict(
            type='Pretrained', checkpoint=k400_checkpoint,
            prefix='backbone.')),
    cls_head=dict(in_channels=768))

max_epochs = 30
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999),
                   weight_decay=0.05),
    constructor='LearningRateDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.75, decay_type='layer_wise',
                       num_layers=12),
    clip_grad=dict(max_norm=5, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-6,
         by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=3)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=64)
train_dataloader = dict(batch_size=8)
