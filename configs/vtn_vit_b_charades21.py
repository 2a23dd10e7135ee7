# VTN with a ViT-B/16 frame encoder (its parameter names match ViT2D,
# loaded by URL at init_weights): the ViT's CLS token (768) feeds the
# Longformer directly. Same data and schedule as vtn_r50_charades21.py; the
# ViT weights expect inputs scaled to [-1, 1].
#   pretraining: ImageNet-21k, fine-tuned on ImageNet-1k (timm's ViT-B/16)
#   batch:       1 GPU x 4 videos, 4 batches accumulated per step, padded
#                to the longest video
#   clips:       train up to 16 frames over the whole video (1 random frame
#                per segment of >= 1 s), RandomResizedCrop 224 + flip;
#                test the whole video at 1 frame/s (up to 288), one pass,
#                x 3 crops 224 (charades_video, max) or 1 centre crop
#                (spec_clips)
#   schedule:    Adam 1e-3, ExponentialLR 0.5 per epoch, 4 epochs
_base_ = './vtn_r50_charades21.py'

vit_b16_checkpoint = (
    'https://github.com/rwightman/pytorch-image-models/releases/download/'
    'v0.1-vitjx/jx_vit_base_p16_224-80ecf9dd.pth')

model = dict(
    backbone=dict(
        frame_backbone=dict(
            _delete_=True,
            type='ViT2D',
            arch='base',
            img_size=224,
            patch_size=16,
            drop_path_rate=0.1,
            init_cfg=dict(type='Pretrained', checkpoint=vit_b16_checkpoint)),
        frame_channels=768),
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5],
                           std=[127.5, 127.5, 127.5]))
