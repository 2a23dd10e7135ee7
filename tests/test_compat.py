"""The compatibility shims apply only where their upstream bug is present,
and say so."""
import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mmaction_charades
from mmaction_charades import compat

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> subprocess.CompletedProcess:
    """``python -c CODE`` with Python's default warning filters, outside a
    distributed launch."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONWARNINGS', 'FORCE_COLOR',
                        *compat.RANK_VARIABLES)}
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env=env)


# MMLogger's console format, then the line each applied shim logs.
SHIM_LINE = re.compile(r'\d\d/\d\d \d\d:\d\d:\d\d - mmengine - INFO - '
                       r'mmaction_charades compat shim (\w+): patched \S.*: '
                       r'\S.*')


@pytest.mark.parametrize('rank_variable', compat.RANK_VARIABLES)
def test_import_prints_its_shim_lines_and_nothing_else(rank_variable):
    result = run_python('import mmaction_charades')
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert all(SHIM_LINE.fullmatch(line) for line in lines), lines
    # the shims that apply in a fresh process; other ranks (torchrun, Slurm,
    # MPI) log nothing
    other_rank = run_python(f'''
        import os
        os.environ[{rank_variable!r}] = '1'
        import json, mmaction_charades
        print(json.dumps(mmaction_charades.compat.APPLIED))
    ''')
    assert other_rank.returncode == 0, other_rank.stderr
    *logged, applied = other_rank.stdout.splitlines()
    assert logged == [] and other_rank.stderr == ''
    applied = json.loads(applied)
    assert applied, 'no shim applies here: the test checks nothing'
    assert [SHIM_LINE.fullmatch(line)[1] for line in lines] == applied


def test_mmaction_models_import_after_plugin():
    import mmaction.models  # noqa: F401  (fails without the drn shim)
    from mmaction.registry import MODELS
    assert MODELS.get('Recognizer3D') is not None


def test_drn_placeholder_explains_itself():
    if 'drn' not in compat.APPLIED:
        pytest.skip('this mmaction2 ships the drn package')
    from mmaction.models.localizers.drn.drn import DRN
    with pytest.raises(ImportError, match='lacks the package'):
        DRN()


def test_drn_shim_is_a_no_op_when_upstream_is_fixed(monkeypatch):
    monkeypatch.setattr(compat, '_mmaction_has_drn', lambda: True)
    monkeypatch.delitem(sys.modules, 'mmaction.models.localizers.drn',
                        raising=False)
    assert compat._shim_drn() is False
    assert 'mmaction.models.localizers.drn' not in sys.modules


def test_pkg_resources_shim_resolves_mmaction_config_bases():
    """Without pkg_resources (setuptools>=82) the `mmaction::` bases of our
    configs still resolve."""
    result = run_python('''
        import sys
        sys.modules['pkg_resources'] = None  # as if setuptools>=82
        import mmaction_charades
        from mmaction_charades import compat
        assert 'pkg_resources' in compat.APPLIED, compat.APPLIED
        from mmengine.config import Config
        cfg = Config.fromfile('configs/swin_t_mini_charades21.py')
        print(cfg.model.backbone.type, cfg.default_scope)
    ''')
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ['SwinTransformer3D',
                                                      'mmaction']


def test_pkg_resources_shim_is_a_no_op_when_present():
    pytest.importorskip('pkg_resources')
    assert compat._shim_pkg_resources() is False


def test_shims_are_applied_once(monkeypatch):
    """A second ``apply()`` neither patches again nor says anything."""
    before, patched = list(compat.APPLIED), mmaction_charades.patched()
    logged = []
    monkeypatch.setattr(compat, '_log', logged.append)
    assert compat.apply() == before
    assert mmaction_charades.patched() == patched
    assert logged == []


def test_applying_the_shims_registers_nothing():
    """compat imports no module of the package but ``patches``: applying the
    shims neither registers components nor installs the checkpoint guard."""
    tree = ast.parse(Path(compat.__file__).read_text())
    imported = {(node.module, tuple(a.name for a in node.names))
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level}
    assert imported == {(None, ('patches', ))}


def test_patched_lists_every_shim_with_its_reason():
    listed = {p.owner: p.reason for p in mmaction_charades.patched()}
    assert {name: compat.REASONS[name] for name in compat.APPLIED} == {
        name: listed[name] for name in compat.APPLIED}
    assert 'checkpoint_guard' in listed


def test_restore_puts_the_originals_back():
    if not {'swin_train', 'cpu_dist'} <= set(compat.APPLIED):
        pytest.skip('swin_train or cpu_dist does not apply here')
    result = run_python('''
        import mmaction_charades
        from mmaction_charades import compat
        from mmaction.models.backbones.swin import SwinTransformer3D
        from mmengine.dist import utils
        swin = SwinTransformer3D(
            arch=dict(embed_dims=8, depths=[1] * 4, num_heads=[1] * 4),
            pretrained2d=False, window_size=(2, 2, 2))
        patched_dist = utils._init_dist_pytorch
        undone = compat.restore()
        owners = {p.owner for p in mmaction_charades.patched()}
        print(swin.eval() is None, utils._init_dist_pytorch is patched_dist,
              owners.isdisjoint(undone), compat.APPLIED)
        assert {'swin_train', 'cpu_dist'} <= set(compat.apply())
        print(swin.eval() is swin, utils._init_dist_pytorch._cpu_shim)
    ''')
    assert result.returncode == 0, result.stderr
    restored, reapplied = [ln for ln in result.stdout.splitlines()
                           if 'compat shim' not in ln]
    assert restored == 'True False True []'
    assert reapplied == 'True True'


def test_swin_eval_returns_the_module():
    """Upstream SwinTransformer3D.train returns None; `.eval()` must chain."""
    from mmaction.models import SwinTransformer3D
    backbone = SwinTransformer3D(
        arch=dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1]),
        pretrained2d=False, window_size=(2, 2, 2))
    assert backbone.eval() is backbone and not backbone.training
    assert backbone.train() is backbone and backbone.training


def test_swin_check_reads_the_code_not_its_words():
    """The swin_train shim applies while ``train`` returns no value, whatever
    its docstring says."""

    def buggy(self, mode=True):
        """Set the mode and return nothing (upstream's bug)."""
        super().train(mode)

    def fixed(self, mode=True):
        super().train(mode)
        return self

    assert not compat._returns_value(buggy)
    assert compat._returns_value(fixed)


def test_import_is_quiet():
    """No deprecation or mmcv-lite warning on `import mmaction_charades`."""
    result = run_python('''
        import warnings
        warnings.simplefilter('always')
        import mmaction_charades, mmaction.models
    ''')
    assert result.returncode == 0, result.stderr
    assert 'pkg_resources' not in result.stderr
    assert 'MultiScaleDeformableAttention' not in result.stderr
