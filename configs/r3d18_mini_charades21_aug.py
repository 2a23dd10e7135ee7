# The demo model (r3d18_mini_charades21.py) with the spatial augmentation of
# the full-size recipes (charades21.py: RandomResizedCrop + flip), the crop
# kept to 40-100% of the frame (MMAction2's default 8% often cuts out the
# small patterns a clip's label names): for generated data whose patterns
# are placed at random (make_mini_charades.py --placement random).
#   pretraining: none (from scratch)
#   batch:       1 process x 8 videos
#   clips:       train 8x(3 s dilated)x1, RandomResizedCrop (area
#                0.4-1) to 64x64 + flip;
#                test (charades_video) 8x(3 s dilated)x10 over the whole
#                video, max; spec_clips 8x1x4 (stride clips 1 s apart);
#                64x64 resize
#   schedule:    AdamW 2e-3, 1 warm-up epoch, cosine, 24 epochs
_base_ = './r3d18_mini_charades21.py'

clip_len = 8
input_size = 64
meta_keys = {{_base_.meta_keys}}

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='DilatedClipSampler', clip_len=clip_len, span=3.0),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.4, 1.0)),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
