"""PosWeightBCELoss equals torch's BCEWithLogitsLoss and keeps its weights in
checkpoints."""
import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint

import mmaction_charades  # noqa: F401
from mmaction_charades.models.losses import PosWeightBCELoss

WEIGHTS = [0.5, 2.0, 3.0, 9.0]


def _batch(seed=0, batch_size=6):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch_size, len(WEIGHTS), generator=g) * 3
    # multi-hot LongTensor, as ActionDataSample.set_gt_label stores it
    labels = torch.stack([
        ActionDataSample().set_gt_label(
            (torch.rand(len(WEIGHTS), generator=g) < 0.4).long()).gt_label
        for _ in range(batch_size)
    ])
    return logits, labels


@pytest.mark.parametrize('pos_weight', [None, WEIGHTS])
@pytest.mark.parametrize('loss_weight', [1.0, 0.3])
def test_equals_torch(pos_weight, loss_weight):
    logits, labels = _batch()
    assert labels.dtype == torch.long
    loss = MODELS.build(
        dict(type='PosWeightBCELoss', pos_weight=pos_weight,
             loss_weight=loss_weight))
    ref = nn.BCEWithLogitsLoss(pos_weight=None if pos_weight is None else
                               torch.tensor(WEIGHTS))(logits, labels.float())
    torch.testing.assert_close(loss(logits, labels), loss_weight * ref)


def test_auto_equals_torch_after_set_and_gradients_match():
    logits, labels = _batch(1)
    loss = PosWeightBCELoss(pos_weight='auto')
    loss.set_pos_weight(torch.tensor(WEIGHTS))
    ours_in = logits.clone().requires_grad_()
    ref_in = logits.clone().requires_grad_()
    loss(ours_in, labels).backward()
    nn.BCEWithLogitsLoss(pos_weight=torch.tensor(WEIGHTS))(
        ref_in, labels.float()).backward()
    torch.testing.assert_close(ours_in.grad, ref_in.grad)


def test_auto_without_weights_says_how_to_fix():
    logits, labels = _batch()
    with pytest.raises(RuntimeError, match='PosWeightHook'):
        PosWeightBCELoss(pos_weight='auto')(logits, labels)


def test_bad_inputs():
    logits, labels = _batch()
    with pytest.raises(ValueError, match='multi-hot labels'):
        PosWeightBCELoss()(logits, labels[:, 0])
    with pytest.raises(ValueError, match='pos_weight has 3 classes'):
        PosWeightBCELoss(pos_weight=WEIGHTS[:3])(logits, labels)
    with pytest.raises(ValueError, match="'auto'"):
        PosWeightBCELoss(pos_weight='balanced')
    with pytest.raises(RuntimeError, match="only for"):
        PosWeightBCELoss(pos_weight=WEIGHTS).set_pos_weight(WEIGHTS)


def test_buffer_moves_with_to():
    loss = PosWeightBCELoss(pos_weight=WEIGHTS).to(torch.float64)
    assert loss.pos_weight.dtype == torch.float64
    assert 'pos_weight' in dict(loss.named_buffers())


class _Head(nn.Module):

    def __init__(self, pos_weight):
        super().__init__()
        self.fc = nn.Linear(2, len(WEIGHTS))
        self.loss_cls = PosWeightBCELoss(pos_weight=pos_weight)


def test_auto_weights_come_back_from_a_checkpoint(tmp_path):
    trained = _Head('auto')
    trained.loss_cls.set_pos_weight(WEIGHTS)
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint({'state_dict': trained.state_dict()}, path)

    fresh = _Head('auto')  # empty buffer, as at test time
    assert fresh.loss_cls.pos_weight.numel() == 0
    load_checkpoint(fresh, path, strict=True)
    torch.testing.assert_close(fresh.loss_cls.pos_weight,
                               torch.tensor(WEIGHTS))
    logits, labels = _batch()
    torch.testing.assert_close(
        fresh.loss_cls(logits, labels),
        nn.BCEWithLogitsLoss(pos_weight=torch.tensor(WEIGHTS))(
            logits, labels.float()))

    # weights filled for another class count are replaced, not shape errors
    other = _Head('auto')
    other.loss_cls.set_pos_weight([1.0, 1.0])
    other.load_state_dict(trained.state_dict())
    torch.testing.assert_close(other.loss_cls.pos_weight,
                               torch.tensor(WEIGHTS))
