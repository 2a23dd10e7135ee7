import csv

import numpy as np
import pytest

from mmaction_charades.datasets import AnnotationError
from mmaction_charades.datasets.label_space import (CLASSES_FILE,
                                                    GROUPS21_FILE,
                                                    load_label_space,
                                                    read_mapping_file)

# Table 3.1 of the specification (groups21.md), in index order.
GROUPS21 = [
    'Clothing and Dressing', 'Door/Window Interaction', 'Table Interaction',
    'Phone/Camera Interaction', 'Bag Handling', 'Book/Reading',
    'Towel Handling', 'Box Interaction', 'Laptop/Computer Interaction',
    'Shoe Interaction', 'Food and Eating', 'Blanket/Pillow Interaction',
    'Shelf Interaction', 'Picture/Photo Interaction', 'Mirror Interaction',
    'Cleaning and Tidying', 'Light Interaction', 'Drinking/Pouring',
    'Sofa/Bed Interaction', 'Emotional Expressions', 'Running'
]


def _rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def test_shipped_mapping_assigns_every_class_once():
    """The loaded ``charades21`` space gives each official class exactly the
    group of its row in the data file, and uses all 21 groups."""
    rows = _rows(GROUPS21_FILE)
    official = [line.split(' ', 1) for line in
                CLASSES_FILE.read_text().splitlines()]
    assert [class_id for class_id, _ in official] == \
        [f'c{i:03d}' for i in range(157)]
    assert [(r['class_id'], r['class_name']) for r in rows] == \
        [tuple(pair) for pair in official]
    space = load_label_space('charades21')
    assert space.classes == tuple(GROUPS21)
    assert space.official_to_label.shape == (157, )
    for row in rows:
        index = int(row['class_id'][1:])
        label = space.multi_hot([index])
        assert label.sum() == 1, row['class_id']
        assert space.official_to_label[index] == int(row['group_index'])
        assert space.classes[int(np.argmax(label))] == row['group_name']
    assert set(space.official_to_label.tolist()) == set(range(21))


@pytest.mark.parametrize('class_id, group', [
    ('c000', 'Clothing and Dressing'), ('c148', 'Clothing and Dressing'),
    ('c008', 'Door/Window Interaction'), ('c090', 'Door/Window Interaction'),
    ('c097', 'Door/Window Interaction'), ('c140', 'Door/Window Interaction'),
    ('c011', 'Table Interaction'), ('c019', 'Phone/Camera Interaction'),
    ('c021', 'Bag Handling'), ('c032', 'Book/Reading'),
    ('c037', 'Towel Handling'), ('c041', 'Box Interaction'),
    ('c052', 'Laptop/Computer Interaction'), ('c055', 'Shoe Interaction'),
    ('c156', 'Food and Eating'), ('c065', 'Food and Eating'),
    ('c072', 'Blanket/Pillow Interaction'),
    ('c076', 'Blanket/Pillow Interaction'), ('c082', 'Shelf Interaction'),
    ('c084', 'Picture/Photo Interaction'), ('c095', 'Mirror Interaction'),
    ('c102', 'Cleaning and Tidying'), ('c137', 'Cleaning and Tidying'),
    ('c104', 'Light Interaction'), ('c106', 'Drinking/Pouring'),
    ('c108', 'Drinking/Pouring'), ('c122', 'Sofa/Bed Interaction'),
    ('c125', 'Sofa/Bed Interaction'), ('c133', 'Sofa/Bed Interaction'),
    ('c149', 'Emotional Expressions'), ('c152', 'Emotional Expressions'),
    ('c153', 'Emotional Expressions'), ('c150', 'Running')
])
def test_shipped_mapping_spot_checks(class_id, group):
    space = load_label_space('charades21')
    index = int(class_id[1:])
    assert space.classes[space.official_to_label[index]] == group


def test_open_classes_carry_a_reason():
    reasons = {r['class_id']: r['reason'] for r in _rows(GROUPS21_FILE)}
    # Objects that no group names: chair, closet, refrigerator, television,
    # hands, hair, paper, dish, medicine; and a photo being taken.
    for class_id in ('c059', 'c060', 'c087', 'c112', 'c114', 'c115', 'c118',
                     'c126', 'c128', 'c131', 'c132', 'c139', 'c142', 'c144',
                     'c151', 'c154'):
        assert reasons[class_id].strip(), class_id


def test_builtin_spaces():
    space157 = load_label_space('charades157')
    assert space157.num_classes == 157
    assert space157.classes[8] == 'Opening a door'
    np.testing.assert_array_equal(space157.official_to_label, np.arange(157))
    space21 = load_label_space('charades21')
    assert space21.classes == tuple(GROUPS21)
    # c008 (door), c006 (door) and c152 (smiling): two groups.
    label = space21.multi_hot([8, 6, 152])
    assert label.dtype == np.float32 and label.shape == (21, )
    np.testing.assert_array_equal(np.flatnonzero(label), [1, 19])


# A custom mapping in neither official nor sorted order: rows run from c156
# down to c000, class i goes to group i % 3, and the group names neither sort
# nor first appear in index order.
CUSTOM_GROUPS = ('zeta', 'alpha', 'mid')


def _write_mapping(tmp_path, edit=None):
    official = [line.split(' ', 1) for line in
                CLASSES_FILE.read_text().splitlines()]
    lines = ['class_id\tclass_name\tgroup_index\tgroup_name\treason']
    for i, (class_id, name) in reversed(list(enumerate(official))):
        lines.append(f'{class_id}\t{name}\t{i % 3}\t{CUSTOM_GROUPS[i % 3]}\t')
    if edit:
        lines = edit(lines)
    path = tmp_path / 'mapping.tsv'
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_custom_mapping_file(tmp_path):
    space = load_label_space(_write_mapping(tmp_path))
    assert space.classes == CUSTOM_GROUPS
    np.testing.assert_array_equal(space.official_to_label,
                                  np.arange(157) % 3)
    # c004 is in group 1, c155 in group 2
    np.testing.assert_array_equal(np.flatnonzero(space.multi_hot([4, 155])),
                                  [1, 2])


@pytest.mark.parametrize('edit, match', [
    (lambda ls: ls[:-1], r"\['c000'\] are not assigned"),
    (lambda ls: ls + [ls[1]], r'line 159.*c156 is assigned twice'),
    (lambda ls: [ls[0], ls[1].replace('\t', '\tX', 1)] + ls[2:],
     r"line 2, field 'class_name'"),
    (lambda ls: [ls[0], 'c999\tX\t0\tzeta\t'] + ls[1:],
     r"line 2, field 'class_id'"),
    (lambda ls: [ln.replace('\t1\talpha', '\t3\talpha') for ln in ls],
     r'group indices \[1\] are not used'),
    (lambda ls: [ls[0], ls[1].replace('\tzeta', '\tZeta')] + ls[2:],
     r"line 5, field 'group_name': group 0 is named 'Zeta'"),
    (lambda ls: [ls[0], ls[1].replace('\t0\t', '\tzero\t')] + ls[2:],
     r"field 'group_index'"),
    (lambda ls: ['id\tname'] + ls[1:], r"line 1, field 'header'"),
    # int() reads '1_0' as 10 and '\u0661' as 1; '\u00b2'.isdigit() holds.
    (lambda ls: [ls[0], ls[1].replace('\t0\t', '\t1_0\t')] + ls[2:],
     r"line 2, field 'group_index': expected an integer >= 0, got '1_0'"),
    (lambda ls: [ls[0], ls[1].replace('\t0\t', '\t\u0661\t')] + ls[2:],
     r"line 2, field 'group_index'"),
    (lambda ls: [ls[0], ls[1].replace('\t0\t', '\t\u00b2\t')] + ls[2:],
     r"line 2, field 'group_index'"),
    (lambda ls: [ls[0], ls[1].replace('\t0\t', '\t10000000000\t')] +
     ls[2:], r"line 2, field 'group_index': expected a group index below 157"),
])
def test_bad_mapping_file(tmp_path, edit, match):
    with pytest.raises(ValueError, match=match):
        read_mapping_file(_write_mapping(tmp_path, edit))


def test_unknown_label_space():
    with pytest.raises(FileNotFoundError, match='charades157'):
        load_label_space('charades20')


def test_mapping_file_utf8_bom_and_bad_bytes(tmp_path):
    path = _write_mapping(tmp_path)
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(b'\xef\xbb\xbf' + data)  # as Excel or Notepad save UTF-8
    space = read_mapping_file(path)
    assert space.classes == CUSTOM_GROUPS
    lines = data.split(b'\n')
    lines[3] = lines[3] + b'caf\xe9'  # a Latin-1 reason on line 4
    with open(path, 'wb') as f:
        f.write(b'\n'.join(lines))
    with pytest.raises(AnnotationError,
                       match=r"line 4, field 'reason': byte 0xe9"):
        read_mapping_file(path)
    with open(path, 'wb') as f:
        f.write(data.decode().encode('utf-16'))
    with pytest.raises(AnnotationError,
                       match=r"line 1, field 'header'.*UTF-16"):
        read_mapping_file(path)
