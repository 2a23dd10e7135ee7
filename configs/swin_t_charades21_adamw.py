# Swin-T on Charades-21 with our stronger default recipe (AdamW, backbone at
# 0.1x lr, warm-up and cosine over 30 epochs, see
# _base_/schedules/adamw_cosine_30e.py) instead of the specification's.
_base_ = [
    './swin_t_charades21.py',
    './_base_/schedules/adamw_cosine_30e.py',
]
