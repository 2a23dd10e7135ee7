# charades21.py read as PySlowFast reads Charades: frames extracted at 24 fps
# (Charades_v1_rgb) and its frame lists (tools/data/charades/README.md,
# section 3), gaps and every-s-th-frame lists included. Its test protocol:
# 10 clips spread uniformly over the whole video x 3 spatial crops, per-class
# max over the 30 views, video-level labels; training clips keep the labels
# of the frames they cover, as PySlowFast's train split does.
_base_ = './charades21.py'

frame_root = 'data/charades/Charades_v1_rgb'
ann_file_train = 'data/charades/frame_lists/train.csv'
ann_file_val = 'data/charades/frame_lists/val.csv'
meta_keys = ('video_id', 'frame_dir', 'img_shape', 'num_clips', 'clip_len')

train_pipeline = [
    dict(type='DilatedClipSampler', clip_len=16, span=3.0),
    dict(type='ListedRawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
video_test_pipeline = [
    dict(type='DilatedClipSampler', clip_len=16, span=3.0, num_clips=10,
         test_mode=True),
    dict(type='ListedRawFrameDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
spec_clips_test_pipeline = [
    dict(type='StrideClipSampler', clip_len=16, max_clips=4, stride=1.0),
    dict(type='ListedRawFrameDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
localize_test_pipeline = [
    dict(type='TimePointClipSampler', clip_len=16, span=3.0, num_points=25),
    dict(type='ListedRawFrameDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
_frames = dict(data_prefix=dict(_delete_=True, img=frame_root), frame_fps=24.)
train_dataloader = dict(
    dataset=dict(**_frames, ann_file=ann_file_train, pipeline=train_pipeline))
# charades_video (the default), as charades21.py's, on the frames.
test_dataloader = dict(
    dataset=dict(**_frames, ann_file=ann_file_val,
                 pipeline=video_test_pipeline))
val_dataloader = test_dataloader
test_protocols = dict(
    charades_video=dict(test_dataloader=dict(
        dataset=dict(pipeline=video_test_pipeline))),
    spec_clips=dict(test_dataloader=dict(
        dataset=dict(pipeline=spec_clips_test_pipeline))),
    charades_localize=dict(test_dataloader=dict(
        dataset=dict(pipeline=localize_test_pipeline))))
