# TubeViT-B (sparse video tubes, Piergiovanni et al., CVPR 2023) on
# Charades-21: the paper's four tubes on 32-frame 224x224 clips (539 tokens),
# attention pooling, then a multi-label linear head. The 16x4x4 tube needs
# >= 20 frames, hence 32-frame clips instead of the dataset base's 16.
#   pretraining: ImageNet (MMPretrain's ViT-B/16, 21k pre-trained, 1k
#                fine-tuned): tube kernels inflated, encoder copied
#                (TubeViT's image-to-video initialisation)
#   batch:       N GPUs x 18 videos (the schedule's lr is for 64 in total)
#   clips:       train 32x(3 s dilated)x1, RandomResizedCrop 224 + flip;
#                test (charades_video) 32x(3 s dilated)x10 over the whole
#                video x 3 crops 224, max; spec_clips 32x1x4 (stride clips
#                1 s apart) x 1 centre crop
#   schedule:    AdamW 1e-3 (backbone 0.1x), 2.5 warm-up epochs, cosine,
#                30 epochs
_base_ = [
    './_base_/models/vit_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21_32f.py',
    './_base_/schedules/adamw_cosine_30e.py',
]

vit_b16_in1k = (
    'https://download.openmmlab.com/mmclassification/v0/vit/finetune/'
    'vit-base-p16_in21k-pre-3rdparty_ft-64xb64_in1k-384_20210928-98e8652b.pth')
clip_len = {{_base_.clip_len}}

model = dict(
    backbone=dict(
        type='TubeViT',
        arch='base',
        num_frames=clip_len,
        img_size=224,
        drop_path_rate=0.1,
        pretrained2d=vit_b16_in1k),
    cls_head=dict(in_channels=768, dropout_ratio=0.5))

optim_wrapper = dict(
    paramwise_cfg=dict(pos_embed=dict(decay_mult=0.),
                       query=dict(decay_mult=0.)))
