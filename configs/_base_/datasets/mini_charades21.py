# The generated mini-Charades (tools/data/make_mini_charades.py): the same
# samplers, label rule and test protocols as charades21.py at a CPU-friendly
# size (8 frames over 3 s for training and for each of charades_video's 10
# clips, 4 stride clips of 8 frames for spec_clips, 8 frames over 3 s
# around each of charades_localize's 25 points, 64x64). No flips or
# crops: the generated patterns are tied to screen positions, and the whole
# frame is resized, so charades_video has 1 view per clip.
_base_ = './charades21.py'

data_root = 'data/mini_charades/videos'
ann_file_train = 'data/mini_charades/Charades_v1_train.csv'
ann_file_test = 'data/mini_charades/Charades_v1_test.csv'
clip_len = 8
input_size = 64
meta_keys = {{_base_.meta_keys}}

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=clip_len, span=3.0),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
video_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=clip_len, span=3.0, num_clips=10,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
spec_clips_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='StrideClipSampler', clip_len=clip_len, max_clips=4, stride=1.0),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
localize_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='TimePointClipSampler', clip_len=clip_len, span=3.0,
         num_points=25),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
# Every video gets the same 10 clips under charades_video, and generated
# videos last at least 5 s, so every one gets the 4 clips of spec_clips too:
# test batches of several videos stack under both protocols.
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root),
        pipeline=video_test_pipeline))
val_dataloader = test_dataloader
test_protocols = dict(
    charades_video=dict(test_dataloader=dict(
        batch_size=8, dataset=dict(pipeline=video_test_pipeline))),
    spec_clips=dict(test_dataloader=dict(
        batch_size=8, dataset=dict(pipeline=spec_clips_test_pipeline))),
    charades_localize=dict(test_dataloader=dict(
        batch_size=8, dataset=dict(pipeline=localize_test_pipeline))))
