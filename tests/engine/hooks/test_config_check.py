"""Multi-label config mistakes refused (or warned about) when the Runner is
built, before the first iteration: a pipeline without a Charades sampler, a
single-label metric, a single-label head."""
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModel
from mmengine.runner import Runner

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets import CharadesDataset
from mmaction_charades.utils.config_checks import ConfigError

SAMPLE_FRAMES = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
]
HEAD = dict(type='MultilabelI3DHead', num_classes=21, in_channels=8)
SINGLE_LABEL_HEAD = dict(type='I3DHead', num_classes=21, in_channels=8)
METRICS = [dict(type='CharadesMAP'),
           dict(type='AccMetric', metric_list='mean_average_precision')]


@MODELS.register_module()
class ConfigCheckToyRecognizer(BaseModel):
    """A head that is built, never run; counts the iterations it trains."""

    def __init__(self, cls_head: dict) -> None:
        super().__init__()
        self.cls_head = MODELS.build(cls_head)
        self.weight = nn.Parameter(torch.zeros(1))
        self.steps = 0

    def forward(self, *args, mode='tensor', **kwargs):
        self.steps += 1
        return dict(loss=(self.weight - 1).pow(2).sum())


def _cfg(tmp_path, data, head=HEAD, metrics=METRICS, train_pipeline=()):
    """A hand-written config: CharadesDataset on the mini-Charades CSVs, no
    decoding unless ``train_pipeline`` decodes."""

    def loader(split, pipeline, test_mode):
        return dict(
            batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='CharadesDataset', test_mode=test_mode,
                         ann_file=f'{data}/Charades_v1_{split}.csv',
                         data_prefix=dict(video=f'{data}/videos'),
                         pipeline=list(pipeline)))

    return dict(
        model=dict(type='ConfigCheckToyRecognizer', cls_head=head),
        work_dir=str(tmp_path / 'work'),
        default_scope='mmaction',
        custom_hooks=[dict(type='MultilabelConfigCheckHook')],
        train_dataloader=loader('train', train_pipeline, False),
        train_cfg=dict(by_epoch=True, max_epochs=1, val_begin=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        val_dataloader=loader('test', (), True),
        val_cfg=dict(),
        val_evaluator=metrics,
        test_dataloader=loader('test', (), True),
        test_cfg=dict(),
        test_evaluator=metrics)


def _train(cfg) -> Runner:
    runner = Runner(**cfg)
    runner.train()
    return runner


def _log(runner) -> str:
    (log, ) = Path(runner.log_dir).glob('*.log')
    return log.read_text()


def test_a_multilabel_config_trains(tmp_path, mini_charades):
    runner = _train(_cfg(tmp_path, mini_charades))
    assert runner.model.steps == 3  # 12 videos, batches of 4
    assert 'is not a multi-label head' not in _log(runner)


def test_sample_frames_is_refused_when_built(tmp_path, mini_charades):
    runner = Runner(**_cfg(tmp_path, mini_charades,
                           train_pipeline=SAMPLE_FRAMES))
    with pytest.raises(ConfigError, match=r'Charades_v1_train.csv: the '
                       r"dataset's `pipeline` \(DecordInit, SampleFrames, "
                       r'DecordDecode\) has no Charades clip sampler.*'
                       'DilatedClipSampler.*label_level'):
        runner.train()
    assert runner.model.steps == 0


def test_video_level_labels_accept_any_sampler(mini_charades):
    CharadesDataset(f'{mini_charades}/Charades_v1_train.csv',
                    pipeline=SAMPLE_FRAMES, label_level='video')
    CharadesDataset(f'{mini_charades}/Charades_v1_train.csv', pipeline=[
        *SAMPLE_FRAMES[:1],
        dict(type='DilatedClipSampler', clip_len=8, span=3.0),
        *SAMPLE_FRAMES[2:]])


@pytest.mark.parametrize('metric, what', [
    (dict(type='AccMetric'),
     r"AccMetric with \['top_k_accuracy', 'mean_class_accuracy'\]"),
    (dict(type='ConfusionMatrix'), 'ConfusionMatrix'),
])
def test_single_label_metric_is_refused_when_built(tmp_path, mini_charades,
                                                   metric, what):
    cfg = _cfg(tmp_path, mini_charades, metrics=[dict(type='CharadesMAP'),
                                                  metric])
    runner = Runner(**cfg)
    with pytest.raises(ConfigError, match=f'^val_evaluator: {what} needs one'
                       '.*use CharadesMAP'):
        runner.train()
    assert runner.model.steps == 0
    with pytest.raises(ConfigError, match=f'^test_evaluator: {what}'):
        Runner(**dict(cfg, work_dir=str(tmp_path / 'test'))).test()


def test_single_label_head_is_refused_when_built(tmp_path, mini_charades):
    runner = Runner(**_cfg(tmp_path, mini_charades, head=SINGLE_LABEL_HEAD))
    with pytest.raises(ConfigError, match='^model.cls_head: I3DHead with '
                       'CrossEntropyLoss learns one class.*MultilabelI3DHead'):
        runner.train()
    assert runner.model.steps == 0


def test_other_heads_are_warned_about(tmp_path, mini_charades):
    head = dict(SINGLE_LABEL_HEAD, multi_class=True,
                loss_cls=dict(type='BCELossWithLogits'))
    runner = _train(_cfg(tmp_path, mini_charades, head=head))
    assert runner.model.steps == 3
    assert ("WARNING - model.cls_head: I3DHead is not a multi-label head: its "
            "scores are MMAction2's average_clips=None") in _log(runner)
