# videomae_b_charades21.py with batch Mixup/CutMix. MMAction2's blending keeps
# multi-hot targets multi-hot (lam * y_a + (1 - lam) * y_b, soft targets for
# the BCE loss). For stability (a diverging CutMix fine-tune is reported in
# the VideoMAE seed document) the blending is applied to half of the batches,
# with a longer warm-up and gradient clipping from the base config.
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
