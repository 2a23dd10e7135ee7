# charades21.py with 32-frame clips (dilated over 3 s for training and for
# the 10 x 3 views of charades_video, 4 stride clips of 32 consecutive frames
# for spec_clips), for the tube-tokenised transformers whose temporal
# kernels need more than 16 frames.
_base_ = './charades21.py'

clip_len = 32
meta_keys = {{_base_.meta_keys}}

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=clip_len, span=3.0),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
video_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=clip_len, span=3.0, num_clips=10,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
spec_clips_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='StrideClipSampler', clip_len=clip_len, max_clips=4, stride=1.0),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
localize_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='TimePointClipSampler', clip_len=clip_len, span=3.0,
         num_points=25),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=video_test_pipeline))
val_dataloader = test_dataloader
test_protocols = dict(
    charades_video=dict(test_dataloader=test_dataloader),
    spec_clips=dict(test_dataloader=dict(
        dataset=dict(pipeline=spec_clips_test_pipeline))),
    charades_localize=dict(test_dataloader=dict(
        dataset=dict(pipeline=localize_test_pipeline))))
