# TubeViT-B (sparse video tubes, Piergiovanni et al., CVPR 2023) on
# Charades-21: the paper's four tubes on 32-frame 224x224 clips (539 tokens),
# tube kernels inflated from MMPretrain's ImageNet ViT-B/16 and its encoder
# copied (TubeViT's image-to-video initialisation), attention pooling, then a
# multi-label linear head. AdamW + cosine (our fine-tuning default); the
# 16x4x4 tube needs >= 20 frames, hence 32-frame clips instead of the
# dataset base's 16.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/charades21_32f.py',
    './_base_/schedules/adamw_cosine_30e.py',
]

vit_b16_in1k = (
    'https://download.openmmlab.com/mmclassification/v0/vit/finetune/'
    'vit-base-p16_in21k-pre-3rdparty_ft-64xb64_in1k-384_20210928-98e8652b.pth')
clip_len = {{_base_.clip_len}}

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='TubeViT',
        arch='base',
        num_frames=clip_len,
        img_size=224,
        drop_path_rate=0.1,
        pretrained2d=vit_b16_in1k),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    cls_head=dict(
        type='MultiLabelTimeSformerHead',
        in_channels=768,
        num_classes={{_base_.num_classes}},
        dropout_ratio=0.5,
        average_clips='max',
        loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto')))

optim_wrapper = dict(
    paramwise_cfg=dict(pos_embed=dict(decay_mult=0.),
                       query=dict(decay_mult=0.)))
