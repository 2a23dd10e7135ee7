# Video Transformer Network (Neimark et al., ICCVW 2021) on Charades-21: an
# ImageNet ResNet-50 per frame, a 3-layer Longformer (12 heads, hidden 768,
# window 18, CLS with global attention, positions up to 288 frames) and the
# MLP head. Training: up to 16 frames spread over the whole video (one random
# frame per segment of >= 1 s), batches padded to the longest video. Test:
# whole-video inference, one frame per second (up to 288) in one pass.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
    './_base_/schedules/spec_adam_4e.py',
]

model = dict(
    type='VTNRecognizer',
    backbone=dict(
        type='VTN',
        frame_backbone=dict(
            type='ResNet', depth=50, pretrained='torchvision://resnet50',
            norm_eval=False),
        frame_channels=2048,
        embed_dims=768,
        num_layers=3,
        num_heads=12,
        attention_window=18,
        max_frames=288),
    cls_head=dict(
        type='MultiLabelVTNHead',
        in_channels=768,
        num_classes={{_base_.num_classes}},
        dropout_ratio=0.5,
        average_clips='max',
        loss_cls=dict(type='PosWeightBCELoss', pos_weight='auto')),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

meta_keys = {{_base_.meta_keys}}
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='WholeVideoSampler', fps=1.0, max_frames=16, test_mode=False),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='WholeVideoSampler', fps=1.0, max_frames=288),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=4,
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
auto_scale_lr = dict(enable=False, base_batch_size=4)
