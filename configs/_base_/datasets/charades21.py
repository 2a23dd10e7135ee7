# Charades (official Charades_v1_480 videos and CSVs) in the 21-group label
# space of the specification (Section 3.1): train clips from the dilated
# sampler (16 frames over 3 s), labelled from the action timings.
#
# Two test protocols (README, "Test protocols"), each the test dataloader
# and evaluator it overrides; `tools/test.py CONFIG CKPT --protocol NAME`
# merges test_protocols[NAME] into the config:
# - charades_video (the default test_* and val_* below): 10 clips of the
#   training geometry evenly spread over the whole video x 3 crops, the
#   per-class max over the 30 views (the heads' average_clips='max'),
#   video-level labels, the official mAP and WAP (Charades_v1_classify.m);
# - spec_clips: the specification's 4 stride clips (16 consecutive frames,
#   one per second) x 1 centre crop with clip labels, and the top-K /
#   threshold accuracies of its Tables 4.1-4.2;
# - charades_localize: the official localisation (Charades_v1_localize.m):
#   a clip of the training geometry centred on each of 25 points
#   t_j = (j - 1) / 25 * length, ground truth at t every action with
#   start <= t <= end, per-clip scores (the head's average_clips='none'),
#   the per-frame official mAP and WAP.
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
video_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=16, span=3.0, num_clips=10,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
spec_clips_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='StrideClipSampler', clip_len=16, max_clips=4, stride=1.0),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
localize_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='TimePointClipSampler', clip_len=16, span=3.0, num_points=25),
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
# charades_video: every video gets the same 30 views (10 clips x 3 crops), so
# test batches of several videos stack.
test_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root),
        label_space=label_space,
        pipeline=video_test_pipeline,
        label_level='video',
        metainfo=dict(protocol='charades_video'),
        test_mode=True))
val_dataloader = test_dataloader

# The test loss is the pos_weight BCE of the aggregated clip scores, which
# the head computes with its loss's weights; the metric averages it. During
# validation it is logged as `val_bce`: MMEngine's log processor would
# average any key containing "loss" across epochs.
test_evaluator = [
    dict(type='CharadesMAP'),
    dict(type='MultilabelBCELoss', loss_name='test_loss'),
]
val_evaluator = [
    dict(type='CharadesMAP'),
    dict(type='MultilabelBCELoss', loss_name='val_bce'),
]

# What each protocol sets (over the split's ann_file, label_space, ...):
# the default test_dataloader and test_evaluator above are charades_video's.
test_protocols = dict(
    charades_video=dict(
        test_dataloader=dict(
            batch_size=2,
            dataset=dict(
                pipeline=video_test_pipeline,
                label_level='video',
                metainfo=dict(protocol='charades_video'))),
        test_evaluator=test_evaluator),
    spec_clips=dict(
        # One video per batch: StrideClipSampler gives fewer clips to videos
        # shorter than (max_clips - 1) * stride seconds plus one clip, and
        # clips of one batch must stack.
        test_dataloader=dict(
            batch_size=1,
            dataset=dict(
                pipeline=spec_clips_test_pipeline,
                label_level='clip',
                metainfo=dict(protocol='spec_clips'))),
        test_evaluator=[
            dict(type='CharadesMAP'),
            dict(type='TopKMultilabelAccuracy', k=(2, 3, 5)),
            dict(type='MultilabelAccuracy', threshold=0.5),
            dict(type='MultilabelBCELoss', loss_name='test_loss'),
        ]),
    # Per-point scores of 25 clips per video (the test loss needs video
    # labels, so there is none); a derived base without a clip model (VTN's
    # whole-video bases) sets charades_localize=None.
    charades_localize=dict(
        model=dict(cls_head=dict(average_clips='none')),
        test_dataloader=dict(
            batch_size=1,
            dataset=dict(
                pipeline=localize_test_pipeline,
                label_level='video',
                metainfo=dict(protocol='charades_localize'))),
        test_evaluator=[dict(type='CharadesLocalizationMAP')]))
