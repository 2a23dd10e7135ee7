# A tiny TubeViT (4 layers, 96 channels) trained from scratch on the
# generated mini-Charades, 21 groups, on CPU. The paper's tubes are scaled to
# the 8x64x64 clips: an 4x8x8 video tube, a long 8x4x4 tube, a wide 2x12x12
# tube and the 1x8x8 image tube (130 tokens).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw.py',
]

model = dict(
    type='Recognizer3D',
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
