"""Every shipped config parses, builds its model without downloading, and
keeps multi-label semantics (sigmoid heads, no softmax clip averaging)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmaction_charades  # noqa: F401
from mmaction.registry import MODELS

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted(p for p in (ROOT / 'configs').glob('*.py'))
MINI = [p for p in CONFIGS if '_mini_' in p.name]


def _heads(cfg):
    return [cfg.model.cls_head] if cfg.model.get('cls_head') else []


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_is_multilabel(path):
    cfg = Config.fromfile(str(path))
    assert 'mmaction_charades' in cfg.custom_imports['imports']
    assert "'prob'" not in cfg.pretty_text and '"prob"' not in cfg.pretty_text
    for head in _heads(cfg):
        assert head.get('average_clips', 'max') in ('max', 'mean'), path
        assert head.loss_cls.type == 'PosWeightBCELoss'
    # the pretrained weights are named by URL, never fetched in tests
    for key in ('load_from', ):
        value = cfg.get(key)
        assert value is None or value.startswith('https://')


@pytest.mark.parametrize('path', MINI, ids=lambda p: p.name)
def test_mini_config_builds_with_spec_samplers(path):
    """Mini configs train with the dilated sampler and test with 4 stride
    clips (VTN: whole-video frames in one pass, as the paper does)."""
    cfg = Config.fromfile(str(path))
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert cfg.model.cls_head.num_classes == cfg.num_classes == 21
    train = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    test = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    if cfg.model.type == 'VTNRecognizer':
        assert 'WholeVideoSampler' in train and 'WholeVideoSampler' in test
    else:
        assert 'DilatedClipSampler' in train
        assert test['StrideClipSampler']['max_clips'] == 4
    assert model.cls_head.average_clips == 'max'
