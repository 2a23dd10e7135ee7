"""Per-epoch curves from MMEngine scalars.json, and the PNG charts."""
import json

import matplotlib.image as mpimg
import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmaction_charades.utils.curves import (epoch_curves, find_scalars_file,
                                            load_scalars,
                                            per_class_ap_from_results,
                                            plot_per_class_ap, plot_work_dir)

# 3 epochs of 5 iterations, LoggerHook(interval=2, ignore_last=False): lines
# at iterations 2, 4, 5 | 7, 9, 10 | 12, 14, 15, each weighing the 2, 2, 1
# iterations it covers.
TRAIN_LOSSES = [1.0, 0.8, 0.5, 0.6, 0.4, 0.9, 0.3, 0.2, 0.1]
TRAIN_ITERS = [2, 4, 5, 7, 9, 10, 12, 14, 15]
EXPECTED_TRAIN_LOSS = {
    1: (2 * 1.0 + 2 * 0.8 + 0.5) / 5,  # 0.82
    2: (2 * 0.6 + 2 * 0.4 + 0.9) / 5,  # 0.58
    3: (2 * 0.3 + 2 * 0.2 + 0.1) / 5,  # 0.22
}


def write_scalars(path, prefix=''):
    path.parent.mkdir(parents=True)
    lines = []
    for i, (it, loss) in enumerate(zip(TRAIN_ITERS, TRAIN_LOSSES)):
        lines.append({f'{prefix}lr': 1e-3, f'{prefix}loss': loss,
                      f'{prefix}loss_cls': loss, f'{prefix}time': 0.1,
                      'epoch': i // 3 + 1, 'iter': it, 'step': it})
        if i % 3 == 2:  # validation after each epoch, step = epoch
            epoch = i // 3 + 1
            lines.append({'charades/mAP': 0.2 * epoch, 'test_loss': 1 / epoch,
                          'data_time': 0.01, 'time': 0.2, 'step': epoch})
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))


def test_epoch_aggregation_by_hand(tmp_path):
    scalars = tmp_path / '20250101_000000/vis_data/scalars.json'
    write_scalars(scalars)
    curves = epoch_curves(load_scalars(scalars))
    assert list(curves.train_loss) == [1, 2, 3]
    np.testing.assert_allclose(list(curves.train_loss.values()),
                               list(EXPECTED_TRAIN_LOSS.values()))
    np.testing.assert_allclose(list(curves.val_map.values()), [0.2, 0.4, 0.6])
    np.testing.assert_allclose(list(curves.val_loss.values()),
                               [1, 1 / 2, 1 / 3])
    assert curves.train_map == {}


def test_hierarchical_keys_and_newest_run(tmp_path):
    old = tmp_path / '20240101_000000/vis_data/scalars.json'
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({'loss': 9.0, 'epoch': 1, 'iter': 1}) + '\n')
    new = tmp_path / '20250101_000000/vis_data/scalars.json'
    write_scalars(new, prefix='train/')
    (tmp_path / '20260101_000000/vis_data').mkdir(parents=True)  # test run
    assert find_scalars_file(tmp_path) == new
    assert find_scalars_file(tmp_path, run='20240101_000000') == old
    curves = epoch_curves(load_scalars(new))
    np.testing.assert_allclose(list(curves.train_loss.values()),
                               list(EXPECTED_TRAIN_LOSS.values()))


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, labels, mode='tensor'):
        out = self.linear(inputs).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - labels)**2).mean())
        return [dict(pred=o, label=y) for o, y in zip(out, labels)]


class ToyMAP(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results.extend(float(s['pred']) for s in data_samples)

    def compute_metrics(self, results):
        return {'mAP': sum(results) / len(results)}


class RecordLosses(Hook):

    def __init__(self):
        self.losses = {}

    def after_train_iter(self, runner, batch_idx, data_batch, outputs):
        self.losses.setdefault(runner.epoch + 1, []).append(
            float(outputs['loss'].detach()))


def test_real_mmengine_log(tmp_path):
    """With interval = window = 1 the epoch means are exact."""
    dataset = [dict(inputs=torch.randn(2), labels=torch.randn(())) for _ in
               range(6)]
    loader = dict(dataset=dataset, batch_size=2, num_workers=0,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=dict(type='default_collate'))
    recorder = RecordLosses()
    runner = Runner(
        model=ToyModel(), work_dir=str(tmp_path), train_dataloader=loader,
        val_dataloader=loader, val_evaluator=[ToyMAP()],
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05)),
        train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1),
        val_cfg=dict(), custom_hooks=[recorder],
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=None),
        log_processor=dict(window_size=1), default_scope=None,
        experiment_name='toy_curves')
    runner.train()
    curves = epoch_curves(load_scalars(find_scalars_file(tmp_path)))
    expected = {e: np.mean(v) for e, v in recorder.losses.items()}
    assert list(curves.train_loss) == [1, 2, 3]
    np.testing.assert_allclose(list(curves.train_loss.values()),
                               list(expected.values()), rtol=1e-4)
    assert list(curves.val_map) == [1, 2, 3]


def read_png(path):
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    return image


def test_plot_work_dir(tmp_path):
    write_scalars(tmp_path / '20250101_000000/vis_data/scalars.json')
    class_ap = {'Holding a phone/camera': 0.9, 'Opening a door': 0.4,
                'Sitting on sofa/couch': None}
    results = {'mAP': 0.65, 'test_loss': 0.3, 'top2_exact_match': 0.1}
    results.update({f'AP/{k}': v for k, v in class_ap.items()})
    (tmp_path / 'results.json').write_text(json.dumps(results))
    written = plot_work_dir(tmp_path, out_dir=tmp_path / 'plots')
    assert set(written) == {'loss_curve.png', 'map_curve.png',
                            'per_class_ap.png'}
    for name, path in written.items():
        assert path == tmp_path / 'plots' / name
        image = read_png(path)
        assert image.shape[:2] == (400, 600) or name == 'per_class_ap.png'
    # one 0.2-inch row per scored class on top of 1.5 inches, at 100 dpi
    assert read_png(written['per_class_ap.png']).shape[:2] == (190, 800)


def test_per_class_ap_sources():
    nested = {'metrics': {'charades/AP/Holding a phone/camera': 0.5,
                          'charades/mAP': 0.5}}
    assert per_class_ap_from_results(nested) == {
        'Holding a phone/camera': 0.5}
    as_dict = {'mAP': 0.3, 'per_class_AP': {'a': 0.1, 'b': float('nan')}}
    assert per_class_ap_from_results(as_dict) == {'a': 0.1, 'b': None}
    with pytest.raises(ValueError, match=r"AP/a: expected a number or null, "
                       r"got 'high'"):
        per_class_ap_from_results({'AP/a': 'high'})


def test_plot_per_class_ap_from_dict(tmp_path):
    out = plot_per_class_ap({f'class {i}': i / 20 for i in range(21)},
                            tmp_path / 'ap.png')
    assert read_png(out).shape[:2] == (570, 800)


def test_input_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='no scalars.json under'):
        find_scalars_file(tmp_path)
    scalars = tmp_path / 'run/vis_data/scalars.json'
    scalars.parent.mkdir(parents=True)
    scalars.write_text('{"loss": 1.0, "epoch": 1, "iter": 1}\n{"loss": \n')
    with pytest.raises(ValueError, match=r'scalars.json line 2: malformed '
                       'JSON'):
        load_scalars(scalars)
    scalars.write_text('{"mAP": 0.5, "step": 1}\n')
    with pytest.raises(ValueError, match='no training `loss` lines'):
        plot_work_dir(tmp_path)
