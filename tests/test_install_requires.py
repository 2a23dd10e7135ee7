"""``pip install -e .`` states ranges and keeps a user's versions; the exact
pins live in requirements/constraints.txt, which satisfies those ranges."""
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import setuptools
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
#: Distributions that unpack a package that another one provides too (two
#: MMCVs, four OpenCVs) or that the environment owns (setuptools).
NOT_REQUIRED = ('mmcv', 'mmcv-lite', 'mmcv-full', 'opencv-python',
                'opencv-contrib-python', 'opencv-python-headless',
                'setuptools')


@pytest.fixture(scope='module')
def setup_kwargs():
    """What setup.py passes to ``setuptools.setup``."""
    captured = {}
    original = setuptools.setup
    setuptools.setup = captured.update
    try:
        runpy.run_path(str(ROOT / 'setup.py'), run_name='__main__')
    finally:
        setuptools.setup = original
    return captured


def _pins():
    pins = {}
    for line in (ROOT / 'requirements/constraints.txt').read_text().split('\n'):
        line = line.split('#')[0].strip()
        if line:
            req = Requirement(line)
            (spec, ) = req.specifier
            assert spec.operator == '==', line
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def _requirements(kwargs):
    yield from map(Requirement, kwargs['install_requires'])
    for extra in kwargs['extras_require'].values():
        yield from map(Requirement, extra)


def test_install_requires_are_ranges_the_pins_satisfy(setup_kwargs):
    pins = _pins()
    runtime = {canonicalize_name(Requirement(r).name)
               for r in setup_kwargs['install_requires']}
    assert {'torch', 'numpy', 'mmengine', 'mmaction2'} <= runtime
    assert not runtime & set(NOT_REQUIRED)
    for req in _requirements(setup_kwargs):
        assert all(s.operator not in ('==', '===') for s in req.specifier), \
            req
        version = pins[canonicalize_name(req.name)]
        assert req.specifier.contains(version, prereleases=True), \
            f'constraints pin {req.name}=={version} outside {req}'
    assert setup_kwargs['extras_require']['mmcv-lite'] == [
        'mmcv-lite>=2.0.0rc4,<2.2'
    ]


def test_makefile_installs_with_the_pins_and_the_lite_mmcv():
    makefile = (ROOT / 'Makefile').read_text()
    assert "pip install -q -c $(CONSTRAINTS) -e '.[mmcv-lite,tests]'" in \
        makefile


def _dry_run(*args):
    return subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--dry-run',
         '--ignore-installed', '--no-build-isolation', '--quiet', *args],
        capture_output=True, text=True, cwd=ROOT)


@pytest.mark.slow
@pytest.mark.registry
@pytest.mark.parametrize('target, user', [
    ('.', ['numpy==1.26.4', 'torch==2.5.1', 'mmengine==0.10.4']),
    ('.[mmcv-lite]', ['numpy==2.0.2', 'mmcv-lite==2.0.1']),
])
def test_dry_run_resolves_beside_other_compatible_versions(tmp_path, target,
                                                           user):
    """Resolve ``pip install -e`` together with other compatible versions
    pinned as a user's environment has them (a fresh resolution, not an
    installed environment): the ranges admit them, and no MMCV is added
    unless asked."""
    probe = _dry_run('--no-deps', 'numpy==1.26.4')
    if probe.returncode:
        pytest.skip('package registry unreachable (pip: '
                    f'{probe.stderr.strip().splitlines()[-1:]})')
    report = tmp_path / 'report.json'
    result = _dry_run('--report', str(report), '-e', target, *user)
    assert result.returncode == 0, result.stderr
    chosen = {
        canonicalize_name(item['metadata']['name']):
        item['metadata']['version']
        for item in json.loads(report.read_text())['install']
    }
    for pin in user:
        name, version = pin.split('==')
        assert chosen[name] == version
    assert chosen['mmaction2'].startswith('1.2.')
    mmcvs = {'mmcv', 'mmcv-lite', 'mmcv-full'} & set(chosen)
    assert mmcvs == (set() if target == '.' else {'mmcv-lite'})


def test_import_without_mmcv_names_the_two_mmcvs():
    code = "import sys; sys.modules['mmcv'] = None; import mmaction_charades"
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True, text=True)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('ImportError: mmaction_charades needs MMCV 2.0')
    assert "'mmcv-lite>=2.0.0rc4,<2.2'" in last and 'full mmcv 2.1' in last
