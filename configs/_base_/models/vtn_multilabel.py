# A VTNRecognizer (whole-video inference, variable-length padded batches;
# the VTN backbone is set by each config) with the ViT-family preprocessor
# and VTN's multi-label MLP head.
_base_ = ['./vit_preprocessor.py', './multilabel_head.py']

model = dict(
    type='VTNRecognizer',
    cls_head=dict(type='MultilabelVTNHead', **_base_.multilabel_head))
