# The official localisation protocol (Charades_v1_localize.m) as overrides of
# a clip model's config (charades21.py / charades157.py geometry: 16 frames
# over 3 s, 224 centre crop): one clip centred on each of 25 time points
# t_j = (j - 1) / 25 * length, ground truth at t every action with
# start <= t <= end, per-clip head scores, per-frame official mAP and WAP.
# `charades_localize` is one dict to merge into a config (the test protocols'
# `test_protocols['charades_localize']`); the label space is the config's
# (157 classes or the 21 groups). Not for VTN's whole-video configs.
localize_pipeline = [
    dict(type='DecordInit'),
    dict(type='TimePointClipSampler', clip_len=16, span=3.0, num_points=25),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs',
         meta_keys=('video_id', 'filename', 'img_shape', 'num_clips',
                    'clip_len')),
]
charades_localize = dict(
    model=dict(cls_head=dict(average_clips='none')),
    test_dataloader=dict(
        dataset=dict(pipeline=localize_pipeline, label_level='video',
                     test_mode=True)),
    test_evaluator=[dict(type='CharadesLocalizationMAP')],
)
