# A tiny Video Swin (MMAction2's SwinTransformer3D, 1.5M parameters) trained
# from scratch on the generated mini-Charades, 21 groups, on CPU: the demo.
_base_ = [
    'mmaction::_base_/models/swin_tiny.py',
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw.py',
]

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True, embed_dims=32, depths=[1, 1, 2, 1],
            num_heads=[1, 2, 4, 8]),
        pretrained2d=False,
        window_size=(4, 4, 4),
        drop_path_rate=0.0),
    cls_head=dict(
        type='MultiLabelI3DHead',
        in_channels=256,
        num_classes={{_base_.num_classes}},
        dropout_ratio=0.0,
        average_clips='max',
        loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto')))
