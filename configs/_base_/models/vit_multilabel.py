# A Recognizer3D for the ViT family (VideoMAE, TubeViT, ViViT: the backbone
# is set by each config) with the ViT-family preprocessor and a multi-label
# linear head on the CLS token (MMAction2's TimeSformerHead, sigmoid).
_base_ = ['./vit_preprocessor.py', './multilabel_head.py']

model = dict(
    type='Recognizer3D',
    cls_head=dict(type='MultilabelTimeSformerHead', **_base_.multilabel_head))
