# Our stronger default for fine-tuning K400-pretrained video transformers on
# Charades: AdamW with decoupled weight decay (none on norms, position and
# relative-position tables), the pretrained backbone at 0.1x the head's
# learning rate, 2.5 warm-up epochs then cosine decay over 30 epochs.
# Models whose configs support layer-wise decay (ViT / MViT) replace the
# constructor with MMAction2's LearningRateDecayOptimizerConstructor.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999),
                   weight_decay=0.05),
    constructor='SwinOptimWrapperConstructor',
    paramwise_cfg=dict(
        absolute_pos_embed=dict(decay_mult=0.),
        relative_position_bias_table=dict(decay_mult=0.),
        norm=dict(decay_mult=0.),
        backbone=dict(lr_mult=0.1)),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2.5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=30, eta_min=0, by_epoch=True,
         begin=0, end=30),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=3)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# 8 GPUs x 8 videos.
auto_scale_lr = dict(enable=False, base_batch_size=64)
