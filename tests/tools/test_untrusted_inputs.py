"""Untrusted checkpoints and predictions files through the tools: nothing in
them runs, each refusal is one `error:` line with exit status 2."""
import functools
import http.server
import pickle
import threading

import pytest
import torch

pytestmark = pytest.mark.slow
CONFIG = 'configs/r3d18_mini_charades21.py'


def _evil_checkpoint(path, marker):
    """Weights that fit the config (so loading gets as far as the config
    text) and a config text that would run a command."""
    from mmengine.config import Config

    import mmaction_charades  # noqa: F401
    from mmaction.registry import MODELS
    state = MODELS.build(Config.fromfile(CONFIG).model).state_dict()
    torch.save({'state_dict': state, 'meta': {
        'epoch': 0, 'iter': 0,
        'config': f"_x = __import__('os').system('touch {marker}')\n"}}, path)


@pytest.fixture
def served(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize('how', ['path', 'auto', 'http'])
def test_resume_never_runs_checkpoint_config(tmp_path, how, served,
                                             mini_charades, mini_data_options,
                                             run_tool):
    marker, work = tmp_path / 'pwned', tmp_path / 'work'
    work.mkdir()
    _evil_checkpoint(tmp_path / 'evil.pth', marker)
    resume = {'path': [str(tmp_path / 'evil.pth')], 'auto': [],
              'http': [f'{served}/evil.pth']}[how]
    (work / 'last_checkpoint').write_text(str(tmp_path / 'evil.pth'))
    result = run_tool(
        ['tools/train.py', CONFIG, '--work-dir', work, '--resume', *resume,
         '--cfg-options', *mini_data_options(mini_charades)],
        env={'TORCH_HOME': str(tmp_path / 'hub')})
    assert result.returncode == 2, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and "meta['config']" in last, last
    assert not marker.exists()


def test_submission_tool_refuses_malicious_predictions(tmp_path, run_tool):
    import os
    marker = tmp_path / 'pwned'

    class Evil:

        def __reduce__(self):
            return os.system, (f'touch {marker}', )

    (tmp_path / 'preds.pkl').write_bytes(pickle.dumps([{'x': Evil()}]))
    result = run_tool(['tools/analysis/charades_submission.py',
                       tmp_path / 'preds.pkl', '--out', tmp_path / 'sub.txt'])
    assert result.returncode == 2
    assert 'Refused to load predictions file' in result.stderr
    assert not marker.exists()
