"""Our tools/test.py and MMAction2's own (the wheel's, and a v1.2.0 git
checkout's) print the same table and write the same results.json, naming
the same protocol: both come from the config's ResultsReportHook. Ours
selects spec_clips with ``--protocol spec_clips``, MMAction2's with the
derived config of the README."""
import json
import os
from pathlib import Path

import pytest
from mmengine.config import Config

import mmaction_charades  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/r3d18_mini_charades21.py'
HEADER = 'Test results (protocol {}):'
pytestmark = pytest.mark.slow


def _evaluator_option(type_: str, key: str, value) -> str:
    """``--cfg-options`` item setting ``key`` of the ``type_`` metric of
    spec_clips."""
    evaluator = Config.fromfile(
        ROOT / CONFIG).test_protocols.spec_clips.test_evaluator
    (index, ) = [i for i, m in enumerate(evaluator) if m['type'] == type_]
    return f'test_evaluator.{index}.{key}={value}'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory, mini_charades, mini_data_options, run_tool):
    """A checkpoint of one training epoch, without validation."""
    work_dir = tmp_path_factory.mktemp('train')
    result = run_tool([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--seed', '0',
        '--cfg-options', *mini_data_options(mini_charades),
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=2'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    return work_dir / 'epoch_1.pth'


def _spec_clips_config(directory: Path) -> Path:
    """The README's derived config selecting spec_clips for MMAction2's
    tools."""
    path = directory / 'r3d18_mini_charades21_spec_clips.py'
    path.write_text(
        f'_base_ = {str(ROOT / CONFIG)!r}\n'
        'test_dataloader = {{_base_.test_protocols.spec_clips.'
        'test_dataloader}}\n'
        'test_evaluator = {{_base_.test_protocols.spec_clips.'
        'test_evaluator}}\n')
    return path


def _test(tool, checkpoint, work_dir, options, run_tool, *extra, env=None,
          protocol='spec_clips'):
    """Run ``tool`` under ``protocol`` (spec_clips: with a threshold of
    0.3; by ``--protocol`` for our tool, the derived config for
    MMAction2's); its result and results.json (None if not written)."""
    config, args = ROOT / CONFIG, []
    if protocol == 'spec_clips':
        options = [*options,
                   _evaluator_option('MultilabelAccuracy', 'threshold', 0.3)]
        if str(tool) == 'tools/test.py':
            args = ['--protocol', 'spec_clips']
        else:
            config = _spec_clips_config(work_dir)
    result = run_tool([
        tool, config, checkpoint, *args, '--work-dir', work_dir,
        '--cfg-options', *options, *extra
    ], env=env)
    path = work_dir / 'results.json'
    return result, json.loads(path.read_text()) if path.exists() else None


def _printed_table(stdout: str, protocol: str = 'spec_clips') -> str:
    """The lines logged after HEADER, up to the ``WAP`` line."""
    lines = stdout.splitlines()
    (start, ) = [i for i, line in enumerate(lines)
                 if line.endswith(HEADER.format(protocol))]
    end = next(i for i in range(start, len(lines))
               if lines[i].startswith('WAP: '))
    return '\n'.join(lines[start + 1:end + 1])


def _run_ours(checkpoint, work_dir, options, run_tool, protocol):
    result, results = _test('tools/test.py', checkpoint, work_dir, options,
                            run_tool, protocol=protocol)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, results, (work_dir / 'results.md').read_text()


@pytest.fixture(scope='module')
def ours(checkpoint, tmp_path_factory, mini_charades, mini_data_options,
         run_tool):
    """Our tool under spec_clips."""
    return _run_ours(checkpoint, tmp_path_factory.mktemp('ours'),
                     mini_data_options(mini_charades), run_tool,
                     'spec_clips')


@pytest.fixture(scope='module')
def ours_video(checkpoint, tmp_path_factory, mini_charades,
               mini_data_options, run_tool):
    """Our tool under the default protocol, charades_video."""
    return _run_ours(checkpoint, tmp_path_factory.mktemp('ours_video'),
                     mini_data_options(mini_charades), run_tool, None)


def test_our_tool_reports_once_with_the_configured_threshold(ours):
    stdout, results, markdown = ours
    table = _printed_table(stdout)
    assert '| Threshold (0.3) |' in table and 'Threshold (0.5)' not in table
    assert markdown.startswith('Protocol: spec_clips\n\n' + table +
                               '\n\nPer-class average precision:')
    assert stdout.count('Test results (') == 1
    assert stdout.count('results written to') == 1
    assert stdout.splitlines()[-2:] == [f"WAP: {results['WAP']:.4f}",
                                        f"mAP: {results['mAP']:.4f}"]
    assert results['protocol'] == 'spec_clips'
    assert len([k for k in results if k.startswith('AP/')]) == 21


def test_our_tool_defaults_to_charades_video(ours_video):
    """No table; loss, mAP and WAP; per-class APs in the results files but
    not on the one-line log of the metrics."""
    stdout, results, markdown = ours_video
    assert _printed_table(stdout, 'charades_video').splitlines()[0].startswith(
        'test_loss: ')
    assert results['protocol'] == 'charades_video'
    assert not any(key.startswith(('top', 'threshold')) for key in results)
    assert len([k for k in results if k.startswith('AP/')]) == 21
    assert 'Per-class average precision:' in markdown
    assert 'AP/' not in stdout  # MMEngine's one-line log had 21 of them
    assert stdout.splitlines()[-1] == f"mAP: {results['mAP']:.4f}"


def _assert_same_report(ours, result, results, protocol='spec_clips'):
    assert result.returncode == 0, result.stderr[-3000:]
    assert results is not None, 'no results.json written'
    our_stdout, our_results, _ = ours
    assert results.keys() == our_results.keys()
    assert results['protocol'] == our_results['protocol'] == protocol
    for key, value in our_results.items():
        assert results[key] == (value if not isinstance(value, float) else
                                pytest.approx(value, abs=1e-6)), key
    assert (_printed_table(result.stdout, protocol)
            == _printed_table(our_stdout, protocol))


def _wheel_tool() -> Path:
    from mmengine.utils import get_installed_path
    tool = Path(get_installed_path('mmaction2')) / '.mim/tools/test.py'
    if not tool.is_file():
        pytest.skip('this mmaction2 install ships no tools/')
    return tool


def test_mmaction2_wheel_tool_reports_the_same(ours, checkpoint, tmp_path,
                                               mini_charades,
                                               mini_data_options, run_tool):
    _assert_same_report(ours, *_test(_wheel_tool(), checkpoint, tmp_path,
                                     mini_data_options(mini_charades),
                                     run_tool))


def test_mmaction2_wheel_tool_reports_the_same_charades_video(
        ours_video, checkpoint, tmp_path, mini_charades, mini_data_options,
        run_tool):
    _assert_same_report(ours_video, *_test(
        _wheel_tool(), checkpoint, tmp_path,
        mini_data_options(mini_charades), run_tool, protocol=None),
        protocol='charades_video')


@pytest.mark.skipif(
    not os.environ.get('MMACTION2_CHECKOUT'),
    reason='set MMACTION2_CHECKOUT to an MMAction2 v1.2.0 checkout')
def test_mmaction2_checkout_tool_reports_the_same(ours, checkpoint, tmp_path,
                                                  mini_charades,
                                                  mini_data_options,
                                                  run_tool):
    """``MMACTION2_CHECKOUT``: a git checkout of MMAction2 v1.2.0, run as
    from the checkout: its ``mmaction`` package first on the path."""
    checkout = Path(os.environ['MMACTION2_CHECKOUT'])
    version = checkout / 'mmaction' / 'version.py'
    if "__version__ = '1.2.0'" not in version.read_text():
        pytest.fail(f'{checkout} is not MMAction2 v1.2.0 ({version})')
    env = dict(PYTHONPATH=os.pathsep.join(
        [str(checkout), os.environ.get('PYTHONPATH', '')]))
    imported = run_tool(['-c', 'import mmaction; print(mmaction.__file__)'],
                        env=env)
    assert Path(imported.stdout.strip()).is_relative_to(checkout)
    _assert_same_report(ours, *_test(checkout / 'tools' / 'test.py',
                                     checkpoint, tmp_path,
                                     mini_data_options(mini_charades),
                                     run_tool, env=env))


def test_our_tool_refuses_a_prefixed_map(checkpoint, tmp_path, mini_charades,
                                         mini_data_options, run_tool):
    """The hook logs how to fix the config; our tool then exits with 2."""
    result, results = _test(
        'tools/test.py', checkpoint, tmp_path,
        mini_data_options(mini_charades), run_tool,
        _evaluator_option('CharadesMAP', 'prefix', 'clip'))
    assert results['protocol'] == 'spec_clips'
    assert result.returncode == 2
    assert 'clip/mAP' in results and 'mAP' not in results
    fix = ('the test evaluator reported no `mAP`: keep '
           "dict(type='CharadesMAP') without a prefix in test_evaluator")
    assert fix in result.stdout  # the hook's logged error
    assert f'error: {fix}' in result.stderr  # the tool's
    assert f'clip/mAP: {results["clip/mAP"]:.4f}' in result.stdout


def test_our_tool_reports_for_a_config_with_its_own_hooks(
        checkpoint, tmp_path, mini_charades, mini_data_options, run_tool):
    """A config setting its own ``custom_hooks`` replaces the default
    runtime's list; our tool adds the report hook back, with a warning."""
    config = tmp_path / 'own_hooks.py'
    config.write_text(f'_base_ = {str(ROOT / CONFIG)!r}\n'
                      "custom_hooks = [dict(type='PosWeightHook')]\n")
    result = run_tool([
        'tools/test.py', config, checkpoint, '--protocol', 'spec_clips',
        '--work-dir', tmp_path / 'work', '--cfg-options',
        *mini_data_options(mini_charades)
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'custom_hooks has no ResultsReportHook' in result.stdout
    results = json.loads((tmp_path / 'work' / 'results.json').read_text())
    assert result.stdout.splitlines()[-1] == f"mAP: {results['mAP']:.4f}"
    assert _printed_table(result.stdout).count('| Top-') == 3
