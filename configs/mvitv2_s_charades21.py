# MViTv2-S (MMAction2's MViT) initialised from the official Kinetics-400
# checkpoint and fine-tuned on Charades-21 with the specification's recipe.
_base_ = [
    'mmaction::_base_/models/mvit_small.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
    './_base_/schedules/spec_adam_4e.py',
]

k400_checkpoint = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/mvit/'
    'converted/mvit-small-p244_16x4x1_kinetics400-rgb_20221021-9ebaaeed.pth')

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=k400_checkpoint,
            prefix='backbone.')),
    cls_head=dict(
        type='MultiLabelMViTHead',
        num_classes={{_base_.num_classes}},
        label_smooth_eps=0.0,
        average_clips='max',
        loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto')))
