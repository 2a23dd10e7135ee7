"""Timeline inference: merging of per-step scores, the pipeline swap and
chunking with a model whose scores the test controls, refusals, and one
end-to-end ``tools/infer.py`` run."""
import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmaction.structures import ActionDataSample
from mmengine.config import Config

import mmaction_charades  # noqa: F401
from mmaction_charades.apis import (UnsupportedConfigError,
                                    inference_timeline, init_recognizer,
                                    merge_detections)
from mmaction_charades.datasets.charades import BadVideoError
from mmaction_charades.models.heads import MultilabelTimeSformerHead
from mmaction_charades.testing import (MiniVideo, default_class_to_group,
                                       render_video)

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / 'configs' / 'r3d18_mini_charades21.py'


def test_merge_detections_hand_computed():
    """Steps every 0.5 s over a 2.2 s video; a run a..b is [t_a - 0.25,
    t_b + 0.25] clipped to [0, 2.2]; the threshold itself counts."""
    times = np.arange(5) * 0.5
    scores = np.array([[0.9, 0.1], [0.5, 0.6], [0.2, 0.7],
                       [0.6, 0.1], [0.8, 0.5]])
    found = merge_detections(times, scores, 0.5, 2.2, threshold=0.5,
                             classes=('a', 'b'))
    assert [(d.name, d.start, d.end, d.score) for d in found] == [
        ('a', 0.0, 0.75, 0.9), ('b', 0.25, 1.25, 0.7),
        ('a', 1.25, 2.2, 0.8), ('b', 1.75, 2.2, 0.5)]
    assert merge_detections(times, scores, 0.5, 2.2, threshold=0.95) == []


class ScriptedRecognizer(nn.Module):
    """Returns the rows of ``table`` in order, one per clip, and records the
    clip tensors and the head's mode it was called with."""

    def __init__(self, cfg, table):
        super().__init__()
        self.cfg = cfg
        self.cls_head = MultilabelTimeSformerHead(num_classes=21,
                                                  in_channels=4)
        self.table, self.calls = torch.as_tensor(table), []

    def test_step(self, data):
        (inputs, ) = data['inputs']
        self.calls.append((tuple(inputs.shape), self.cls_head.average_clips))
        done = sum(shape[0] for shape, _ in self.calls[:-1])
        sample = ActionDataSample()
        sample.pred_score = self.table[done:done + inputs.shape[0]]
        return [sample]


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    """8 s at 24 fps, 64x48."""
    path = tmp_path_factory.mktemp('timeline') / 'VID01.mp4'
    render_video(MiniVideo('VID01', Fraction(24), 192, 8.0,
                           np.array([[0., 1.0, 3.0]])), str(path), (64, 48),
                 default_class_to_group(), np.random.default_rng(0))
    return path


def test_inference_timeline_steps_chunks_and_merges(video):
    table = np.zeros((16, 21), np.float32)
    table[2:7, 3] = 0.9   # steps 1.0 .. 3.0 s
    table[10:12, 5] = 0.7  # steps 5.0, 5.5 s
    model = ScriptedRecognizer(Config.fromfile(str(MINI)), table)
    timeline = inference_timeline(model, str(video), fps=2.0, batch_size=6)
    np.testing.assert_allclose(timeline.times, np.arange(16) * 0.5)
    np.testing.assert_array_equal(timeline.scores, table)
    # the mini config's training geometry: 8 frames; chunks of 6, 6, 4
    assert model.calls == [((6, 3, 8, 64, 64), 'none'),
                           ((6, 3, 8, 64, 64), 'none'),
                           ((4, 3, 8, 64, 64), 'none')]
    assert model.cls_head.average_clips == 'max'  # restored
    found = timeline.detections(0.5)
    assert [(d.label, d.start, d.end) for d in found] == [
        (3, 0.75, 3.25), (5, 4.75, 5.75)]
    assert found[0].name == 'Phone/Camera Interaction'  # group 3
    assert timeline.duration == pytest.approx(8.0)


def test_full_size_config_scores_one_view_per_step(video):
    """A full-size config's default test pipeline (charades_video) takes
    3 crops of each clip; the timeline takes its localisation pipeline,
    one centre crop of the training geometry per step."""
    cfg = Config.fromfile(str(ROOT / 'configs' / 'swin_t_charades21.py'))
    model = ScriptedRecognizer(cfg, np.zeros((8, 21), np.float32))
    timeline = inference_timeline(model, str(video), fps=1.0, batch_size=8)
    assert model.calls == [((8, 3, 16, 224, 224), 'none')]
    assert timeline.scores.shape == (8, 21)
    cfg.test_protocols = None  # left with ThreeCrop: refused, not mixed up
    model = ScriptedRecognizer(cfg, np.zeros((24, 21), np.float32))
    model.test_step = lambda data: [ActionDataSample(
        pred_score=torch.zeros(3 * len(data['inputs'][0]), 21))]
    with pytest.raises(UnsupportedConfigError, match='one view per clip'):
        inference_timeline(model, str(video))


def test_refusals(video, tmp_path):
    vtn = Config.fromfile(str(ROOT / 'configs' / 'vtn_mini_charades21.py'))
    with pytest.raises(UnsupportedConfigError, match='WholeVideoSampler'):
        inference_timeline(ScriptedRecognizer(vtn, np.zeros((1, 21))),
                           str(video))
    model = ScriptedRecognizer(Config.fromfile(str(MINI)), np.zeros((9, 21)))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        inference_timeline(model, str(tmp_path / 'missing.mp4'))
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'not a video')
    with pytest.raises(BadVideoError, match='cannot read video'):
        inference_timeline(model, str(broken))
    model.cls_head = nn.Linear(2, 2)
    with pytest.raises(UnsupportedConfigError, match='multi-label head'):
        inference_timeline(model, str(video))


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """An untrained mini R3D-18 checkpoint."""
    path = tmp_path_factory.mktemp('ckpt') / 'r3d.pth'
    model = init_recognizer(str(MINI), None, 'cpu')
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return path


def test_init_recognizer_loads_strictly(checkpoint, tmp_path):
    model = init_recognizer(str(MINI), str(checkpoint), 'cpu')
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    torch.testing.assert_close(model.state_dict(), state)
    del state['cls_head.fc_cls.bias']
    torch.save(dict(state_dict=state), tmp_path / 'partial.pth')
    with pytest.raises(RuntimeError, match='fc_cls.bias'):
        init_recognizer(str(MINI), str(tmp_path / 'partial.pth'), 'cpu')


@pytest.mark.slow
def test_infer_cli(run_tool, video, checkpoint, tmp_path):
    ann = tmp_path / 'ann.csv'
    ann.write_text('id,subject,scene,quality,relevance,verified,script,'
                   'objects,descriptions,actions,length\r\nVID01,HR1,Kitchen'
                   ',6,7,Yes,x,,,c000 1.00 3.00,8.00\r\n')
    out = tmp_path / 'out'
    done = run_tool(['tools/infer.py', video, MINI, checkpoint, '--out-dir',
                     out, '--ann-file', ann, '--threshold', '0'])
    assert done.returncode == 0, done.stderr
    # threshold 0: every class is detected over the whole video
    assert '21 detections (score >= 0)' in done.stdout
    # steps 0 .. 7 s, each standing for +-0.5 s
    assert re.search(r'\nClothing and Dressing +0\.00 +7\.50 +0\.\d{3}\n',
                     done.stdout), done.stdout
    result = json.loads((out / 'VID01_timeline.json').read_text())
    assert np.array(result['scores']).shape == (8, 21)
    assert result['ground_truth'] == [[0.0, 1.0, 3.0]]
    assert result['checkpoint'] == str(checkpoint)
    assert (out / 'VID01_timeline.png').read_bytes()[:4] == b'\x89PNG'

    for args, message in [
            ([tmp_path / 'missing.mp4', MINI, checkpoint], 'does not exist'),
            ([video, ROOT / 'configs' / 'vtn_mini_charades21.py',
              checkpoint], 'WholeVideoSampler')]:
        done = run_tool(['tools/infer.py', *args])
        assert done.returncode == 2
        (line, ) = done.stderr.strip().splitlines()[-1:]
        assert line.startswith('error: ') and message in line, done.stderr


@pytest.mark.slow
def test_browse_dataset(run_tool, mini_charades, mini_data_options, tmp_path):
    done = run_tool(['tools/analysis/browse_dataset.py', MINI, '--num', '2',
                     '--out-dir', tmp_path, '--cfg-options',
                     *mini_data_options(mini_charades)])
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.glob('*.gif'))
    assert len(names) == 2 and names[0].startswith('0_')
    lines = (tmp_path / 'labels.txt').read_text().splitlines()
    assert [line.split('\t')[0] for line in lines] == names
