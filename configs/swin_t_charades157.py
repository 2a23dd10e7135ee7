# Swin-T on the 157 official Charades classes: swin_t_charades21.py with the
# official label space.
_base_ = './swin_t_charades21.py'

label_space = 'charades157'
num_classes = 157
train_dataloader = dict(dataset=dict(label_space=label_space))
val_dataloader = dict(dataset=dict(label_space=label_space))
test_dataloader = val_dataloader
model = dict(cls_head=dict(num_classes=num_classes))
