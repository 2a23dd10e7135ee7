"""CheckpointCompatHook: checkpoints that do not fit the model are refused
before MMEngine half-loads them; resuming warns about a changed lr and
refuses a changed model."""
import shutil
import uuid

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.runner import Runner

import mmaction_charades  # noqa: F401
from mmaction_charades.engine.hooks.checkpoint_compat import (
    CheckpointMismatchError, state_dict_mismatches)
from mmaction_charades.models.losses import PosWeightBCELoss
from toy_runner import ToyData, ToyModel


def make_runner(work_dir, num_classes=1, lr=0.01, partial_load=False,
                **kwargs):
    return Runner(
        model=ToyModel(num_classes, batch_norm=True),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(), batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False)),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=lr)),
        param_scheduler=dict(type='ExponentialLR', gamma=0.5),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[
            dict(type='CheckpointCompatHook', partial_load=partial_load)
        ],
        default_scope='mmaction',
        experiment_name=uuid.uuid4().hex,
        **kwargs)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('trained')
    make_runner(work_dir).train()
    return work_dir


def test_matching_checkpoint_loads(trained, tmp_path):
    runner = make_runner(tmp_path, load_from=str(trained / 'epoch_2.pth'))
    runner.load_or_resume()
    saved = torch.load(trained / 'epoch_2.pth', weights_only=False)
    torch.testing.assert_close(runner.model.linear.weight,
                               saved['state_dict']['linear.weight'])


def test_foreign_checkpoint_is_refused_naming_keys(tmp_path):
    ckpt = tmp_path / 'other.pth'
    torch.save({'state_dict': {'module.linear.weight': torch.zeros(3, 4),
                               'backbone.conv.weight': torch.zeros(1)},
                'meta': {}}, ckpt)
    runner = make_runner(tmp_path / 'work', load_from=str(ckpt))
    with pytest.raises(CheckpointMismatchError) as info:
        runner.load_or_resume()
    message = str(info.value)
    assert '\n' not in message and str(ckpt) in message
    assert 'missing keys linear.bias, bn.weight, bn.bias' in message
    assert 'unexpected keys backbone.conv.weight' in message
    assert 'linear.weight (checkpoint (3, 4), model (1, 4))' in message
    assert '--partial-load' in message
    assert runner.model.linear.weight.abs().sum() > 0  # nothing loaded


def test_partial_load_loads_matching_part(tmp_path):
    ckpt = tmp_path / 'other.pth'
    torch.save({'state_dict': {'linear.bias': torch.full((1, ), 7.0),
                               'backbone.conv.weight': torch.zeros(1)},
                'meta': {}}, ckpt)
    runner = make_runner(tmp_path / 'work', load_from=str(ckpt),
                         partial_load=True)
    runner.load_or_resume()
    assert runner.model.linear.bias.item() == 7.0


def test_placeholder_buffers_and_num_batches_tracked_are_expected():
    loss = PosWeightBCELoss(pos_weight='auto')  # empty buffer until trained
    expected = {'loss.pos_weight': loss.pos_weight,
                'bn.num_batches_tracked': torch.tensor(0)}
    assert state_dict_mismatches(expected,
                                 {'loss.pos_weight': torch.ones(21)}) == []
    fixed = {'loss.pos_weight': torch.ones(157)}
    assert state_dict_mismatches(fixed, {'loss.pos_weight': torch.ones(21)})


def test_resume_with_changed_lr_warns_and_keeps_checkpoint_lr(trained,
                                                              tmp_path):
    work = tmp_path / 'work'
    shutil.copytree(trained, work)
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    runner = make_runner(work, lr=0.5, resume=True)
    records = []
    logger = MMLogger.get_current_instance()
    logger.warning, original = (lambda msg, *a, **k: records.append(msg),
                                logger.warning)
    try:
        runner.train()
    finally:
        logger.warning = original
    (warning, ) = [m for m in records if 'changed learning rate' in m]
    assert 'lr 0.5 in the config, 0.01 in the checkpoint' in warning
    # the checkpoint's optimizer state won: as in the uninterrupted run
    resumed, reference = (
        torch.load(d / 'epoch_2.pth', weights_only=False)['optimizer']
        ['param_groups'][0] for d in (work, trained))
    assert resumed['lr'] == reference['lr'] == pytest.approx(0.005)
    assert resumed['initial_lr'] == 0.01


@pytest.mark.parametrize('partial_load', [False, True])
def test_resume_with_changed_num_classes_is_refused(trained, tmp_path,
                                                    partial_load):
    runner = make_runner(tmp_path, num_classes=3, resume=True,
                         load_from=str(trained / 'epoch_1.pth'),
                         partial_load=partial_load)
    with pytest.raises(CheckpointMismatchError) as info:
        runner.train()
    message = str(info.value)
    assert '\n' not in message
    assert 'linear.weight (checkpoint (1, 4), model (3, 4))' in message
    assert "optimizer 'exp_avg' of linear.weight" in message
    assert 'resume only with the config it was trained with' in message
