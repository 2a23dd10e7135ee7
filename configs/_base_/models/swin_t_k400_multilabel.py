# MMAction2's Video Swin-T initialised from its official Kinetics-400
# checkpoint (fetched by MMEngine when training starts), with a multi-label
# head: sigmoid scores, max over test clips, pos_weight BCE.
_base_ = 'mmaction::_base_/models/swin_tiny.py'

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
        num_classes=21,
        average_clips='max',
        loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto')))
