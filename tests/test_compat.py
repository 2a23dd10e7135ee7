"""The compatibility shims apply only where their upstream bug is present."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mmaction_charades
from mmaction_charades import compat

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


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
    assert result.stdout.split() == ['SwinTransformer3D', 'mmaction']


def test_pkg_resources_shim_is_a_no_op_when_present():
    pytest.importorskip('pkg_resources')
    assert compat._shim_pkg_resources() is False


def test_shims_are_applied_once():
    before = list(compat.APPLIED)
    assert compat.apply() == before
    assert mmaction_charades.compat is compat


def test_swin_eval_returns_the_module():
    """Upstream SwinTransformer3D.train returns None; `.eval()` must chain."""
    from mmaction.models import SwinTransformer3D
    backbone = SwinTransformer3D(
        arch=dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1]),
        pretrained2d=False, window_size=(2, 2, 2))
    assert backbone.eval() is backbone and not backbone.training
    assert backbone.train() is backbone and backbone.training


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
