# A tiny VTN (2-layer ViT frame encoder, 2-layer Longformer, window 4) trained
# from scratch on the generated mini-Charades, 21 groups, on CPU. Training
# takes up to 8 frames spread over each video (2 per second, variable length,
# padded batches); testing looks at the whole video in one pass (2 frames per
# second, up to 64).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw.py',
]

model = dict(
    type='VTNRecognizer',
    backbone=dict(
        type='VTN',
        frame_backbone=dict(
            type='ViT2D',
            arch=dict(embed_dims=64, num_layers=2, num_heads=2),
            img_size={{_base_.input_size}},
            patch_size=16),
        frame_channels=64,
        embed_dims=64,
        num_layers=2,
        num_heads=4,
        attention_window=4,
        max_frames=64,
        drop_rate=0.0),
    cls_head=dict(
        type='MultiLabelVTNHead',
        in_channels=64,
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
    dict(type='WholeVideoSampler', fps=2.0, max_frames=8, test_mode=False),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=({{_base_.input_size}}, {{_base_.input_size}}),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='WholeVideoSampler', fps=2.0, max_frames=64),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=({{_base_.input_size}}, {{_base_.input_size}}),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
