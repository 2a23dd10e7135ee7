"""Files adapted from Apache-2.0 originals say so, as the licence asks."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize('name', ['tools/train.py', 'tools/test.py',
                                  'tools/dist_train.sh', 'tools/dist_test.sh'])
def test_tools_adapted_from_mmaction2_carry_its_notice(name):
    head = ''.join((ROOT / name).read_text().splitlines(True)[:6])
    assert ('# Adapted from MMAction2 (https://github.com/open-mmlab/'
            f'mmaction2),\n# {name}, Copyright (c) OpenMMLab. Licensed under '
            'the Apache\n# License 2.0') in head
    assert name in (ROOT / 'README.md').read_text().split(
        '## Licence and attribution')[1]
