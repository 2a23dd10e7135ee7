"""``RawFrameDecode`` for frame lists whose files are not numbered one by
one (gaps, every ``s``-th frame): see :func:`..annotations.load_frame_list`."""
from typing import Dict

import numpy as np
from mmaction.datasets.transforms import RawFrameDecode
from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ListedRawFrameDecode(RawFrameDecode):
    """MMAction2's ``RawFrameDecode``, reading listed frame ``k`` from the
    file numbered ``frame_numbers[k]`` when the video has ``frame_numbers``
    (``offset`` is then 0); otherwise exactly ``RawFrameDecode``.
    ``frame_inds`` keeps the listed-frame indices."""

    def transform(self, results: Dict) -> Dict:
        numbers = results.get('frame_numbers')
        if numbers is None:
            return super().transform(results)
        inds = results['frame_inds']
        results['frame_inds'] = np.asarray(numbers)[inds]
        try:
            results = super().transform(results)
        finally:
            results['frame_inds'] = inds
        return results
