# The data preprocessor of MMAction2's model bases (ImageNet RGB mean/std,
# NCTHW clips) for the models that have no MMAction2 base: the ViT family
# (VideoMAE, TubeViT, ViViT) and VTN.
model = dict(
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
