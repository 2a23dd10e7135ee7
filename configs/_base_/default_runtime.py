# Runtime shared by every mmaction-charades config: MMAction2's own defaults
# plus the plugin import, multi-label hooks and a CPU/GPU data-parallel wrapper.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['mmaction_charades'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, ignore_last=False),
    # CheckpointHook with atomic saves, removal of old checkpoints after the
    # new one is written, a work-dir lock and a `--resume auto` that skips
    # truncated checkpoints.
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=1, save_best='mAP',
        rule='greater', max_keep_ckpts=2))

custom_hooks = [
    # Fills PosWeightBCELoss(pos_weight='auto') from the training annotations.
    dict(type='PosWeightHook'),
    # Running top-K accuracy and mAP over recent training batches.
    dict(type='TrainMultilabelMetricsHook', interval=10),
    # Seeds the training process's RNGs from (seed, epoch) before each epoch
    # and gives SeededSampler the resumed seed, so `--resume` is exact.
    dict(type='RNGStateHook'),
    # Logs how many training samples replaced an undecodable video.
    dict(type='SkippedVideosHook'),
    # Refuses checkpoints that do not fit the model (tools/test.py
    # --partial-load allows it) and resumes with a changed optimizer.
    dict(type='CheckpointCompatHook'),
    # After testing (our tools/test.py or MMAction2's): logs the table of
    # Tables 4.1-4.2, test_loss and mAP, and writes WORK_DIR/results.json and
    # results.md.
    dict(type='ResultsReportHook'),
]

# Torch DDP refuses `device_ids` for CPU modules; this wrapper drops them on
# CPU (gloo) and behaves as MMDistributedDataParallel on GPU.
model_wrapper_cfg = dict(
    type='DeviceAwareDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)

# MMAction2's LogProcessor (window_size=20) plus `epoch_loss`, the mean of the
# epoch's iteration losses so far: on an epoch's last line (ignore_last=False
# above) the epoch's mean loss, which tools/analysis/plot_curves.py draws.
log_processor = dict(custom_cfg=[
    dict(data_src='loss', log_name='epoch_loss', method_name='mean',
         window_size='epoch')
])

visualizer = dict(
    type='ActionVisualizer', vis_backends=[dict(type='LocalVisBackend')])
