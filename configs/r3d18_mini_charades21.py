# The demo model: a slim 3D ResNet-18 (MMAction2's ResNet3d, 16 base
# channels, 2.1M parameters) on the generated mini-Charades, 21 groups, CPU.
# The fastest of the minis to learn this data (0.87 val mAP in about 3
# minutes; the transformers' recipes are in benchmarks/RESULTS.md).
#   pretraining: none (from scratch)
#   batch:       1 process x 8 videos
#   clips:       train 8x(3 s dilated)x1; test (charades_video)
#                8x(3 s dilated)x10 over the whole video, max; spec_clips
#                8x1x4 (stride clips 1 s apart); 64x64 resize, no crop/flip
#   schedule:    AdamW 2e-3, 1 warm-up epoch, cosine, 24 epochs
_base_ = [
    './_base_/models/i3d_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet3d',
        depth=18,
        base_channels=16,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 1, 2, 2),
        norm_eval=False),
    cls_head=dict(in_channels=128, dropout_ratio=0.2))
