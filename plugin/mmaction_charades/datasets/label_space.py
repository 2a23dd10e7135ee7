"""Label spaces over the 157 official Charades classes.

A label space maps every official class index (``c000`` -> 0 ... ``c156`` ->
156) to one target label. ``'charades157'`` is the identity over the official
classes; ``'charades21'`` the 21 groups of Table 3.1 of the specification,
read from the bundled ``data/charades157_to_21.tsv``; any other string is the
path of a mapping file in the same tab-separated format::

    class_id  class_name  group_index  group_name  reason

with one header line and one row per official class, in UTF-8 (with or
without a byte order mark). ``class_name`` must be the official name (it
guards against shifted rows), ``group_index`` runs over ``0 .. G-1`` (ASCII
digits) with every group used, and ``reason`` may be empty.
"""
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import numpy as np

from .text_files import AnnotationError, csv_records, parse_count

DATA_DIR = Path(__file__).parent / 'data'
#: The official ``Charades_v1_classes.txt`` (``cNNN name`` per line).
CLASSES_FILE = DATA_DIR / 'charades_v1_classes.txt'
#: The shipped assignment of the 157 classes to the 21 groups.
GROUPS21_FILE = DATA_DIR / 'charades157_to_21.tsv'
NUM_OFFICIAL_CLASSES = 157
MAPPING_COLUMNS = ('class_id', 'class_name', 'group_index', 'group_name',
                   'reason')


@dataclass(frozen=True)
class LabelSpace:
    """Target classes and the map from official class index to target label.

    Attributes:
        name: ``'charades157'``, ``'charades21'`` or the mapping file path.
        classes: names of the ``C`` target classes, in label order.
        official_to_label: (157,) int64, the target label of each official
            class index.
    """
    name: str
    classes: Tuple[str, ...]
    official_to_label: np.ndarray

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def multi_hot(self, official_indices: np.ndarray) -> np.ndarray:
        """(C,) float32 0/1 vector of the labels of some official classes."""
        label = np.zeros(self.num_classes, dtype=np.float32)
        label[self.official_to_label[np.asarray(official_indices,
                                                dtype=np.int64)]] = 1.
        return label

    def label_actions(self, actions: np.ndarray) -> np.ndarray:
        """A copy of (M, 3) ``[official class, start, end]`` actions with
        the class replaced by its label in this space."""
        labelled = np.array(actions, copy=True)
        labelled[:, 0] = self.official_to_label[actions[:, 0].astype(
            np.int64)]
        return labelled


def load_official_classes() -> List[Tuple[str, str]]:
    """The 157 official ``(class_id, name)`` pairs, ``c000`` first."""
    pairs = []
    for line in CLASSES_FILE.read_text(encoding='utf-8').splitlines():
        class_id, name = line.split(' ', 1)
        pairs.append((class_id, name))
    return pairs


def official_class_index(class_id: str) -> int:
    """Index of an official class id (``'c042'`` -> 42); ``KeyError`` if the
    id is not one of the 157."""
    return _OFFICIAL_INDEX[class_id]


def load_label_space(spec: str) -> LabelSpace:
    """Build ``'charades157'``, ``'charades21'`` or a mapping file's space."""
    if spec == 'charades157':
        names = tuple(name for _, name in load_official_classes())
        return LabelSpace(spec, names,
                          np.arange(NUM_OFFICIAL_CLASSES, dtype=np.int64))
    if spec == 'charades21':
        return read_mapping_file(GROUPS21_FILE, name=spec)
    if not Path(spec).is_file():
        raise FileNotFoundError(
            f"label_space must be 'charades157', 'charades21' or the path of "
            f'a mapping file; {spec!r} is neither')
    return read_mapping_file(spec)


def read_mapping_file(path, name: str = None) -> LabelSpace:
    """Read a 157-to-G mapping file (format in the module docstring).

    Raises:
        AnnotationError: naming the file, line and field of the first bad
            row; ValueError for classes or groups left out.
    """
    path = str(path)
    official = load_official_classes()
    official_to_label = np.full(NUM_OFFICIAL_CLASSES, -1, dtype=np.int64)
    group_names = {}

    def fail(line: int, field: str, message: str):
        raise AnnotationError(path, line, field, message)

    with closing(csv_records(path, delimiter='\t')) as records:
        _, header = next(records, (1, None))
        if isinstance(header, AnnotationError):
            raise header
        if header is None or tuple(header) != MAPPING_COLUMNS:
            fail(1, 'header', f'expected the tab-separated columns '
                 f'{MAPPING_COLUMNS}, got {header}')
        for line, row in records:
            if isinstance(row, AnnotationError):
                raise row
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(MAPPING_COLUMNS):
                fail(line, 'row', f'expected {len(MAPPING_COLUMNS)} '
                     f'tab-separated fields, got {len(row)}')
            class_id, class_name, group_index, group_name, _ = row
            if class_id not in _OFFICIAL_INDEX:
                fail(line, 'class_id', f'unknown Charades class {class_id!r}')
            index = _OFFICIAL_INDEX[class_id]
            if class_name != official[index][1]:
                fail(line, 'class_name', f'{class_id} is '
                     f'{official[index][1]!r}, not {class_name!r}')
            if official_to_label[index] >= 0:
                fail(line, 'class_id', f'{class_id} is assigned twice')
            group = parse_count(group_index, path, line, 'group_index')
            if group >= NUM_OFFICIAL_CLASSES:
                fail(line, 'group_index', f'expected a group index below '
                     f'{NUM_OFFICIAL_CLASSES}, got {group}')
            if group_names.setdefault(group, group_name) != group_name:
                fail(line, 'group_name', f'group {group} is named '
                     f'{group_names[group]!r} elsewhere, not {group_name!r}')
            official_to_label[index] = group

    missing = [official[i][0] for i in np.flatnonzero(official_to_label < 0)]
    if missing:
        raise ValueError(f'{path}: classes {missing} are not assigned')
    num_groups = max(group_names) + 1
    unused = sorted(set(range(num_groups)) - set(group_names))
    if unused:
        raise ValueError(f'{path}: group indices {unused} are not used; '
                         f'expected every index in 0..{num_groups - 1}')
    classes = tuple(group_names[g] for g in range(num_groups))
    return LabelSpace(name or path, classes, official_to_label)


_OFFICIAL_INDEX = {
    class_id: index
    for index, (class_id, _) in enumerate(load_official_classes())
}
