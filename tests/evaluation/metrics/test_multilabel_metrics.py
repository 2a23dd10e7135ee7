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


def _charades_map(metric_cfg, scores, targets):
    """(returned metrics, per-class APs kept by the metric) of one
    CharadesMAP evaluated on ``scores``, ``targets``."""
    evaluator = _evaluator([metric_cfg])
    evaluator.dataset_meta = dict(classes=CLASSES)
    evaluator.process([
        ActionDataSample().set_gt_label(t).set_pred_score(s)
        for s, t in zip(scores, targets)
    ])
    return evaluator.evaluate(len(scores)), evaluator.metrics[0].class_ap


def test_charades_map_matches_sklearn_with_class_names():
    """Tie-free scores: the official AP equals scikit-learn's; WAP weighs
    each class by its positives; per-class APs stay out of the metrics."""
    scores, targets = _data()
    results, class_ap = _charades_map(dict(type='CharadesMAP'), scores,
                                      targets)
    ref = {
        name: average_precision_score(targets[:, c], scores[:, c])
        for c, name in enumerate(CLASSES[:-1])
    }
    positives = targets.sum(0).tolist()
    assert math.isnan(class_ap.pop('run'))
    assert class_ap == pytest.approx(ref)
    assert results == pytest.approx({
        'mAP': sum(ref.values()) / len(ref),
        'WAP': sum(ap * n for ap, n in zip(ref.values(), positives)) /
        sum(positives)
    })


def test_charades_map_official_ties_on_hand_made_videos():
    """Three videos, three classes, tied scores ranked in dataset order as
    Charades_v1_classify.m's stable sort does. Class 0 ranks pos, neg
    (tied), pos: AP (1 + 2/3) / 2 = 5/6 (scikit-learn, tie-averaged, says
    7/12); class 1 ranks neg, pos, pos: (1/2 + 2/3) / 2 = 7/12; class 2 has
    its one positive last: 1/3. mAP = 7/12, WAP = (2 * 5/6 + 2 * 7/12 +
    1/3) / 5 = 19/30."""
    scores = torch.tensor([[0.5, 0.9, 0.3], [0.5, 0.2, 0.2],
                           [0.1, 0.4, 0.1]])
    targets = torch.tensor([[1, 0, 0], [0, 1, 0], [1, 1, 1]])
    names = CLASSES[:3]
    results, class_ap = _charades_map(dict(type='CharadesMAP'),
                                      torch.cat([scores, torch.zeros(3, 3)],
                                                1),
                                      torch.cat([targets, torch.zeros(
                                          3, 3, dtype=torch.long)], 1))
    assert results == pytest.approx({'mAP': 7 / 12, 'WAP': 19 / 30})
    assert {n: class_ap[n] for n in names} == pytest.approx(
        dict(zip(names, (5 / 6, 7 / 12, 1 / 3))))
    assert average_precision_score(targets[:, 0], scores[:, 0]) == \
        pytest.approx(7 / 12)


def test_charades_map_without_class_names_or_classwise():
    scores, targets = _data()
    evaluator = _evaluator([dict(type='CharadesMAP', classwise=False)])
    evaluator.process([
        ActionDataSample().set_gt_label(t).set_pred_score(s)
        for s, t in zip(scores, targets)
    ])
    assert set(evaluator.evaluate(len(scores))) == {'mAP', 'WAP'}
    assert evaluator.metrics[0].class_ap == {}
    evaluator = _evaluator([dict(type='CharadesMAP')])
    evaluator.process([
        ActionDataSample().set_gt_label(t).set_pred_score(s)
        for s, t in zip(scores, targets)
    ])
    evaluator.evaluate(len(scores))
    assert list(evaluator.metrics[0].class_ap) == list('012345')
    results = _evaluate([dict(type='CharadesMAP', prefix='val')], scores,
                        targets)
    assert set(results) == {'val/mAP', 'val/WAP'}


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
