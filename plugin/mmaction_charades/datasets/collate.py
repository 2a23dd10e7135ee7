"""Batching clips of different lengths (the specification's ``--collation``
modes, Section 3.3), for videos sampled with a per-video number of frames."""
from typing import Sequence

import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS

COLLATE_MODES = ('padding', 'trimming')


# MMEngine's root registry: the runner's ``FUNCTIONS.get(name)`` searches
# only it and its parents, never MMAction2's child ``FUNCTION`` registry.
@FUNCTIONS.register_module()
def variable_length_collate(data_batch: Sequence[dict],
                            mode: str = 'padding',
                            time_dim: int = -3) -> dict:
    """Equalise the time axis of the batch's ``inputs``, then
    :func:`mmengine.dataset.pseudo_collate`.

    * ``'padding'``: zero-pad every input at the end of the time axis to the
      longest one and write the real length into each data sample's metainfo
      as ``valid_frames`` (:class:`VTNRecognizer` turns it into a mask).
    * ``'trimming'``: cut every input to the shortest one (its first frames);
      labels computed by the sampler over the whole clip are kept.

    Select it in a dataloader config with
    ``collate_fn=dict(type='variable_length_collate', mode='padding')``
    (MMEngine's runner looks it up in MMEngine's ``FUNCTIONS``).

    Args:
        data_batch: Samples with ``inputs`` (..., T, H, W) tensors, e.g.
            (num_clips, C, T, H, W) from ``FormatShape('NCTHW')``, and
            ``data_samples``.
        mode: ``'padding'`` or ``'trimming'``.
        time_dim: Index of the time axis in ``inputs`` (-3 for NCTHW).

    Returns:
        ``pseudo_collate``'s dict of lists, every ``inputs`` of one shape.
    """
    if mode not in COLLATE_MODES:
        raise ValueError(f'variable_length_collate: mode must be one of '
                         f'{COLLATE_MODES}, got {mode!r}')
    lengths = [sample['inputs'].shape[time_dim] for sample in data_batch]
    target = max(lengths) if mode == 'padding' else min(lengths)
    batch = []
    for sample, length in zip(data_batch, lengths):
        sample = dict(sample)
        inputs = sample['inputs']
        if mode == 'padding':
            pad_shape = list(inputs.shape)
            pad_shape[time_dim] = target - length
            inputs = torch.cat([inputs, inputs.new_zeros(pad_shape)],
                               dim=time_dim)
            sample['data_samples'].set_metainfo(dict(valid_frames=length))
        else:
            inputs = inputs.narrow(time_dim, 0, target)
        sample['inputs'] = inputs
        batch.append(sample)
    return pseudo_collate(batch)
