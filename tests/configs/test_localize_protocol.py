"""The charades_localize protocol overrides resolve on the configs and run
on the generated mini-Charades."""
from pathlib import Path

import pytest
from mmengine.config import Config

import mmaction_charades  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
BASES = ROOT / 'configs' / '_base_' / 'datasets'


def _localize(config: str, protocol: str) -> Config:
    cfg = Config.fromfile(str(ROOT / 'configs' / config))
    cfg.merge_from_dict(
        Config.fromfile(str(BASES / protocol)).charades_localize)
    return cfg


@pytest.mark.parametrize('config,protocol,clip_len', [
    ('swin_t_charades157.py', 'charades_localize.py', 16),
    ('mvitv2_s_charades21.py', 'charades_localize.py', 16),
    ('r3d18_mini_charades21.py', 'mini_charades_localize.py', 8)])
def test_protocol_matches_the_training_geometry(config, protocol, clip_len):
    cfg = _localize(config, protocol)
    train = {s['type']: s for s in cfg.train_dataloader.dataset.pipeline}
    test = {s['type']: s for s in cfg.test_dataloader.dataset.pipeline}
    sampler = test['TimePointClipSampler']
    assert (sampler.clip_len, sampler.span) == (
        train['DilatedClipSampler'].clip_len,
        train['DilatedClipSampler'].span) == (clip_len, 3.0)
    assert cfg.model.cls_head.average_clips == 'none'
    assert cfg.test_evaluator == [dict(type='CharadesLocalizationMAP')]
    # validation keeps the standard protocol
    assert 'TimePointClipSampler' not in {
        s['type'] for s in cfg.val_dataloader.dataset.pipeline}


@pytest.mark.slow
def test_protocol_runs_on_mini_charades(mini_charades, tmp_path):
    from mmengine.runner import Runner
    cfg = _localize('r3d18_mini_charades21.py', 'mini_charades_localize.py')
    cfg.work_dir = str(tmp_path)
    cfg.test_dataloader.update(batch_size=2, num_workers=0,
                               persistent_workers=False)
    cfg.test_dataloader.dataset.update(
        ann_file=str(mini_charades / 'Charades_v1_test.csv'),
        data_prefix=dict(video=str(mini_charades / 'videos')))
    metrics = Runner.from_cfg(cfg).test()
    assert set(metrics) == {'mAP', 'WAP'}
    assert 0 < metrics['mAP'] <= 1 and 0 < metrics['WAP'] <= 1
    # the results files of the config's ResultsReportHook
    assert (tmp_path / 'results.json').is_file()
