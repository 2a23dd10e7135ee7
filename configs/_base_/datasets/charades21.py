# Charades (official Charades_v1_480 videos and CSVs) in the 21-group label
# space of the specification (Section 3.1): train clips from the dilated
# sampler (16 frames over 3 s), test clips from the stride sampler (4 clips of
# 16 consecutive frames, one per second), labelled from the action timings.
dataset_type = 'CharadesDataset'
data_root = 'data/charades/Charades_v1_480'
ann_file_train = 'data/charades/Charades_v1_train.csv'
ann_file_val = 'data/charades/Charades_v1_test.csv'
ann_file_test = 'data/charades/Charades_v1_test.csv'
label_space = 'charades21'
num_classes = 21
meta_keys = ('video_id', 'filename', 'img_shape', 'num_clips', 'clip_len')

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=16, span=3.0),
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
    dict(type='StrideClipSampler', clip_len=16, max_clips=4, stride=1.0),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=18,
    num_workers=4,
    persistent_workers=True,
    # DefaultSampler whose indices carry (seed, epoch): each sample's random
    # choices are a function of (seed, epoch, index), whatever the workers.
    sampler=dict(type='SeededSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        label_space=label_space,
        pipeline=train_pipeline))
# One video per test batch: StrideClipSampler gives fewer clips to videos
# shorter than (max_clips - 1) * stride seconds plus one clip, and clips of
# one batch must stack.
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        label_space=label_space,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

# The test loss is the pos_weight BCE of the aggregated clip scores, which
# the head computes with its loss's weights; the metric averages it. During
# validation it is logged as `val_bce`: MMEngine's log processor would
# average any key containing "loss" across epochs.
test_evaluator = [
    dict(type='CharadesMAP'),
    dict(type='TopKMultilabelAccuracy', k=(2, 3, 5)),
    dict(type='MultilabelAccuracy', threshold=0.5),
    dict(type='MultilabelBCELoss', loss_name='test_loss'),
]
val_evaluator = [
    *test_evaluator[:3],
    dict(type='MultilabelBCELoss', loss_name='val_bce'),
]
