# Video Swin-T (MMAction2's SwinTransformer3D) initialised from the official
# Kinetics-400 checkpoint and fine-tuned on Charades-21 with the
# specification's recipe (Adam 1e-3, ExponentialLR 0.5, batch 18 x 4 steps
# accumulated, 4 epochs, pos_weight BCE). Test: 4 stride clips, max of
# per-clip sigmoid scores.
_base_ = [
    './_base_/models/swin_t_k400_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
    './_base_/schedules/spec_adam_4e.py',
]
