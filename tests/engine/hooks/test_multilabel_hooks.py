"""PosWeightHook and TrainMultilabelMetricsHook in a tiny MMEngine Runner."""
import json
import types
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.pos_weight import pos_weight_from_labels
from mmaction_charades.engine.hooks import (PosWeightHook,
                                            TrainMultilabelMetricsHook)
from mmaction_charades.evaluation.functional import (charades_map,
                                                     topk_multilabel_accuracy)
from mmaction_charades.utils.curves import epoch_curves

ROOT = Path(__file__).resolve().parents[3]

CLASSES = ('sit', 'eat', 'run')
BATCH_SIZE = 4


class _TinyVideos(Dataset):
    """12 'videos' whose 4-d feature is a noisy copy of their labels."""
    metainfo = dict(classes=CLASSES)

    def __init__(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = (torch.rand(12, len(CLASSES), generator=g)
                       < 0.4).long()
        self.labels[0] = 1  # every class has a positive
        self.features = torch.cat(
            [self.labels.float(), torch.ones(12, 1)], 1) + 0.1 * torch.randn(
                12, len(CLASSES) + 1, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return dict(inputs=self.features[i],
                    data_samples=ActionDataSample().set_gt_label(
                        self.labels[i]))

    def video_labels(self) -> np.ndarray:
        return self.labels.numpy()


class _TinyRecognizer(BaseModel):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(len(CLASSES) + 1, 8)
        self.cls_head = MODELS.build(
            dict(type='MultilabelTimeSformerHead', num_classes=len(CLASSES),
                 in_channels=8))  # default loss: 'auto' PosWeightBCELoss

    def forward(self, inputs, data_samples=None, mode='tensor'):
        feats = self.backbone(torch.stack(inputs))
        if mode == 'loss':
            return self.cls_head.loss(feats, data_samples)
        if mode == 'predict':
            return self.cls_head.predict(feats, data_samples)
        return self.cls_head(feats)


def _loader():
    return dict(dataset=_TinyVideos(), batch_size=BATCH_SIZE,
                sampler=dict(type='DefaultSampler', shuffle=False))


def _runner(work_dir, name, **kwargs) -> Runner:
    return Runner(
        model=_TinyRecognizer(),
        work_dir=str(work_dir),
        experiment_name=name,
        default_scope='mmaction',
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        **kwargs)


def _train(work_dir, custom_hooks, name='train') -> Runner:
    runner = _runner(
        work_dir, name,
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
        val_dataloader=_loader(),
        val_cfg=dict(),
        val_evaluator=dict(type='MultilabelBCELoss', loss_name='val_bce'),
        custom_hooks=custom_hooks)
    runner.train()
    return runner


def test_pos_weight_from_annotations_saved_and_used_at_test(tmp_path):
    runner = _train(tmp_path, [PosWeightHook()])
    expected = torch.from_numpy(
        pos_weight_from_labels(_TinyVideos().video_labels()))
    torch.testing.assert_close(runner.model.cls_head.loss_cls.pos_weight,
                               expected)
    val_bce = runner.message_hub.get_scalar('val/val_bce').current()

    # test time: a fresh 'auto' model gets the weights from the checkpoint;
    # neither the hook nor training data is there
    tester = _runner(
        tmp_path, 'test',
        test_dataloader=_loader(),
        test_cfg=dict(),
        test_evaluator=dict(type='MultilabelBCELoss'),
        load_from=str(tmp_path / 'epoch_2.pth'))
    metrics = tester.test()
    model = tester.model
    torch.testing.assert_close(model.cls_head.loss_cls.pos_weight, expected)
    data = _TinyVideos()
    with torch.no_grad():
        logits = model(list(data.features))
    ref = F.binary_cross_entropy_with_logits(
        logits, data.labels.float(), pos_weight=expected)
    assert metrics['test_loss'] == pytest.approx(ref.item(), rel=1e-5)
    # the last validation ran the same model on the same videos
    assert metrics['test_loss'] == pytest.approx(val_bce, rel=1e-6)


def test_pos_weight_hook_needs_video_labels():
    runner = types.SimpleNamespace(
        model=_TinyRecognizer(),
        train_dataloader=types.SimpleNamespace(dataset=[1, 2]),
        logger=MMLogger.get_current_instance())
    with pytest.raises(TypeError, match='video_labels.*ClassBalancedDataset'):
        PosWeightHook().before_train(runner)


def test_train_metrics_from_recent_batches(tmp_path):
    interval, window = 3, 2
    head_outputs = []  # independent record: the head's training outputs

    runner = _runner(
        tmp_path, 'metrics',
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=10),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
        custom_hooks=[
            PosWeightHook(),
            TrainMultilabelMetricsHook(interval=interval, window=window,
                                       k=(2, 3),
                                       criteria=('overlap', 'hamming'))
        ])
    runner.model.cls_head.register_forward_hook(
        lambda m, args, out: head_outputs.append(out.detach().clone())
        if m.training else None)
    runner.train()

    # 6 iterations of 4 videos in order; the last update (iter 6) measured
    # the last `window` batches: videos 4..11 of the second epoch
    assert len(head_outputs) == 6
    scores = torch.cat(head_outputs[-window:])
    targets = _TinyVideos().labels[4:12]
    hub = runner.message_hub
    for k in (2, 3):
        for criterion in ('overlap', 'hamming'):
            assert hub.get_scalar(f'train/top{k}/{criterion}').current() == \
                pytest.approx(topk_multilabel_accuracy(
                    scores, targets, k, criterion).item())
    assert hub.get_scalar('train/mAP').current() == pytest.approx(
        charades_map(scores, targets).item())
    # logged by MMEngine's logger / visualizer backends
    with open(f'{runner.log_dir}/vis_data/scalars.json') as f:
        logged = [json.loads(line) for line in f]
    assert any('mAP' in entry and 'top2/overlap' in entry
               for entry in logged)


def test_train_and_val_scalars_have_distinct_names(tmp_path):
    """With the log processor of configs/_base_/default_runtime.py, no key of
    scalars.json (what TensorBoard also receives) holds both training values
    at iterations and validation values at epochs."""
    runtime = Config.fromfile(str(ROOT / 'configs/_base_/default_runtime.py'))
    runner = _runner(
        tmp_path, 'names',
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
        val_dataloader=_loader(),
        val_cfg=dict(),
        val_evaluator=[dict(type='CharadesMAP'),
                       dict(type='TopKMultilabelAccuracy', k=(2, )),
                       dict(type='MultilabelBCELoss', loss_name='val_bce')],
        log_processor=runtime.log_processor,
        custom_hooks=[PosWeightHook(),
                      TrainMultilabelMetricsHook(interval=1, k=(2, ))])
    runner.train()
    with open(f'{runner.log_dir}/vis_data/scalars.json') as f:
        logged = [json.loads(line) for line in f]
    train = [entry for entry in logged if 'iter' in entry]
    val = [entry for entry in logged if 'iter' not in entry]
    assert len(train) == 6 and [entry['step'] for entry in val] == [1, 2]
    train_keys = set().union(*train) - {'step'}
    val_keys = set().union(*val) - {'step'}
    assert not train_keys & val_keys, train_keys & val_keys
    assert {'train/mAP', 'train/top2/overlap', 'train/loss',
            'train/epoch_loss'} <= train_keys
    assert {'val/mAP', 'val/top2/overlap', 'val/val_bce'} <= val_keys
    # the curves still find both series
    curves = epoch_curves(logged)
    assert set(curves.train_map) == set(curves.val_map) == {1, 2}
    assert curves.val_map[2] == pytest.approx(
        runner.message_hub.get_scalar('val/mAP').current())
    assert curves.train_map[2] == pytest.approx(
        runner.message_hub.get_scalar('train/mAP').current())
    assert set(curves.train_loss) == {1, 2}
    assert set(curves.val_loss) == {1, 2}
