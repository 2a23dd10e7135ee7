# Video Swin-T on Charades-21 with our stronger fine-tuning recipe instead of
# the specification's (see _base_/schedules/adamw_cosine_30e.py).
#   pretraining: Kinetics-400 (MMAction2's official Swin-T checkpoint)
#   batch:       N GPUs x 18 videos (the schedule's lr is for 64 in total)
#   clips:       train 16x(3 s dilated)x1, RandomResizedCrop 224 + flip;
#                test (charades_video) 16x(3 s dilated)x10 over the whole
#                video x 3 crops 224, max; spec_clips 16x1x4 (stride clips
#                1 s apart) x 1 centre crop
#   schedule:    AdamW 1e-3 (backbone 0.1x), 2.5 warm-up epochs, cosine,
#                30 epochs
_base_ = [
    './_base_/models/swin_t_k400_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21.py',
    './_base_/schedules/adamw_cosine_30e.py',
]
