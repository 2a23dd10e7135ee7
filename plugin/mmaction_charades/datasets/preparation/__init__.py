"""Preparing the Charades videos and annotations: the code of
``tools/data/charades/`` (checking videos, writing frame lists,
re-encoding). Not imported by the runtime; re-encoding needs PyAV (the
``data`` extra)."""
from .check_videos import REPORT_COLUMNS, check_video, check_videos, is_broken
from .frame_lists import FRAME_LIST_HEADER, frame_names, make_frame_list
from .reencode import reencode, reencode_dir

__all__ = [
    'FRAME_LIST_HEADER', 'REPORT_COLUMNS', 'check_video', 'check_videos',
    'frame_names', 'is_broken', 'make_frame_list', 'reencode', 'reencode_dir'
]
