# mvitv2_s_charades21.py on the 157 official Charades classes.
#   pretraining: Kinetics-400 (MMAction2's converted official checkpoint)
#   batch:       1 GPU x 18 videos, 4 batches accumulated per step
#   clips:       train 16x(3 s dilated)x1, RandomResizedCrop 224 + flip;
#                test (charades_video) 16x(3 s dilated)x10 over the whole
#                video x 3 crops 224, max; spec_clips 16x1x4 (stride clips
#                1 s apart) x 1 centre crop
#   schedule:    Adam 1e-3, ExponentialLR 0.5 per epoch, 4 epochs
_base_ = [
    './_base_/models/mvitv2_s_k400_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades157.py',
    './_base_/schedules/spec_adam_4e.py',
]

model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
