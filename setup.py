"""Installs the ``mmaction-charades`` distribution (import name ``mmaction_charades``).

Runtime requirements are named in ``requirements/runtime.txt``, those of the
extras in ``requirements/<extra>.txt``: ``data`` (PyAV, to write videos),
``plots`` (matplotlib, for ``tools/analysis/plot_curves.py``), ``benchmarks``
and ``tests`` (everything the suite needs). Their tested versions are pinned
once, in ``requirements/constraints.txt``, which the Makefile also passes to
pip.
"""
import re
from pathlib import Path

from setuptools import find_namespace_packages, setup

ROOT = Path(__file__).parent
REQ = ROOT / 'requirements'
EXTRAS = ('data', 'plots', 'benchmarks', 'tests')


def _names(path: Path) -> list:
    lines = (ln.split('#')[0].strip() for ln in path.read_text().splitlines())
    return [ln for ln in lines if ln]


def _pins() -> dict:
    pins = {}
    for line in _names(REQ / 'constraints.txt'):
        name = re.split(r'[=<>!~ ]', line, maxsplit=1)[0]
        pins[name.lower()] = line
    return pins


def _pinned(path: Path) -> list:
    pins = _pins()
    return [pins.get(name.lower(), name) for name in _names(path)]


def _version() -> str:
    text = (ROOT / 'plugin/mmaction_charades/version.py').read_text()
    return re.search(r"__version__ = '([^']+)'", text).group(1)


setup(
    name='mmaction-charades',
    version=_version(),
    description='Charades multi-label video recognition for MMAction2: '
    'dataset, clip samplers, losses, metrics and video transformers.',
    long_description=(ROOT / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    package_dir={'': 'plugin'},
    # Namespace discovery also lists datasets/data (the class list and the
    # 157-to-21 mapping), which has no __init__.py.
    packages=find_namespace_packages(
        'plugin', include=['mmaction_charades*'], exclude=['*.__pycache__']),
    package_data={'mmaction_charades.datasets.data': ['*']},
    include_package_data=True,
    install_requires=_pinned(REQ / 'runtime.txt'),
    extras_require={
        extra: _pinned(REQ / f'{extra}.txt')
        for extra in EXTRAS
    },
    zip_safe=False,
)
