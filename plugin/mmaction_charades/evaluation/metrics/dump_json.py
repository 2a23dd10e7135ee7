"""Predictions dumped as JSON: MMEngine's ``DumpResults`` without pickle."""
from typing import Optional

from mmengine.evaluator import BaseMetric, DumpResults
from mmengine.logging import print_log

from mmaction.registry import METRICS
from ...utils.submission import save_predictions


@METRICS.register_module()
class DumpResultsJSON(DumpResults):
    """Dump every sample's prediction dict (tensors as lists) to a ``.json``
    file, a format that is safe to share and to read back
    (:func:`~mmaction_charades.utils.submission.load_predictions`).

    Args:
        out_file_path: The ``.json`` file to write.
        collect_device: Device used to gather results from all ranks.
        collect_dir: Directory used to gather them when on ``'cpu'``.
    """

    def __init__(self,
                 out_file_path: str,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        # DumpResults.__init__ insists on a pickle file name.
        BaseMetric.__init__(
            self, collect_device=collect_device, collect_dir=collect_dir)
        if not out_file_path.endswith('.json'):
            raise ValueError(f'DumpResultsJSON: {out_file_path!r} must end '
                             'in .json')
        self.out_file_path = out_file_path

    def compute_metrics(self, results: list) -> dict:
        save_predictions(self.out_file_path, results)
        print_log(f'Predictions saved to {self.out_file_path}.',
                  logger='current')
        return {}
