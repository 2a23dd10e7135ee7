"""Test and demo helpers, as ``mmaction.testing``: the generated
mini-Charades (:mod:`.mini_charades`). Not imported by the runtime; writing
videos needs PyAV (the ``data`` extra)."""
from .mini_charades import (CSV_COLUMNS, FRAME_RATES, MiniVideo, actions_field,
                            cell_box, csv_row, default_class_to_group,
                            group_pattern, hue_colours, hue_rgb,
                            jittered_colours, make_mini_charades,
                            random_boxes, render_frames, render_video,
                            sample_video, visible_actions, write_csv)

__all__ = [
    'CSV_COLUMNS', 'FRAME_RATES', 'MiniVideo', 'actions_field', 'cell_box',
    'csv_row', 'default_class_to_group', 'group_pattern', 'hue_colours',
    'hue_rgb', 'jittered_colours', 'make_mini_charades', 'random_boxes',
    'render_frames', 'render_video', 'sample_video', 'visible_actions',
    'write_csv'
]
