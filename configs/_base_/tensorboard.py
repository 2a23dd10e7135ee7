# TensorBoard as well as vis_data/scalars.json (which
# tools/analysis/plot_curves.py reads). MMEngine refuses a key that two bases
# both set, so a config of your own takes this file as a second base and picks
# the visualizer by name (README, "TensorBoard"):
#   _base_ = ['./swin_t_charades21.py', './_base_/tensorboard.py']
#   visualizer = _base_.tensorboard_visualizer
# Needs the tensorboard package (`pip install tensorboard`); without it the
# Runner stops when it is built, with MMEngine's ImportError. The events go to
# WORK_DIR/<timestamp>/vis_data: `tensorboard --logdir WORK_DIR`.
tensorboard_visualizer = dict(
    type='ActionVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
        dict(type='TensorboardVisBackend'),
    ])
