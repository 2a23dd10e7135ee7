# Swin-T on Charades-21 with our stronger default recipe (AdamW, backbone at
# 0.1x lr, warm-up and cosine over 30 epochs, see
# _base_/schedules/adamw_cosine_30e.py) instead of the specification's.
_base_ = [
    './_base_/models/swin_t_k400_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
    './_base_/schedules/adamw_cosine_30e.py',
]
