# Video Swin-T (MMAction2's SwinTransformer3D) initialised from the official
# Kinetics-400 checkpoint and fine-tuned on Charades-21 with the
# specification's recipe (Adam 1e-3, ExponentialLR 0.5, batch 18 x 4 steps
# accumulated, 4 epochs, pos_weight BCE). Test: 4 stride clips, max of
# per-clip sigmoid scores.
_base_ = [
    'mmaction::_base_/models/swin_tiny.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
    './_base_/schedules/spec_adam_4e.py',
]

k400_checkpoint = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/swin/'
    'swin-tiny-p244-w877_in1k-pre_8xb8-amp-32x2x1-30e_kinetics400-rgb/'
    'swin-tiny-p244-w877_in1k-pre_8xb8-amp-32x2x1-30e_kinetics400-rgb_'
    '20220930-241016b2.pth')

model = dict(
    backbone=dict(
        pretrained2d=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=k400_checkpoint,
            prefix='backbone.')),
    cls_head=dict(
        type='MultiLabelI3DHead',
        num_classes={{_base_.num_classes}},
        average_clips='max',
        loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto')))
