# The multi-label defaults of every head in these configs, in one place:
# sigmoid scores, the max over a video's clips at test time, the pos_weight
# BCE ('auto': per-class weights from the training annotations, filled in
# by PosWeightHook) and the specification's 21 classes (the charades157
# dataset base's configs set 157). Model bases merge it into their head:
#   cls_head=dict(type='MultilabelI3DHead', **_base_.multilabel_head)
# It is read when those bases are parsed: a config changes its head through
# `model.cls_head`, not through this variable.
multilabel_head = dict(
    num_classes=21,
    average_clips='max',
    loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto'))
