import json

import pytest
import torch

from mmaction_charades.evaluation.metrics import DumpResultsJSON
from mmaction_charades.utils.submission import load_predictions


def test_json_dump_round_trips_scores_exactly(tmp_path):
    path = tmp_path / 'preds.json'
    metric = DumpResultsJSON(str(path))
    scores = torch.rand(3, 21)
    samples = [dict(pred_score=s, gt_label=(s > 0.5).float(),
                    video_id=f'V{i}') for i, s in enumerate(scores)]
    metric.process({}, samples)
    assert metric.evaluate(3) == {}
    assert isinstance(json.loads(path.read_text()), list)  # plain JSON
    loaded = load_predictions(path)
    assert [p['video_id'] for p in loaded] == ['V0', 'V1', 'V2']
    torch.testing.assert_close(
        torch.tensor([p['pred_score'] for p in loaded]), scores,
        rtol=0, atol=0)


def test_json_dump_needs_json_name():
    with pytest.raises(ValueError, match='must end in .json'):
        DumpResultsJSON('preds.pkl')
