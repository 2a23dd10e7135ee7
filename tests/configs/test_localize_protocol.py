"""The charades_localize test protocol resolves on the configs with the
training clip geometry and runs on the generated mini-Charades."""
import copy
from pathlib import Path

import pytest
from mmengine.config import Config

import mmaction_charades  # noqa: F401
from mmaction_charades.utils.cli import UserError
from mmaction_charades.utils.protocols import apply_protocol

ROOT = Path(__file__).resolve().parents[2]


def _localize(config: str) -> Config:
    return apply_protocol(Config.fromfile(str(ROOT / 'configs' / config)),
                          'charades_localize')


@pytest.mark.parametrize('config,clip_len', [
    ('swin_t_charades157.py', 16), ('mvitv2_s_charades21.py', 16),
    ('tubevit_b_charades21.py', 32), ('r3d18_mini_charades21.py', 8)])
def test_protocol_matches_the_training_geometry(config, clip_len):
    cfg = Config.fromfile(str(ROOT / 'configs' / config))
    val = copy.deepcopy(cfg.val_dataloader)
    cfg = apply_protocol(cfg, 'charades_localize')
    train = {s['type']: s for s in cfg.train_dataloader.dataset.pipeline}
    test = {s['type']: s for s in cfg.test_dataloader.dataset.pipeline}
    sampler = test['TimePointClipSampler']
    assert (sampler.clip_len, sampler.span, sampler.num_points) == (
        train['DilatedClipSampler'].clip_len,
        train['DilatedClipSampler'].span, 25) == (clip_len, 3.0, 25)
    assert cfg.model.cls_head.average_clips == 'none'
    assert cfg.test_evaluator == [dict(type='CharadesLocalizationMAP')]
    assert cfg.test_dataloader.dataset.metainfo.protocol == \
        'charades_localize'
    assert cfg.val_dataloader == val  # validation keeps the standard one


def test_whole_video_configs_have_no_localisation():
    cfg = Config.fromfile(str(ROOT / 'configs' / 'vtn_mini_charades21.py'))
    with pytest.raises(UserError, match='charades_video, spec_clips$'):
        apply_protocol(cfg, 'charades_localize')


@pytest.mark.slow
def test_protocol_runs_on_mini_charades(mini_charades, tmp_path):
    from mmengine.runner import Runner
    cfg = _localize('r3d18_mini_charades21.py')
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
    results = (tmp_path / 'results.json').read_text()
    assert '"protocol": "charades_localize"' in results
