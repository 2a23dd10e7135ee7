# A tiny ViViT factorised encoder (model 2: 4 spatial + 2 temporal layers,
# 96 channels, 2x8x8 tubelets) trained from scratch on the generated
# mini-Charades, 21 groups, on CPU.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw.py',
]

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ViViT',
        arch=dict(embed_dims=96, num_layers=4, num_heads=3,
                  num_temporal_layers=2),
        variant='factorised_encoder',
        num_frames={{_base_.clip_len}},
        img_size={{_base_.input_size}},
        tubelet_size=(2, 8, 8)),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    cls_head=dict(
        type='MultiLabelTimeSformerHead',
        in_channels=96,
        num_classes={{_base_.num_classes}},
        dropout_ratio=0.0,
        average_clips='max',
        loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto')))
