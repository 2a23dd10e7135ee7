# MViTv2-S (MMAction2's MViT) initialised from the official Kinetics-400
# checkpoint and fine-tuned on Charades-21 with the specification's recipe.
_base_ = [
    './_base_/models/mvitv2_s_k400_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
    './_base_/schedules/spec_adam_4e.py',
]
