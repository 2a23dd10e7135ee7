"""Every command-line mistake in tools/train.py and tools/test.py: exit
status 2, one ``error: ...`` line saying what was expected, no traceback."""
import shutil
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/swin_t_mini_charades21.py'
#: The config's own value, which the dict-onto-int error quotes back.
CONFIG_EPOCHS = Config.fromfile(str(ROOT / CONFIG)).train_cfg.max_epochs
TRAIN, TEST = 'tools/train.py', 'tools/test.py'
pytestmark = pytest.mark.slow


def _write(path: Path, text) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def _checkpoint(tmp: Path) -> Path:
    path = tmp / 'good.pth'
    torch.save({'state_dict': {'w': torch.zeros(256)}}, path)
    return path


def _truncated(tmp: Path) -> Path:
    data = _checkpoint(tmp).read_bytes()
    return _write(tmp / 'truncated.pth', data[:len(data) // 2])


def _bad_annotations(tmp: Path, data: Path) -> list:
    """The mini-Charades with a length of ``abc`` on line 3 of the train
    CSV."""
    lines = (data / 'Charades_v1_train.csv').read_text().splitlines()
    lines[2] = lines[2].rsplit(',', 1)[0] + ',abc'
    ann = _write(tmp / 'train.csv', '\n'.join(lines) + '\n')
    return [f'train_dataloader.dataset.ann_file={ann}']


def _bad_videos(tmp: Path, data: Path) -> list:
    """The mini-Charades whose train videos are all undecodable."""
    videos = tmp / 'videos'
    shutil.copytree(data / 'videos', videos)
    for video in videos.iterdir():
        video.write_bytes(b'not a video')
    return [f'train_dataloader.dataset.data_prefix.video={videos}']


NO_GPU = pytest.mark.skipif(torch.cuda.is_available(),
                            reason='--amp works on this machine')

# (id, arguments, expected phrase, setup): `{tmp}` is the test's tmp_path,
# where `setup(tmp)` writes the files the row names. Rows in DATA_CASES train
# on the mini-Charades, and their `setup(tmp, data)` returns the extra
# --cfg-options that break it.
CASES = [
    # the config
    ('config_missing', [TRAIN, '{tmp}/nope.py'], 'does not exist', None),
    ('config_syntax', [TRAIN, '{tmp}/syntax.py'], 'syntax.py\', line 3',
     lambda t: _write(t / 'syntax.py', 'x = 1\ny = 2\nmodel = dict(a b)\n')),
    ('config_base_syntax', [TRAIN, '{tmp}/child.py'], 'base.py',
     lambda t: (_write(t / 'base.py', 'model = dict(\n'),
                _write(t / 'child.py', "_base_ = './base.py'\n"))),
    ('config_empty', [TRAIN, '{tmp}/empty.py'], 'is empty',
     lambda t: _write(t / 'empty.py', '')),
    ('config_txt', [TRAIN, '{tmp}/cfg.txt'], 'expected a .py config',
     lambda t: _write(t / 'cfg.txt', 'model = dict()\n')),
    ('config_no_model', [TRAIN, '{tmp}/x.py'], 'defines no `model`',
     lambda t: _write(t / 'x.py', 'x = 1\n')),
    ('config_unknown_type', [TRAIN, '{tmp}/bad.py'],
     "unknown type 'NoSuchBackbone'",
     lambda t: _write(t / 'bad.py', f"_base_ = '{ROOT / CONFIG}'\nmodel = "
                      "dict(backbone=dict(type='NoSuchBackbone'))\n")),
    # --cfg-options
    ('options_no_equals', [TRAIN, CONFIG, '--cfg-options', 'foo'],
     "'foo' is not KEY=VALUE", None),
    ('options_empty_value',
     [TRAIN, CONFIG, '--cfg-options', 'train_cfg.max_epochs='],
     'empty VALUE', None),
    ('options_unbalanced',
     [TRAIN, CONFIG, '--cfg-options', 'model.backbone.window_size=[1,2'],
     'unbalanced brackets', None),
    ('options_not_a_number',
     [TRAIN, CONFIG, '--cfg-options', 'train_cfg.max_epochs=abc'],
     "train_cfg.max_epochs='abc': expected an integer >= 1", None),
    ('options_lr_not_a_number',
     [TRAIN, CONFIG, '--cfg-options', 'optim_wrapper.optimizer.lr=abc'],
     'expected a number (the config has', None),
    ('options_negative_batch',
     [TRAIN, CONFIG, '--cfg-options', 'train_dataloader.batch_size=-1'],
     'batch_size=-1: expected an integer >= 1', None),
    ('options_negative_workers',
     [TRAIN, CONFIG, '--cfg-options', 'train_dataloader.num_workers=-1'],
     'num_workers=-1: expected an integer >= 0', None),
    ('options_dict_onto_int',
     [TRAIN, CONFIG, '--cfg-options', 'train_cfg.max_epochs.x=1'],
     f'train_cfg.max_epochs is {CONFIG_EPOCHS}, not a dict', None),
    ('options_index_out_of_range',
     [TRAIN, CONFIG, '--cfg-options',
      'train_dataloader.dataset.pipeline.99.type=Resize'],
     'expected an index below', None),
    ('options_bad_seed',
     [TRAIN, CONFIG, '--cfg-options', 'randomness.seed=-1'],
     'expected None or an integer from 0 to 4294967295', None),
    ('options_load_from_missing',
     [TRAIN, CONFIG, '--work-dir', '{tmp}', '--cfg-options',
      'load_from={tmp}/nope.pth'], 'does not exist', None),
    # other switches
    ('seed_negative', [TRAIN, CONFIG, '--seed', '-5'],
     'expected an integer from 0 to 4294967295', None),
    ('seed_too_large', [TRAIN, CONFIG, '--seed', '99999999999'],
     'expected an integer from 0 to 4294967295', None),
    ('seed_not_int', [TRAIN, CONFIG, '--seed', 'abc'],
     'expected an integer from 0 to 4294967295', None),
    ('unknown_switch', [TRAIN, CONFIG, '--epochs', '3'],
     'unrecognized arguments: --epochs', None),
    ('no_config', [TRAIN], 'the following arguments are required: config',
     None),
    ('launcher_unknown', [TRAIN, CONFIG, '--launcher', 'torchrun'],
     'invalid choice', None),
    ('launcher_pytorch_without_torchrun',
     [TRAIN, CONFIG, '--launcher', 'pytorch'], 'tools/dist_train.sh', None),
    ('launcher_slurm_without_srun', [TRAIN, CONFIG, '--launcher', 'slurm'],
     'srun', None),
    pytest.param('amp_without_gpu', [TRAIN, CONFIG, '--amp'],
                 '--amp needs a GPU', None, marks=NO_GPU),
    ('amp_unsupported_wrapper',
     [TRAIN, CONFIG, '--amp', '--cfg-options',
      'optim_wrapper.type=ApexOptimWrapper'],
     'expected OptimWrapper or AmpOptimWrapper', None),
    ('work_dir_is_a_file', [TRAIN, CONFIG, '--work-dir', '{tmp}/file'],
     'is a file: expected a directory',
     lambda t: _write(t / 'file', 'x')),
    # --resume
    ('resume_missing', [TRAIN, CONFIG, '--resume', '{tmp}/nope.pth'],
     'does not exist', None),
    ('resume_empty', [TRAIN, CONFIG, '--resume', '{tmp}/empty.pth'],
     'is empty', lambda t: _write(t / 'empty.pth', b'')),
    ('resume_truncated', [TRAIN, CONFIG, '--resume', '{tmp}/truncated.pth'],
     'not a PyTorch checkpoint', _truncated),
    ('resume_not_a_checkpoint',
     [TRAIN, CONFIG, '--resume', '{tmp}/notes.pth'],
     'not a PyTorch checkpoint', lambda t: _write(t / 'notes.pth', 'hello')),
    ('resume_directory', [TRAIN, CONFIG, '--resume', '{tmp}'],
     'is not a file', None),
    # the data
    ('annotation_error', [TRAIN, CONFIG, '--work-dir', '{tmp}'],
     "train.csv, line 3, field 'length'", _bad_annotations),
    ('annotation_missing', [TRAIN, CONFIG, '--work-dir', '{tmp}'],
     'nope.csv', lambda t, data: [
         f'train_dataloader.dataset.ann_file={t}/nope.csv']),
    pytest.param('every_video_bad', [TRAIN, CONFIG, '--work-dir', '{tmp}'],
                 'no training sample could be read', _bad_videos),
    # tools/test.py
    ('test_no_checkpoint', [TEST, CONFIG],
     'the following arguments are required: checkpoint', None),
    ('test_checkpoint_missing', [TEST, CONFIG, '{tmp}/nope.pth'],
     'does not exist', None),
    ('test_checkpoint_empty', [TEST, CONFIG, '{tmp}/empty.pth'], 'is empty',
     lambda t: _write(t / 'empty.pth', b'')),
    ('test_checkpoint_truncated', [TEST, CONFIG, '{tmp}/truncated.pth'],
     'not a PyTorch checkpoint', _truncated),
    ('test_not_a_checkpoint', [TEST, CONFIG, '{tmp}/notes.pth'],
     'not a PyTorch checkpoint', lambda t: _write(t / 'notes.pth', 'hello')),
    ('test_dump_not_pkl',
     [TEST, CONFIG, '{tmp}/good.pth', '--dump', '{tmp}/preds.txt'],
     'must end in .pkl', _checkpoint),
    ('test_launcher_pytorch_without_torchrun',
     [TEST, CONFIG, '{tmp}/good.pth', '--launcher', 'pytorch'],
     'tools/dist_test.sh', _checkpoint),
    ('test_options_no_equals',
     [TEST, CONFIG, '{tmp}/good.pth', '--cfg-options', 'foo'],
     "'foo' is not KEY=VALUE", _checkpoint),
    ('test_unknown_protocol',
     [TEST, CONFIG, '{tmp}/good.pth', '--protocol', 'video'],
     "--protocol 'video': unknown test protocol, expected one of "
     'charades_video, spec_clips', _checkpoint),
]
DATA_CASES = {'annotation_error', 'annotation_missing', 'every_video_bad'}


def _case_id(case) -> str:
    return case.values[0] if hasattr(case, 'values') else case[0]


@pytest.mark.parametrize('name,args,expected,setup', CASES,
                         ids=[_case_id(case) for case in CASES])
def test_mistake_gives_one_error_line(name, args, expected, setup, tmp_path,
                                      request, mini_data_options, run_tool):
    extra = []
    if name in DATA_CASES:
        data = request.getfixturevalue('mini_charades')
        extra = ['--cfg-options', *mini_data_options(data),
                 'train_cfg.max_epochs=1', 'val_cfg=None',
                 'val_dataloader=None', 'val_evaluator=None']
        extra += setup(tmp_path, data)
    elif setup is not None:
        setup(tmp_path)
    args = [str(arg).format(tmp=tmp_path) for arg in args]
    result = run_tool([*args, *extra], timeout=300)
    errors = [ln for ln in result.stderr.splitlines()
              if ln.startswith('error: ')]
    assert 'Traceback' not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(errors) == 1, result.stderr[-3000:]
    assert expected in errors[0], errors[0]
