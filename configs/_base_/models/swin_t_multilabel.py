# MMAction2's Video Swin-T model base with a multi-label head (MMAction2's
# I3DHead, sigmoid): a 768-channel Swin-T from scratch. The backbone's
# sizes are overridden by the mini configs.
_base_ = ['mmaction::_base_/models/swin_tiny.py', './multilabel_head.py']

model = dict(
    cls_head=dict(type='MultilabelI3DHead', **_base_.multilabel_head))
