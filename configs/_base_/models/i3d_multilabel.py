# MMAction2's I3D ResNet-50 model base with a multi-label head (MMAction2's
# I3DHead, sigmoid). r3d18_mini_charades21.py replaces the backbone.
_base_ = ['mmaction::_base_/models/i3d_r50.py', './multilabel_head.py']

model = dict(
    cls_head=dict(type='MultilabelI3DHead', **_base_.multilabel_head))
