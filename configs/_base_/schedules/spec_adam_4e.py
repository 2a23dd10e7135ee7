# The specification's recipe (Section 3.2): Adam, lr 1e-3, the learning rate
# halved after every epoch (ExponentialLR, gamma 0.5), batch 18 with the
# optimizer stepping every 4 batches (accumulative_counts=4), 4 epochs.
# The batch size (18) is set on `train_dataloader` by the dataset base.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3),
    accumulative_counts=4)
param_scheduler = [dict(type='ExponentialLR', gamma=0.5, by_epoch=True)]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=4, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# 1 process x 18 videos, as in the specification.
auto_scale_lr = dict(enable=False, base_batch_size=18)
