"""The checks behind the tools' one-line errors, in process (the tools
themselves: tests/tools/test_cli_errors.py)."""
import argparse
import zipfile

import numpy as np
import pytest
import torch

from mmaction_charades.datasets.annotations import AnnotationError
from mmaction_charades.datasets.charades import BadVideoError
from mmaction_charades.utils.cli import (MAX_SEED, ArgumentParser,
                                         CfgOptionsAction, UserError,
                                         _check_option, _one_line,
                                         check_checkpoint, load_config, seed)

BASE = {'train_cfg': {'max_epochs': 12},
        'optim_wrapper': {'optimizer': {'lr': 2e-3}},
        'train_dataloader': {'batch_size': 4, 'persistent_workers': True,
                             'dataset': {'pipeline': [{'type': 'A'}]}},
        'model': {'backbone': {'patch_size': 4}}}


def test_seed_accepts_numpy_range():
    assert seed('0') == 0 and seed(str(MAX_SEED)) == MAX_SEED
    np.random.seed(MAX_SEED)  # the bound is numpy's
    with pytest.raises(ValueError):
        np.random.seed(MAX_SEED + 1)
    for bad in ('-5', str(MAX_SEED + 1), 'abc', '1.5'):
        with pytest.raises(argparse.ArgumentTypeError, match='0 to'):
            seed(bad)


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog='tool')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser


@pytest.mark.parametrize('item,problem', [
    ('foo', 'is not KEY=VALUE'), ('=3', 'is not KEY=VALUE'),
    ('a.b=', 'empty VALUE'), ('a=[1,2', 'unbalanced'), ('a=(1,2]', 'unbal'),
    ('a=]1,2[', 'unbalanced')])
def test_cfg_options_refuses_malformed_items(item, problem, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(['--cfg-options', 'ok=1', item])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith('usage: tool')
    assert lines[-1].startswith('error: argument --cfg-options: ')
    assert problem in lines[-1] and 'expected KEY=VALUE' in lines[-1]


def test_cfg_options_parses_like_dict_action():
    args = _parser().parse_args(
        ['--cfg-options', 'a.b=[(1,2),[3]]', 'c=None', 'd=x', 'e=1,2'])
    assert args.cfg_options == {'a.b': [(1, 2), [3]], 'c': None, 'd': 'x',
                                'e': [1, 2]}


@pytest.mark.parametrize('key,value,expected', [
    ('train_cfg.max_epochs', 'abc', 'expected an integer >= 1'),
    ('train_cfg.max_epochs', 0, 'expected an integer >= 1'),
    ('train_dataloader.batch_size', -1, 'expected an integer >= 1'),
    ('train_dataloader.batch_size', True, 'expected an integer >= 1'),
    ('train_dataloader.batch_size', 2.5, 'expected an integer >= 1'),
    ('val_dataloader.num_workers', -1, 'expected an integer >= 0'),
    ('randomness.seed', MAX_SEED + 1, 'from 0 to 4294967295'),
    ('optim_wrapper.optimizer.lr', 'abc', 'expected a number (the config '
     'has 0.002)'),
    ('train_dataloader.persistent_workers', 'yes', 'expected True or False'),
    ('train_cfg.max_epochs.x', 1, 'train_cfg.max_epochs is 12, not a dict'),
    ('train_dataloader.dataset.pipeline.1.type', 'B',
     'pipeline has 1 entries, expected an index below 1'),
    ('train_dataloader.dataset.pipeline.x', 1, 'not a dict'),
])
def test_check_option_refuses(key, value, expected):
    with pytest.raises(UserError, match=expected.replace('(', r'\(').replace(
            ')', r'\)')):
        _check_option(BASE, key, value)


@pytest.mark.parametrize('key,value', [
    ('train_cfg.max_epochs', 1), ('optim_wrapper.optimizer.lr', 1),
    ('model.backbone.patch_size', (2, 4, 4)), ('randomness.seed', None),
    ('randomness.seed', 0), ('val_dataloader.num_workers', 0),
    ('train_dataloader.dataset.pipeline.0.type', 'B'), ('new.key', 'x'),
    ('train_cfg', None), ('train_dataloader.persistent_workers', False)])
def test_check_option_accepts(key, value):
    _check_option(BASE, key, value)


def test_load_config_applies_valid_options(tmp_path):
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text('model = dict(type="M")\ntrain_cfg = dict(max_epochs'
                        '=12)\n')
    cfg = load_config(str(cfg_file), {'train_cfg.max_epochs': 2},
                      str(tmp_path / 'work'))
    assert cfg.train_cfg.max_epochs == 2 and cfg.launcher == 'none'


def test_load_config_names_syntax_error_in_base(tmp_path):
    (tmp_path / 'base.py').write_text('a = 1\nmodel = dict(\n')
    (tmp_path / 'child.py').write_text("_base_ = ['./base.py']\n")
    with pytest.raises(UserError, match=r"base.py', line 2: '\(' was never"):
        load_config(str(tmp_path / 'child.py'))


@pytest.mark.parametrize('launcher,env,needs', [
    ('pytorch', {'RANK': '0', 'WORLD_SIZE': '1'}, 'MASTER_ADDR, MASTER_PORT'),
    ('slurm', {'SLURM_NTASKS': '1', 'SLURM_NODELIST': 'n'}, 'SLURM_PROCID'),
    ('mpi', {}, 'OMPI_COMM_WORLD_LOCAL_RANK, OMPI_COMM_WORLD_RANK, '
     'OMPI_COMM_WORLD_SIZE')])
def test_load_config_checks_launcher_environment(launcher, env, needs,
                                                 tmp_path, monkeypatch):
    for name in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT',
                 'SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST',
                 'OMPI_COMM_WORLD_LOCAL_RANK', 'OMPI_COMM_WORLD_RANK',
                 'OMPI_COMM_WORLD_SIZE'):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text('model = dict(type="M")\n')
    with pytest.raises(UserError, match=f'needs {needs} in the environment'):
        load_config(str(cfg_file), launcher=launcher)


def test_check_checkpoint_accepts_torch_files(tmp_path):
    state = {'state_dict': {'w': torch.zeros(3)}, 'meta': {'epoch': 1}}
    torch.save(state, tmp_path / 'zip.pth')
    torch.save(state, tmp_path / 'legacy.pth',
               _use_new_zipfile_serialization=False)
    check_checkpoint(str(tmp_path / 'zip.pth'))
    check_checkpoint(str(tmp_path / 'legacy.pth'))
    check_checkpoint('https://example.com/remote.pth')  # not read


def test_check_checkpoint_refuses_non_torch_files(tmp_path):
    torch.save({'w': torch.zeros(100)}, tmp_path / 'good.pth')
    data = (tmp_path / 'good.pth').read_bytes()
    files = {'empty.pth': (b'', 'is empty'),
             'truncated.pth': (data[:len(data) // 2], 'not a PyTorch'),
             'notes.pth': (b'hello\n', 'not a PyTorch')}
    with zipfile.ZipFile(tmp_path / 'other.zip', 'w') as archive:
        archive.writestr('readme.txt', 'not a checkpoint')
    files['other.zip'] = (None, 'not a PyTorch')
    for name, (content, expected) in files.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
        with pytest.raises(UserError, match=expected):
            check_checkpoint(str(tmp_path / name))
    with pytest.raises(UserError, match='is not a file'):
        check_checkpoint(str(tmp_path))
    with pytest.raises(UserError, match='does not exist'):
        check_checkpoint(str(tmp_path / 'nope.pth'))


def test_one_line_maps_user_errors_only():
    error = AnnotationError('a.csv', 3, 'length', 'expected a time')
    assert _one_line(error) == "a.csv, line 3, field 'length': expected a time"
    assert _one_line(BadVideoError('cannot decode\n v.mp4')) == \
        'cannot decode v.mp4'
    assert _one_line(ValueError('a bug')) is None
    assert _one_line(KeyError('x')) is None
