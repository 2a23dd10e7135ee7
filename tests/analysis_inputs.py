"""Inputs of the analysis tools, written as MMEngine and tools/test.py write
them: a ``scalars.json`` training log and a ``--dump`` predictions pickle."""
import json

import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import DumpResults

# 3 epochs of 5 iterations, LoggerHook(interval=2, ignore_last=False): lines
# at iterations 2, 4, 5 | 7, 9, 10 | 12, 14, 15. `loss` is the LogProcessor's
# window mean, `epoch_loss` the running mean of the epoch; on each epoch's
# last line the latter is the epoch's mean loss.
TRAIN_ITERS = [2, 4, 5, 7, 9, 10, 12, 14, 15]
WINDOW_LOSSES = [1.0, 0.8, 0.5, 0.6, 0.4, 0.9, 0.3, 0.2, 0.1]
EPOCH_LOSSES = [0.9, 0.85, 0.82, 0.7, 0.6, 0.58, 0.25, 0.24, 0.22]
EXPECTED_TRAIN_LOSS = {1: 0.82, 2: 0.58, 3: 0.22}
EXPECTED_VAL_MAP = {1: 0.2, 2: 0.4, 3: 0.6}


def write_scalars(path, prefix=''):
    """Write a ``scalars.json`` of the run above, with a validation line
    (``charades/mAP`` = 0.2 x epoch, ``test_loss`` = 1 / epoch) after each
    epoch; training scalars prefixed ``prefix``."""
    path.parent.mkdir(parents=True)
    lines = []
    for i, it in enumerate(TRAIN_ITERS):
        lines.append({f'{prefix}lr': 1e-3, f'{prefix}loss': WINDOW_LOSSES[i],
                      f'{prefix}loss_cls': WINDOW_LOSSES[i],
                      f'{prefix}epoch_loss': EPOCH_LOSSES[i],
                      f'{prefix}time': 0.1, 'epoch': i // 3 + 1, 'iter': it,
                      'step': it})
        if i % 3 == 2:  # validation after each epoch, step = epoch
            epoch = i // 3 + 1
            lines.append({'charades/mAP': 0.2 * epoch, 'test_loss': 1 / epoch,
                          'data_time': 0.01, 'time': 0.2, 'step': epoch})
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))


def dump_predictions(path, scores, metainfos):
    """Pickle predictions exactly as `tools/test.py --dump` does."""
    samples = []
    for score, metainfo in zip(scores, metainfos):
        sample = ActionDataSample(metainfo=metainfo)
        sample.set_pred_score(torch.as_tensor(score))
        sample.set_gt_label(torch.zeros(len(score)))
        samples.append(sample.to_dict())  # what Evaluator.process passes on
    metric = DumpResults(out_file_path=str(path))
    metric.process(None, samples)
    metric.evaluate(len(samples))
