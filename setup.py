"""Installs the ``mmaction-charades`` distribution (import name ``mmaction_charades``).

Runtime requirements are named, with the version ranges the code works
with, in ``requirements/runtime.txt``, those of the extras in
``requirements/<extra>.txt``: ``mmcv-lite`` (an MMCV where there is none),
``data`` (PyAV, to write videos), ``plots`` (matplotlib, for
``tools/analysis/plot_curves.py``), ``benchmarks`` and ``tests`` (everything
the suite needs). Installing into an existing environment thus keeps its
versions; the tested ones are pinned in ``requirements/constraints.txt``,
which the Makefile and CI pass to pip (``pip install -c``).
"""
import re
from pathlib import Path

from setuptools import find_namespace_packages, setup

ROOT = Path(__file__).parent
REQ = ROOT / 'requirements'
EXTRAS = ('mmcv-lite', 'data', 'plots', 'benchmarks', 'tests')


def _names(path: Path) -> list:
    lines = (ln.split('#')[0].strip() for ln in path.read_text().splitlines())
    return [ln for ln in lines if ln]


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
    install_requires=_names(REQ / 'runtime.txt'),
    extras_require={
        extra: _names(REQ / f'{extra}.txt')
        for extra in EXTRAS
    },
    zip_safe=False,
)
