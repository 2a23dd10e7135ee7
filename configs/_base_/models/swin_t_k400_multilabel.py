# swin_t_multilabel.py initialised from MMAction2's official Kinetics-400
# Swin-T checkpoint (fetched by MMEngine when training starts).
_base_ = './swin_t_multilabel.py'

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
            prefix='backbone.')))
