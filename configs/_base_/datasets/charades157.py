# charades21.py in the 157 official Charades classes: the same videos,
# samplers and evaluators. A 157-class config is its Charades-21 config with
# this base in place of charades21.py and the head's num_classes set:
#   model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
_base_ = './charades21.py'

label_space = 'charades157'
num_classes = 157

train_dataloader = dict(dataset=dict(label_space=label_space))
val_dataloader = dict(dataset=dict(label_space=label_space))
test_dataloader = val_dataloader
