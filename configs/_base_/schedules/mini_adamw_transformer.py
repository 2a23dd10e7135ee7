# The CPU schedule of the generated mini-Charades for transformers trained
# from scratch: mini_adamw.py at a quarter of its learning rate, a third
# longer. At 2e-3 with batch 8 the mini Swin's training loss stays at the
# class prior (val mAP 0.10 after 48 epochs) and ViViT reaches 0.43 in 48
# epochs; at 5e-4 they learn (benchmarks/RESULTS.md, "Mini-Charades
# recipes").
_base_ = './mini_adamw.py'

max_epochs = 32
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=8)
