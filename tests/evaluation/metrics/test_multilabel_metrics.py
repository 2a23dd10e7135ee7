"""The METRICS run through MMEngine's Evaluator on fake data samples and
agree with torcheval, scikit-learn and torch."""
import math

import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator
from sklearn.metrics import average_precision_score
from torcheval.metrics import functional as tef

import mmaction_charades  # noqa: F401
from mmaction_charades.evaluation.functional import CRITERIA
from mmaction_charades.models.heads import BCE_FIELD

CLASSES = ('walk', 'sit', 'door/window', 'eat', 'read', 'run')


def _data(num_samples=23, seed=0):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(num_samples, len(CLASSES), generator=g)
    targets = (torch.rand(num_samples, len(CLASSES), generator=g)
               < 0.3).long()
    targets[:, -1] = 0  # 'run' has no positive video
    targets[0] = 0
    return scores, targets


def _evaluator(metric_cfgs) -> Evaluator:
    """An Evaluator of metrics built from mmaction's METRICS registry."""
    return Evaluator([METRICS.build(cfg) for cfg in metric_cfgs])


def _evaluate(metric_cfgs, scores, targets, batch_size=4, losses=None):
    """Evaluate data samples of ``scores``, ``targets`` and, where given, the
    heads' per-sample test ``losses``."""
    evaluator = _evaluator(metric_cfgs)
    evaluator.dataset_meta = dict(classes=CLASSES)
    for start in range(0, len(scores), batch_size):
        samples = []
        for i in range(start, min(start + batch_size, len(scores))):
            sample = ActionDataSample().set_gt_label(
                targets[i]).set_pred_score(scores[i])
            if losses is not None:
                sample.set_field(torch.tensor(losses[i]), BCE_FIELD)
            samples.append(sample)
        evaluator.process(samples, data_batch=None)
    return evaluator.evaluate(len(scores))


def test_accuracies_match_torcheval():
    scores, targets = _data()
    results = _evaluate([
        dict(type='TopKMultilabelAccuracy'),
        dict(type='MultilabelAccuracy', threshold=0.6)
    ], scores, targets)
    expected = {}
    for c in CRITERIA:
        for k in (2, 3, 5):
            expected[f'top{k}/{c}'] = tef.topk_multilabel_accuracy(
                scores, targets, k=k, criteria=c).item()
        expected[f'threshold/{c}'] = tef.multilabel_accuracy(
            scores, targets, threshold=0.6, criteria=c).item()
    assert results == pytest.approx(expected, abs=1e-7)


def test_charades_map_matches_sklearn_with_class_names():
    scores, targets = _data()
    results = _evaluate([dict(type='CharadesMAP')], scores, targets)
    ref = {
        f'AP/{name}': average_precision_score(targets[:, c], scores[:, c])
        for c, name in enumerate(CLASSES[:-1])
    }
    assert math.isnan(results.pop('AP/run'))
    assert results.pop('mAP') == pytest.approx(sum(ref.values()) / len(ref))
    assert results == pytest.approx(ref)


def test_charades_map_without_class_names_or_classwise():
    scores, targets = _data()
    evaluator = _evaluator([dict(type='CharadesMAP', classwise=False)])
    evaluator.process([
        ActionDataSample().set_gt_label(t).set_pred_score(s)
        for s, t in zip(scores, targets)
    ])
    assert set(evaluator.evaluate(len(scores))) == {'mAP'}
    results = _evaluate([dict(type='CharadesMAP', prefix='val')], scores,
                        targets)
    assert 'val/mAP' in results and 'val/AP/walk' in results


def test_bce_loss_averages_the_heads_per_sample_losses():
    scores, targets = _data(num_samples=3)
    results = _evaluate([dict(type='MultilabelBCELoss')], scores, targets,
                        batch_size=2, losses=[1.0, 2.0, 6.0])
    assert results == {'test_loss': pytest.approx(3.0)}
    results = _evaluate([dict(type='MultilabelBCELoss', loss_name='val_bce')],
                        scores, targets, losses=[0.5, 0.25, 0.75])
    assert results == {'val_bce': pytest.approx(0.5)}


def test_bce_loss_pos_weight_argument(warning_log):
    scores, targets = _data(num_samples=2)
    results = _evaluate([dict(type='MultilabelBCELoss', pos_weight='auto')],
                        scores, targets, losses=[1.0, 2.0])
    assert any('no effect' in m for m in warning_log)
    assert results == {'test_loss': pytest.approx(1.5)}
    with pytest.raises(ValueError, match="loss_cls=dict.*pos_weight"):
        _evaluator([dict(type='MultilabelBCELoss', pos_weight=[1.0] * 6)])


def test_bce_loss_without_the_heads_losses_says_why():
    scores, targets = _data()
    with pytest.raises(ValueError, match="'bce_loss'.*PosWeightHook"):
        _evaluate([dict(type='MultilabelBCELoss')], scores, targets)


@pytest.mark.parametrize('metric', [
    'TopKMultilabelAccuracy', 'MultilabelAccuracy', 'CharadesMAP',
    'MultilabelBCELoss'
])
@pytest.mark.parametrize('bad', [math.nan, math.inf, -math.inf])
def test_non_finite_scores_fail_naming_how_many(metric, bad):
    scores, targets = _data()
    scores[[3, 7, 8], [0, 2, 5]] = bad
    scores[7, 1] = bad  # two bad classes, one sample
    with pytest.raises(ValueError,
                       match=f'{metric}: 3 of 23 samples have a NaN or '
                       'infinite pred_score'):
        _evaluate([dict(type=metric)], scores, targets,
                  losses=[1.0] * len(scores))


def test_all_nan_scores_give_no_map():
    """All-NaN scores used to give mAP 0.75 on this toy case."""
    scores = torch.full((4, 2), math.nan)
    targets = torch.tensor([[1, 0], [1, 1], [0, 1], [1, 0]])
    with pytest.raises(ValueError, match='4 of 4 samples'):
        _evaluate([dict(type='CharadesMAP')], scores, targets)


def test_single_label_samples_are_refused():
    evaluator = _evaluator([dict(type='CharadesMAP')])
    sample = ActionDataSample().set_gt_label(3).set_pred_score(
        torch.rand(len(CLASSES)))
    with pytest.raises(ValueError, match='multi-hot gt_label'):
        evaluator.process([sample])


def test_bad_arguments():
    with pytest.raises(ValueError, match='k must be an int >= 2'):
        _evaluator([dict(type='TopKMultilabelAccuracy', k=(1, 2))])
    with pytest.raises(ValueError, match='unknown criteria'):
        _evaluator([dict(type='MultilabelAccuracy', criteria='jaccard')])


def test_old_base_metric_name_is_a_deprecated_alias():
    from mmaction_charades.evaluation.metrics import base
    with pytest.warns(DeprecationWarning, match='use MultilabelScoreMetric'):
        from mmaction_charades.evaluation.metrics.base import \
            MultiLabelScoreMetric
    assert MultiLabelScoreMetric is base.MultilabelScoreMetric
