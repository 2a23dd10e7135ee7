# videomae_b_charades21.py with batch Mixup/CutMix. MMAction2's blending keeps
# multi-hot targets multi-hot (lam * y_a + (1 - lam) * y_b, soft targets for
# the BCE loss). For stability (a diverging CutMix fine-tune is reported in
# the VideoMAE seed document) the blending is applied to half of the batches,
# with a longer warm-up and gradient clipping from the base config.
#   pretraining: VideoMAE on Kinetics-400, then fine-tuned on it (MMAction2's
#                official checkpoint)
#   batch:       8 GPUs x 8 videos, Mixup (alpha 0.8) on 25% and CutMix
#                (alpha 1.0) on 25% of the batches
#   clips:       train 16x(3 s dilated)x1, RandomResizedCrop 224 + flip;
#                test (charades_video) 16x(3 s dilated)x10 over the whole
#                video x 3 crops 224, max; spec_clips 16x1x4 (stride clips
#                1 s apart) x 1 centre crop
#   schedule:    AdamW 5e-4, layer decay 0.75, 5 warm-up epochs, cosine,
#                30 epochs
_base_ = './videomae_b_charades21.py'

model = dict(
    data_preprocessor=dict(
        blending=dict(
            type='RandomBatchAugment',
            augments=[
                dict(type='MixupBlending', alpha=0.8,
                     num_classes={{_base_.num_classes}}),
                dict(type='CutmixBlending', alpha=1.0,
                     num_classes={{_base_.num_classes}}),
            ],
            probs=[0.25, 0.25])))
