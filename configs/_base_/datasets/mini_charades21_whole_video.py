# mini_charades21.py read as whole videos, for the mini VTN: training takes
# up to 8 frames spread over each video (2 per second), testing 2 frames per
# second of the whole video (up to 64) in one pass; batches are padded to
# the longest video (variable_length_collate). Both protocols take that one
# view: charades_video with video-level labels, spec_clips labelled by the
# sampled frames.
_base_ = './mini_charades21.py'

meta_keys = {{_base_.meta_keys}}
input_size = {{_base_.input_size}}

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='WholeVideoSampler', fps=2.0, max_frames=8, test_mode=False),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
video_test_pipeline = [
    dict(type='DecordInit'),
    dict(type='WholeVideoSampler', fps=2.0, max_frames=64),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
spec_clips_test_pipeline = video_test_pipeline
train_dataloader = dict(
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(
    collate_fn=dict(type='variable_length_collate', mode='padding'),
    dataset=dict(pipeline=video_test_pipeline))
val_dataloader = test_dataloader
test_protocols = dict(
    charades_video=dict(test_dataloader=dict(
        dataset=dict(pipeline=video_test_pipeline))),
    spec_clips=dict(test_dataloader=dict(
        dataset=dict(pipeline=spec_clips_test_pipeline))),
    # VTN scores a whole video at once: no per-point clips.
    charades_localize=None)
