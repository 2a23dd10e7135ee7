# MMAction2's MViTv2-S model base initialised from its official Kinetics-400
# checkpoint (fetched by MMEngine when training starts), with a multi-label
# head (MMAction2's MViTHead, sigmoid, no label smoothing).
_base_ = ['mmaction::_base_/models/mvit_small.py', './multilabel_head.py']

k400_checkpoint = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/mvit/'
    'converted/mvit-small-p244_16x4x1_kinetics400-rgb_20221021-9ebaaeed.pth')

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=k400_checkpoint,
            prefix='backbone.')),
    cls_head=dict(
        type='MultilabelMViTHead', label_smooth_eps=0.0,
        **_base_.multilabel_head))
