# charades21.py read as whole videos, for VTN: training takes up to 16
# frames spread over each video (WholeVideoSampler: one random frame per
# segment of >= 1 s), testing one frame per second of the whole video (up
# to 288) in one pass. Videos differ in length, so batches are padded to
# the longest one (variable_length_collate); the model masks the padding.
# Protocols: charades_video takes that pass x 3 crops (max over the 3 views)
# with video-level labels; spec_clips one centre crop labelled by the
# sampled frames (VTN's one pass in place of the 4 stride clips), with the
# accuracy table.
_base_ = './charades21.py'

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
video_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='WholeVideoSampler', fps=1.0, max_frames=288),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
spec_clips_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='WholeVideoSampler', fps=1.0, max_frames=288),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=train_pipeline))
# One video per test batch: up to 3 x 288 frames.
test_dataloader = dict(
    batch_size=1,
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=video_test_pipeline))
val_dataloader = test_dataloader
test_protocols = dict(
    charades_video=dict(test_dataloader=dict(
        batch_size=1, dataset=dict(pipeline=video_test_pipeline))),
    spec_clips=dict(test_dataloader=dict(
        batch_size=1, dataset=dict(pipeline=spec_clips_test_pipeline))),
    # VTN scores a whole video at once: no per-point clips.
    charades_localize=None)
