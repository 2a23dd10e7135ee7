# Video Transformer Network (Neimark et al., ICCVW 2021) on Charades-21: a
# ResNet-50 per frame, a 3-layer Longformer (12 heads, hidden 768, window
# 18, CLS with global attention, positions up to 288 frames) and the MLP
# head, on whole videos.
#   pretraining: ImageNet (torchvision's ResNet-50)
#   batch:       1 GPU x 4 videos, 4 batches accumulated per step, padded
#                to the longest video
#   clips:       train up to 16 frames over the whole video (1 random frame
#                per segment of >= 1 s), RandomResizedCrop 224 + flip;
#                test the whole video at 1 frame/s (up to 288), one pass,
#                x 3 crops 224 (charades_video, max) or 1 centre crop
#                (spec_clips)
#   schedule:    Adam 1e-3, ExponentialLR 0.5 per epoch, 4 epochs
_base_ = [
    './_base_/models/vtn_multilabel.py',
    './_base_/default_runtime.py',
    './_base_/datasets/charades21_whole_video.py',
    './_base_/schedules/spec_adam_4e.py',
]

model = dict(
    backbone=dict(
        type='VTN',
        frame_backbone=dict(
            type='ResNet', depth=50, pretrained='torchvision://resnet50',
            norm_eval=False),
        frame_channels=2048,
        embed_dims=768,
        num_layers=3,
        num_heads=12,
        attention_window=18,
        max_frames=288),
    cls_head=dict(in_channels=768, dropout_ratio=0.5))

train_dataloader = dict(batch_size=4)
auto_scale_lr = dict(enable=False, base_batch_size=4)
