"""Recognizer feeding variable-length frame sequences to :class:`VTN`."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from mmaction.models.recognizers import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import OptSampleList, SampleList

#: Metainfo key the padding collate writes: real frames of each clip.
VALID_FRAMES_KEY = 'valid_frames'


def frame_mask_from_samples(data_samples: OptSampleList, num_clips: int,
                            num_frames: int,
                            device: torch.device) -> Optional[Tensor]:
    """(B * num_clips, T) bool mask, True on real frames, from each sample's
    ``valid_frames`` metainfo; None when no sample carries it."""
    if not data_samples or not any(VALID_FRAMES_KEY in s.metainfo
                                   for s in data_samples):
        return None
    lengths = torch.tensor(
        [s.metainfo.get(VALID_FRAMES_KEY, num_frames) for s in data_samples],
        device=device).repeat_interleave(num_clips)
    return torch.arange(num_frames, device=device) < lengths[:, None]


@MODELS.register_module()
class VTNRecognizer(BaseRecognizer):
    """Recognizer for :class:`VTN` backbones on (B, num_clips, C, T, H, W)
    inputs (``FormatShape('NCTHW')``).

    Unlike :class:`Recognizer3D` it passes a padding mask built from the
    data samples' ``valid_frames`` (set by :func:`variable_length_collate`)
    to the backbone, in training and at test time, so a batch can mix videos
    of different lengths. The backbone returns (B * num_clips, C) CLS
    features for the head.
    """

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'backbone',
                     data_samples: OptSampleList = None,
                     test_mode: bool = False) -> Tuple[Tensor, dict]:
        """(B, num_clips, C, T, H, W) -> ((B * num_clips, C_out), {})."""
        num_clips, num_frames = inputs.shape[1], inputs.shape[3]
        mask = frame_mask_from_samples(data_samples, num_clips, num_frames,
                                       inputs.device)
        feats = self.backbone(inputs.flatten(0, 1), mask)
        if stage == 'head' and self.with_cls_head:
            feats = self.cls_head(feats)
        return feats, dict()

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """As :meth:`BaseRecognizer.predict`, with the padding mask."""
        feats, _ = self.extract_feat(inputs, data_samples=data_samples,
                                     test_mode=True)
        return self.cls_head.predict(feats, data_samples)
