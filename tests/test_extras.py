"""Runtime versus tooling: what the runtime imports, and the extras."""
import re
import subprocess
import sys
from pathlib import Path

REQ = Path(__file__).resolve().parents[1] / 'requirements'
OPTIONAL = {'matplotlib': 'plots', 'av': 'data', 'fvcore': 'benchmarks'}


def _names(name):
    lines = (ln.split('#')[0].strip()
             for ln in (REQ / f'{name}.txt').read_text().splitlines())
    return {re.split(r'[=<>!~ ;\[]', ln, maxsplit=1)[0].lower()
            for ln in lines if ln}


def test_runtime_imports_no_plotting_video_writing_or_flop_counting():
    """The plugin, the curve readers, the data-preparation code and the
    test helpers import neither matplotlib nor PyAV nor fvcore."""
    code = ('import sys, mmaction_charades, mmaction_charades.utils.curves, '
            'mmaction_charades.datasets.preparation, '
            'mmaction_charades.testing; '
            f'print(sorted({set(OPTIONAL)!r} & set(sys.modules)))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout
    assert out.splitlines()[-1] == '[]'


def test_optional_packages_are_extras_that_tests_pull():
    runtime, tests = _names('runtime'), _names('tests')
    for package, extra in OPTIONAL.items():
        assert package not in runtime
        assert package in _names(extra)
    assert _names('data') | _names('plots') <= tests
    pinned = _names('constraints')
    for name in ('runtime', 'data', 'plots', 'benchmarks', 'tests'):
        assert _names(name) <= pinned, name
    assert not {'opencv-python', 'opencv-python-headless'} <= pinned
