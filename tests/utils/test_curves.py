"""Per-epoch curves read from MMEngine scalars.json, and per-class AP."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from analysis_inputs import (EXPECTED_TRAIN_LOSS, EXPECTED_VAL_MAP,
                             write_scalars)
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmaction_charades.utils.curves import (EPOCH_LOSS, epoch_curves,
                                            find_scalars_file, load_scalars,
                                            load_work_dir,
                                            per_class_ap_from_results)

ROOT = Path(__file__).resolve().parents[2]


def test_epoch_values_are_the_last_logged_ones(tmp_path):
    scalars = tmp_path / '20250101_000000/vis_data/scalars.json'
    write_scalars(scalars)
    curves = epoch_curves(load_scalars(scalars))
    assert list(curves.train_loss) == [1, 2, 3]
    np.testing.assert_allclose(list(curves.train_loss.values()),
                               list(EXPECTED_TRAIN_LOSS.values()))
    np.testing.assert_allclose(list(curves.val_map.values()),
                               list(EXPECTED_VAL_MAP.values()))
    np.testing.assert_allclose(list(curves.val_loss.values()),
                               [1, 1 / 2, 1 / 3])
    assert curves.train_map == {}


def test_hierarchical_keys_and_newest_run(tmp_path):
    old = tmp_path / '20240101_000000/vis_data/scalars.json'
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({'epoch_loss': 9.0, 'epoch': 1, 'iter': 1}) +
                   '\n')
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


def test_default_runtime_logs_epoch_means(tmp_path):
    """The LogProcessor and LoggerHook of configs/_base_/default_runtime.py
    log each epoch's mean iteration loss: 5 iterations per epoch, logged
    every 2 (and at the epoch's end) over a smoothing window of 20, so the
    window means mix epochs and only `epoch_loss` is exact."""
    runtime = Config.fromfile(ROOT / 'configs/_base_/default_runtime.py')
    assert runtime.log_processor.window_size == 20
    dataset = [dict(inputs=torch.randn(2), labels=torch.randn(())) for _ in
               range(10)]
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
        default_hooks=dict(logger=dict(runtime.default_hooks.logger,
                                       interval=2), checkpoint=None),
        log_processor=runtime.log_processor, default_scope=None,
        experiment_name='toy_curves')
    runner.train()
    records = load_scalars(find_scalars_file(tmp_path))
    # log_with_hierarchy: the training scalars are prefixed
    assert [r['iter'] for r in records if f'train/{EPOCH_LOSS}' in r] == [
        2, 4, 5, 7, 9, 10, 12, 14, 15]
    curves = epoch_curves(records)
    expected = {e: np.mean(v) for e, v in recorder.losses.items()}
    assert list(curves.train_loss) == [1, 2, 3]
    np.testing.assert_allclose(list(curves.train_loss.values()),
                               list(expected.values()), rtol=1e-5)
    assert list(curves.val_map) == [1, 2, 3]


def test_load_work_dir(tmp_path):
    write_scalars(tmp_path / '20250101_000000/vis_data/scalars.json')
    assert load_work_dir(tmp_path).results_file is None
    results = {'mAP': 0.65, 'AP/Opening a door': 0.4,
               'AP/Sitting on sofa/couch': None}
    (tmp_path / 'results.json').write_text(json.dumps(results))
    loaded = load_work_dir(tmp_path)
    assert loaded.results_file == tmp_path / 'results.json'
    assert loaded.class_ap == {'Opening a door': 0.4,
                               'Sitting on sofa/couch': None}
    assert loaded.mean_ap == 0.65
    assert loaded.curves.train_loss == pytest.approx(EXPECTED_TRAIN_LOSS)


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


def test_input_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='no scalars.json under'):
        find_scalars_file(tmp_path)
    scalars = tmp_path / 'run/vis_data/scalars.json'
    scalars.parent.mkdir(parents=True)
    scalars.write_text('{"loss": 1.0, "epoch": 1, "iter": 1}\n{"loss": \n')
    with pytest.raises(ValueError, match=r'scalars.json line 2: malformed '
                       'JSON'):
        load_scalars(scalars)
    # a log without the epoch means: they are not rebuilt from `loss`
    scalars.write_text('{"loss": 1.0, "epoch": 1, "iter": 1}\n'
                       '{"mAP": 0.5, "step": 1}\n')
    with pytest.raises(ValueError, match="no training `epoch_loss` lines "
                       r"\(log it with log_processor="):
        load_work_dir(tmp_path)
    write_scalars(tmp_path / 'run2/vis_data/scalars.json')
    (tmp_path / 'results.json').write_text('{"mAP": 0.5}')
    with pytest.raises(ValueError, match='results.json: no per-class AP'):
        load_work_dir(tmp_path)

