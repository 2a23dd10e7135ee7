# charades_localize.py for the mini configs (mini_charades21.py geometry:
# 8 frames over 3 s, 64x64 resize).
localize_pipeline = [
    dict(type='DecordInit'),
    dict(type='TimePointClipSampler', clip_len=8, span=3.0, num_points=25),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
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
