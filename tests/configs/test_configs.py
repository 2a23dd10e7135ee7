"""Every shipped config parses, builds its model without downloading, keeps
multi-label semantics (sigmoid heads, no softmax clip averaging), agrees with
its label space and is assembled from the bases of ``configs/_base_``."""
import ast
import copy
import functools
import re
from pathlib import Path
from typing import List

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader

import mmaction_charades  # noqa: F401
from mmaction.registry import METRICS, MODELS, TRANSFORMS
from mmaction_charades.datasets import load_label_space
from mmaction_charades.utils.config_checks import (check_head, check_metric,
                                                   check_pipeline)
from mmaction_charades.utils.protocols import apply_protocol

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / 'configs' / '_base_'
CONFIGS = sorted(p for p in (ROOT / 'configs').glob('*.py'))
MINI = [p for p in CONFIGS if '_mini_' in p.name]
RECIPE_FIELDS = ('pretraining:', 'batch:', 'clips:', 'schedule:')
WEIGHT_KEYS = ('checkpoint', 'pretrained', 'pretrained2d')


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Config:
    """A config parsed once per session (the tests only read it)."""
    return Config.fromfile(str(path))


def _values(obj) -> list:
    """Every leaf value of a nested dict/list."""
    if isinstance(obj, dict):
        return [v for value in obj.values() for v in _values(value)]
    if isinstance(obj, (list, tuple)):
        return [v for value in obj for v in _values(value)]
    return [obj]


def _heads(cfg):
    return [cfg.model.cls_head] if cfg.model.get('cls_head') else []


def _bases(path: Path) -> List[Path]:
    """The local files ``path`` inherits from, recursively (MMAction2's
    ``mmaction::`` bases left out)."""
    found = []
    for node in ast.parse(path.read_text()).body:
        if (isinstance(node, ast.Assign)
                and getattr(node.targets[0], 'id', None) == '_base_'):
            bases = ast.literal_eval(node.value)
            for base in [bases] if isinstance(bases, str) else bases:
                if '::' in base:
                    continue
                base = (path.parent / base).resolve()
                found += [base, *_bases(base)]
    return found


def _recipe(path: Path) -> str:
    """The comment block a config opens with."""
    lines = path.read_text().splitlines()
    return '\n'.join(line for line in lines[:next(
        i for i, line in enumerate(lines) if not line.startswith('#'))])


def _weights(cfg: dict) -> List[str]:
    """Every checkpoint a model config names (``init_cfg.checkpoint``,
    ``pretrained``, ``pretrained2d``), as strings."""
    found = []
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key in WEIGHT_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found += _weights(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            found += _weights(value)
    return found


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_is_multilabel(path):
    cfg = _load(path)
    assert 'mmaction_charades' in cfg.custom_imports['imports']
    assert 'prob' not in _values(cfg.to_dict())
    for head in _heads(cfg):
        assert head.get('average_clips', 'max') in ('max', 'mean'), path
        assert head.loss_cls.type == 'PosWeightBCELoss'
        assert head.loss_cls.pos_weight == 'auto'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_num_classes_match_the_label_space(path):
    """Head, blending and the ``num_classes`` variable have as many classes
    as the label space all three dataloaders read."""
    cfg = _load(path)
    spaces = {cfg[f'{split}_dataloader'].dataset.label_space
              for split in ('train', 'val', 'test')}
    assert len(spaces) == 1, spaces
    num_classes = load_label_space(spaces.pop()).num_classes
    assert cfg.model.cls_head.num_classes == cfg.num_classes == num_classes
    blending = cfg.model.data_preprocessor.get('blending')
    for augment in (blending or {}).get('augments', []):
        assert augment.num_classes == num_classes
    assert ('charades157' in path.name) == (num_classes == 157)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_is_built_from_the_bases(path):
    """The runtime, the multi-label head defaults and the dataset variant
    come from their base, not from copies."""
    cfg = _load(path)
    bases = _bases(path)
    assert BASE / 'default_runtime.py' in bases
    assert BASE / 'models' / 'multilabel_head.py' in bases
    assert (('charades157' in path.name)
            == (BASE / 'datasets' / 'charades157.py' in bases))
    whole_video = any(b.name.endswith('_whole_video.py') for b in bases)
    assert whole_video == (cfg.model.type == 'VTNRecognizer')


def _names(path: Path) -> set:
    """The keyword names and string constants of a config's code."""
    nodes = list(ast.walk(ast.parse(path.read_text())))
    return ({n.arg for n in nodes if isinstance(n, ast.keyword)}
            | {n.value for n in nodes if isinstance(n, ast.Constant)
               and isinstance(n.value, str)})


def test_multilabel_defaults_live_in_one_place():
    """Only multilabel_head.py sets the heads' defaults (the localisation
    protocol switches to per-clip scores) and only vit_preprocessor.py
    (besides MMAction2's model bases) a preprocessor."""
    localize = ('charades21.py', )  # its charades_localize protocol
    owners = {'average_clips': ('multilabel_head.py', *localize),
              'PosWeightBCELoss': ('multilabel_head.py', ),
              'ActionDataPreprocessor': ('vit_preprocessor.py', )}
    for path in (ROOT / 'configs').rglob('*.py'):
        names = _names(path)
        for name, owner in owners.items():
            assert path.name in owner or name not in names, (path, name)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_recipe_comment_matches_the_weights(path):
    """Each config opens with its recipe; one that says it is pretrained
    names its weights by URL (fetched by MMEngine when training starts,
    through ``init_cfg``, never ``load_from``), one from scratch none."""
    recipe = _recipe(path)
    for field in RECIPE_FIELDS:
        assert re.search(rf'^#\s+{field}', recipe, re.M), (path, field)
    cfg = _load(path)
    assert cfg.load_from is None
    weights = _weights(cfg.model.to_dict())
    for weight in weights:
        assert weight.startswith(('https://', 'torchvision://')), weight
    from_scratch = re.search(r'^#\s+pretraining:\s+none', recipe, re.M)
    assert bool(weights) != bool(from_scratch), (path, weights)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_builds_its_model_offline(path, monkeypatch, warning_log):
    """Building never loads a checkpoint: pretrained weights come at
    ``init_weights``, when training starts."""

    def refuse(*args, **kwargs):
        raise AssertionError(f'checkpoint loaded while building: {args}')

    monkeypatch.setattr(CheckpointLoader, 'load_checkpoint', refuse)
    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', refuse)
    cfg = _load(path)
    init_default_scope(cfg.default_scope)
    model = MODELS.build(copy.deepcopy(cfg.model))
    assert model.cls_head.num_classes == cfg.model.cls_head.num_classes
    assert model.cls_head.average_clips == 'max'
    check_head(model)  # neither refused nor warned about:
    assert not [m for m in warning_log if 'cls_head' in m]


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_passes_the_multilabel_checks(path):
    """The checks of MultilabelConfigCheckHook (which the runtime enables)
    and CharadesDataset accept every shipped pipeline and metric."""
    cfg = _load(path)
    assert dict(type='MultilabelConfigCheckHook') in cfg.custom_hooks
    init_default_scope(cfg.default_scope)
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        pipeline = [TRANSFORMS.build(copy.deepcopy(t))
                    for t in dataset.pipeline]
        check_pipeline(pipeline, dataset.get('label_level', 'clip'), split)
    for key in ('val_evaluator', 'test_evaluator'):
        metrics = cfg[key] if isinstance(cfg[key], list) else [cfg[key]]
        for metric in metrics:
            check_metric(METRICS.build(copy.deepcopy(metric)), key)


def _sampler(pipeline) -> dict:
    (sampler, ) = [t for t in pipeline if t['type'].endswith('Sampler')]
    return sampler


def _types(pipeline) -> List[str]:
    return [t['type'] for t in pipeline]


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_defaults_to_the_charades_video_protocol(path):
    """test_* and val_* are charades_video's: applying it changes nothing;
    clips of the training geometry over the whole video (VTN: its one
    pass), 3 crops where the input is square-cropped (full size), 1 view
    where the mini configs resize the whole frame, video labels, and
    CharadesMAP without the accuracies."""
    cfg = _load(path)
    applied = apply_protocol(copy.deepcopy(cfg), 'charades_video')
    for key in ('test_dataloader', 'test_evaluator'):
        assert applied[key] == cfg[key], key
    assert cfg.val_dataloader == cfg.test_dataloader
    for split in ('val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        assert dataset.metainfo.protocol == 'charades_video'
        assert dataset.label_level == 'video'
        metrics = [m['type'] for m in cfg[f'{split}_evaluator']]
        assert metrics == ['CharadesMAP', 'MultilabelBCELoss'], metrics
    test = cfg.test_dataloader.dataset.pipeline
    train = _sampler(cfg.train_dataloader.dataset.pipeline)
    if cfg.model.type == 'VTNRecognizer':
        assert _sampler(test)['type'] == 'WholeVideoSampler'
    else:
        assert _sampler(test) == dict(train, num_clips=10, test_mode=True)
    crops = [t for t in _types(test) if t.endswith('Crop')]
    assert crops == ([] if path in MINI else ['ThreeCrop']), crops


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_spec_clips_protocol_resolves(path):
    """spec_clips: the specification's 4 stride clips (VTN: its one pass)
    with clip labels, and the accuracies of Tables 4.1-4.2."""
    cfg = apply_protocol(copy.deepcopy(_load(path)), 'spec_clips')
    dataset = cfg.test_dataloader.dataset
    assert dataset.metainfo.protocol == 'spec_clips'
    assert dataset.label_level == 'clip'
    assert dataset.label_space == cfg.train_dataloader.dataset.label_space
    assert dataset.ann_file == _load(path).test_dataloader.dataset.ann_file
    sampler = _sampler(dataset.pipeline)
    if cfg.model.type == 'VTNRecognizer':
        assert sampler['type'] == 'WholeVideoSampler'
    else:
        assert sampler['type'] == 'StrideClipSampler'
        assert sampler['max_clips'] == 4
        assert sampler['clip_len'] == _sampler(
            cfg.train_dataloader.dataset.pipeline)['clip_len']
    assert 'ThreeCrop' not in _types(dataset.pipeline)
    assert [m['type'] for m in cfg.test_evaluator] == [
        'CharadesMAP', 'TopKMultilabelAccuracy', 'MultilabelAccuracy',
        'MultilabelBCELoss']


@pytest.mark.parametrize('path', MINI, ids=lambda p: p.name)
def test_mini_config_uses_spec_samplers(path):
    """Mini configs train with the dilated sampler and, under spec_clips,
    test with 4 stride clips (VTN: whole-video frames in one pass, as the
    paper does)."""
    cfg = apply_protocol(copy.deepcopy(_load(path)), 'spec_clips')
    assert cfg.model.cls_head.num_classes == cfg.num_classes == 21
    train = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    test = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    if cfg.model.type == 'VTNRecognizer':
        assert 'WholeVideoSampler' in train and 'WholeVideoSampler' in test
    else:
        assert 'DilatedClipSampler' in train
        assert test['StrideClipSampler']['max_clips'] == 4
