# A tiny Video Swin (MMAction2's SwinTransformer3D, 1.5M parameters) on the
# generated mini-Charades, 21 groups, CPU.
#   pretraining: none (from scratch)
#   batch:       1 process x 8 videos
#   clips:       train 8x(3 s dilated)x1; test (charades_video)
#                8x(3 s dilated)x10 over the whole video, max; spec_clips
#                8x1x4 (stride clips 1 s apart); 64x64 resize, no crop/flip
#   schedule:    AdamW 5e-4, 1 warm-up epoch, cosine, 32 epochs
_base_ = [
    './_base_/models/swin_t_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/mini_charades21.py',
    './_base_/schedules/mini_adamw_transformer.py',
]

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True, embed_dims=32, depths=[1, 1, 2, 1],
            num_heads=[1, 2, 4, 8]),
        pretrained2d=False,
        window_size=(4, 4, 4),
        drop_path_rate=0.0),
    cls_head=dict(in_channels=256, dropout_ratio=0.0))
