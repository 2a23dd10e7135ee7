import csv

import numpy as np
import pytest

from mmaction_charades.datasets.annotations import (AnnotationError,
                                                    load_annotations,
                                                    load_frame_list,
                                                    load_official_csv)


def test_csv_quotes_crlf_empty_actions_and_clamping(tmp_path):
    # Quoted fields with commas and an embedded line break, CRLF line ends.
    text = (
        'id,subject,scene,quality,relevance,verified,script,objects,'
        'descriptions,actions,length\r\n'
        'AAA00,S1,Kitchen,6,7,Yes,"A person opens a door, then smiles.",'
        'door;cup,"One, two.\r\nThree.",c008 0.00 5.00;c152 3.5 12.0,10.00\r\n'
        'BBB00,S2,"Living room, sofa",,,No,"Nothing happens",,,,8.5\r\n'
        'CCC00,S3,Hall,5,5,Yes,"x",door,"y", c097 1.2 2.4 ; ,4\r\n')
    path = tmp_path / 'train.csv'
    path.write_bytes(text.encode())
    videos, dropped = load_official_csv(str(path))
    assert dropped == 0
    assert [v['video_id'] for v in videos] == ['AAA00', 'BBB00', 'CCC00']
    assert [v['length'] for v in videos] == [10.0, 8.5, 4.0]
    # c152 ends at 12.0 > length 10.0: clamped.
    np.testing.assert_array_equal(videos[0]['actions'],
                                  [[8, 0., 5.], [152, 3.5, 10.]])
    assert videos[0]['actions'].dtype == np.float32
    assert videos[1]['actions'].shape == (0, 3)
    np.testing.assert_allclose(videos[2]['actions'], [[97, 1.2, 2.4]])


@pytest.mark.parametrize('row, field, words', [
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c157 1.0 2.0,10', 'actions',
     "unknown class id 'c157'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 1.0,10', 'actions', 'cNNN start end'),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 1.0 x,10', 'actions', "got 'x'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 -1.0 2.0,10', 'actions', '>= 0'),
    ('AAA00,S,K,6,7,Yes,a, b,o,"d",c008 1.0 2.0,10', 'row', 'got 12'),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 1.0 2.0,ten', 'length', "'ten'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",,0', 'length', 'positive'),
    (',S,K,6,7,Yes,"s",o,"d",,3', 'id', 'empty'),
    # float() takes all of these; float32 makes 1e300 inf.
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 1e300 2.0,10', 'actions', "'1e300'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 0 86400.5,10', 'actions', '<= 86400'),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 0 inf,10', 'actions', "'inf'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",c008 nan 1,10', 'actions', "'nan'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",,1e308', 'length', "'1e308'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",,1_0', 'length', "'1_0'"),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",,\u0661\u0660', 'length', 'decimal'),
    ('AAA00,S,K,6,7,Yes,"s",o,"d",,+5', 'length', "'+5'"),
])
def test_csv_bad_row_names_file_line_and_field(write_charades_csv, row, field,
                                               words):
    # Line 2 is a good row spanning two physical lines (quoted line break),
    # so the bad row is on line 4.
    path = write_charades_csv([
        'OK000,S,K,6,7,Yes,"two\r\nlines",o,"d",c001 0 1,5',
        row,
    ])
    with pytest.raises(AnnotationError) as info:
        load_official_csv(path)
    error = info.value
    assert (error.path, error.line, error.field) == (path, 4, field)
    message = str(error)
    assert path in message and 'line 4' in message and repr(field) in message
    assert words in message


def test_csv_duplicate_id_and_missing_columns(write_charades_csv, tmp_path):
    path = write_charades_csv([('AAA00', '', 3), ('AAA00', '', 4)])
    with pytest.raises(AnnotationError, match='already annotated on line 2'):
        load_official_csv(path)
    bad_header = tmp_path / 'bad.csv'
    bad_header.write_text('id,script,length\r\nAAA00,x,3\r\n')
    with pytest.raises(AnnotationError, match=r"line 1.*\['actions'\]"):
        load_official_csv(str(bad_header))


def test_csv_non_strict_drops_and_counts_bad_rows(write_charades_csv):
    path = write_charades_csv([
        ('AAA00', 'c008 0 1', 3),
        ('BAD01', 'c008 0 1', '1_0'),  # not a number
        ('BAD02', 'c999 0 1', 3),  # unknown class
        'BAD03,too,few,fields',
        ('BBB00', '', 3),
        ('AAA00', '', 3),  # duplicate id
    ])
    videos, dropped = load_official_csv(path, strict=False)
    assert [v['video_id'] for v in videos] == ['AAA00', 'BBB00']
    assert dropped == 4
    with pytest.raises(AnnotationError):
        load_official_csv(path, strict=True)


FRAME_HEADER = 'original_vido_id video_id frame_id path labels'


def _frame_list(tmp_path, lines, name='train.csv'):
    path = tmp_path / name
    path.write_text('\n'.join([FRAME_HEADER] + lines) + '\n')
    return str(path)


def test_frame_list_groups_frames_and_derives_actions(tmp_path):
    fps = 4.
    labels_a = ['"7"', '""', '"3,10"', '"3,10"', '"10,3"', '"10,7"']
    lines = [f'AAA {0} {k} AAA/AAA-{k + 1:06d}.jpg {lab}'
             for k, lab in enumerate(labels_a)]
    lines += [f'B_B 1 {k} B_B/img{k + 5}.png ""' for k in range(3)]
    # Frame lines need not be sorted.
    lines = lines[3:] + lines[:3]
    videos, dropped = load_frame_list(_frame_list(tmp_path, lines), fps=fps)
    assert dropped == 0
    a, b = sorted(videos, key=lambda v: v['video_id'])
    assert (a['video_id'], a['total_frames'], a['avg_fps']) == ('AAA', 6, 4.)
    assert a['length'] == 6 / fps
    assert (a['frame_dir'], a['offset']) == ('AAA', 1)
    assert [a['filename_tmpl'].format(a['offset'] + k) for k in range(6)] == \
        [f'AAA-{k + 1:06d}.jpg' for k in range(6)]
    assert (b['frame_dir'], b['filename_tmpl'], b['offset']) == \
        ('B_B', 'img{:01d}.png', 5)
    assert b['actions'].shape == (0, 3)
    # Runs: class 3 on frames 2-4, class 7 on frames 0 and 5, class 10 on 2-5;
    # each widened by half a frame, clipped to [0, length].
    expected = [[3, 1.5 / fps, 4.5 / fps], [7, 0., 0.5 / fps],
                [7, 4.5 / fps, 5.5 / fps], [10, 1.5 / fps, 5.5 / fps]]
    np.testing.assert_allclose(a['actions'], expected)
    # The times k / fps inside an action are exactly the labelled frames.
    for label in (3, 7, 10):
        rows = a['actions'][a['actions'][:, 0] == label]
        inside = [k for k in range(6) if any(
            s <= np.float32(k / fps) <= e for _, s, e in rows)]
        assert inside == [k for k in range(6) if str(label) in
                          labels_a[k].strip('"').split(',')]


@pytest.mark.parametrize('bad_line, line, field', [
    ('AAA 0 2 AAA/AAA-000002.jpg ""', 4, 'path'),  # file number again
    ('AAA 0 2 BBB/AAA-000003.jpg ""', 4, 'path'),  # another directory
    ('AAA 0 2 AAA/AAA-03.jpg ""', 4, 'path'),  # another width
    ('AAA 0 1 AAA/AAA-000003.jpg ""', 4, 'frame_id'),  # frame 1 again
    ('AAA 0 2 AAA/AAA-000003.jpg "157"', 4, 'labels'),
    ('AAA 0 x AAA/AAA-000003.jpg ""', 4, 'frame_id'),
    ('AAA 0 2 AAA/AAA-000003.jpg', 4, 'row'),
])
def test_frame_list_errors_and_non_strict_drop(tmp_path, bad_line, line,
                                               field):
    lines = ['AAA 0 0 AAA/AAA-000001.jpg ""',
             'AAA 0 1 AAA/AAA-000002.jpg "4"', bad_line,
             'BBB 1 0 BBB/BBB-000001.jpg "5"']
    path = _frame_list(tmp_path, lines)
    with pytest.raises(AnnotationError) as info:
        load_frame_list(path)
    assert (info.value.line, info.value.field) == (line, field)
    videos, dropped = load_frame_list(path, strict=False)
    assert [v['video_id'] for v in videos] == ['BBB'] and dropped == 1


def test_frame_list_gaps_and_subsampling_as_pyslowfast(tmp_path):
    """Listed frames are the video, in frame_id order, as PySlowFast takes
    them; every 4th frame of a 24 fps extraction is a 6 fps video."""
    ids = [0, 4, 8, 12, 16]
    labels = ['""', '"5"', '"5"', '""', '"2,5"']
    lines = [f'SUB 0 {i} SUB/SUB-{i + 1:06d}.jpg {lab}'
             for i, lab in zip(ids, labels)]
    # Gaps: frames 2, 6 and 7 missing; file order is not frame order.
    lines += [f'GAP 1 {i} GAP/{i + 1:05d}.jpg ""' for i in (4, 0, 1, 3, 5, 8)]
    # Consecutive files, renumbered frame ids: RawFrameDecode's template.
    lines += [f'CON 2 {i} CON/CON-{i + 10:06d}.jpg ""' for i in range(3)]
    videos, dropped = load_frame_list(_frame_list(tmp_path, lines), fps=24.)
    sub, gap, con = videos
    assert dropped == 0
    assert (sub['total_frames'], sub['avg_fps'], sub['length']) == \
        (5, 6., 5 / 6.)
    assert sub['offset'] == 0 and sub['filename_tmpl'] == 'SUB-{:06d}.jpg'
    assert [sub['filename_tmpl'].format(n) for n in sub['frame_numbers']] \
        == [f'SUB-{i + 1:06d}.jpg' for i in ids]
    # Class 5 on listed frames 1-2 and 4, class 2 on frame 4 (times k / 6).
    np.testing.assert_allclose(
        sub['actions'], [[2, 3.5 / 6, 4.5 / 6], [5, 0.5 / 6, 2.5 / 6],
                         [5, 3.5 / 6, 4.5 / 6]], rtol=1e-6)
    # Median step 1 (steps 1, 2, 1, 1, 3): 24 fps, files in frame_id order.
    assert (gap['total_frames'], gap['avg_fps']) == (6, 24.)
    assert gap['frame_numbers'].tolist() == [1, 2, 4, 5, 6, 9]
    assert gap['filename_tmpl'] == '{:05d}.jpg'
    assert 'frame_numbers' not in con
    assert (con['offset'], con['total_frames'], con['avg_fps']) == (10, 3, 24.)


def test_frame_list_unpadded_numbers_grow(tmp_path):
    lines = [f'AAA 0 {k} AAA/{k + 8}.jpg ""' for k in range(4)]
    (video, ), _ = load_frame_list(_frame_list(tmp_path, lines))
    assert (video['filename_tmpl'], video['offset']) == ('{:01d}.jpg', 8)
    assert [video['filename_tmpl'].format(8 + k) for k in range(4)] == \
        ['8.jpg', '9.jpg', '10.jpg', '11.jpg']


def test_format_is_told_by_header(tmp_path, write_charades_csv):
    csv_path = write_charades_csv([('AAA00', 'c008 0 1', 3)])
    frames = _frame_list(tmp_path, ['AAA00 0 0 AAA00/AAA00-000001.jpg "8"'],
                         name='frames.csv')
    official, _ = load_annotations(csv_path)
    from_frames, _ = load_annotations(frames, frame_fps=24.)
    assert 'frame_dir' not in official[0] and 'frame_dir' in from_frames[0]
    assert official[0]['actions'][0, 0] == from_frames[0]['actions'][0, 0] == 8
    unknown = tmp_path / 'other.txt'
    unknown.write_text('a b c\n')
    with pytest.raises(AnnotationError, match='line 1'):
        load_annotations(str(unknown))


def test_official_quirks_drop_actions_not_videos(quirks_csv, warning_log):
    for strict in (True, False):
        warning_log.clear()
        videos, dropped = load_official_csv(quirks_csv, strict=strict)
        assert dropped == 0
        assert [v['video_id'] for v in videos] == [
            'AAA00', 'BBB00', 'CCC00', 'DDD00', 'EEE00', 'FFF00']
        actions = [v['actions'].tolist() for v in videos]
        assert actions == [[[8, 0., 5.], [152, 3.5, 10.]], [], [[8, 1., 2.]],
                           [], [[150, 0., 1.]], []]
        assert [v['length'] for v in videos] == [10., 8.5, 30., 30., 12., 12.]
        # One line for the file: the count, then each action with its line.
        assert warning_log == [
            f'{quirks_csv}: dropped 5 actions that no frame can show (their '
            'videos are kept): '
            'line 5: c071 18.0 10.0 (starts after its end); '
            'line 6: c106 6.0 2.0 (starts after its end); '
            'line 6: c097 31.2 33.0 (starts at or after the video length 30.00); '
            'line 7: c149 12.0 15.0 (starts at or after the video length 12.00); '
            'line 8: c009 13.5 14.0 (starts at or after the video length 12.00)']


def test_dropped_actions_of_a_dropped_row_are_not_reported(
        write_charades_csv, warning_log):
    path = write_charades_csv([('AAA00', 'c008 2 1;c999 0 1', 3),
                               ('BBB00', 'c008 1 0', 3)])
    videos, dropped = load_official_csv(path, strict=False)
    assert [v['video_id'] for v in videos] == ['BBB00'] and dropped == 1
    assert len(warning_log) == 2
    assert "line 2, field 'actions': unknown class id 'c999'" in warning_log[0]
    assert warning_log[1].endswith(
        'dropped 1 actions that no frame can show (their videos are kept): '
        'line 3: c008 1 0 (starts after its end)')


ROW = 'AAA00,S,K,6,7,Yes,"s",o,"{}",c008 0 1,10'


@pytest.mark.parametrize('encoding, line, field, words', [
    # A Latin-1 description on line 3 (line 2 is fine).
    ('latin-1', 3, 'descriptions', 'byte 0xe9, which is not UTF-8'),
    ('utf-16', 1, 'header', 'UTF-16 encoded'),  # with a byte order mark
    ('utf-16-le', 1, 'header', 'NUL byte'),
])
def test_csv_encoding_errors_are_located(write_charades_csv, encoding, line,
                                         field, words):
    path = write_charades_csv(
        [ROW.replace('AAA00', 'OK000').format('x'),
         ROW.format('caf\xe9')])
    with open(path, 'rb') as f:
        data = f.read().decode()
    with open(path, 'wb') as f:
        f.write(data.encode(encoding))
    for load in (load_official_csv, load_annotations):
        with pytest.raises(AnnotationError) as info:
            load(path)
        assert (info.value.line, info.value.field) == (line, field)
        assert words in str(info.value)
    if line > 1:
        videos, dropped = load_official_csv(path, strict=False)
        assert [v['video_id'] for v in videos] == ['OK000'] and dropped == 1


def test_csv_utf8_bom_is_accepted(write_charades_csv):
    path = write_charades_csv([ROW.format('x')])
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(b'\xef\xbb\xbf' + data)
    videos, _ = load_annotations(path)
    assert videos[0]['video_id'] == 'AAA00'


def test_csv_field_over_the_csv_limit_is_located(write_charades_csv):
    huge = 'x' * (csv.field_size_limit() + 1)
    # A closed huge field: its row is dropped, the next rows are read.
    path = write_charades_csv([
        ('AAA00', 'c008 0 1', 3),
        f'BIG00,S,K,6,7,Yes,"{huge}",o,"d",c008 0 1,3',
        ('CCC00', '', 3),
    ])
    with pytest.raises(AnnotationError) as info:
        load_official_csv(path)
    assert (info.value.line, info.value.field) == (3, 'script')
    assert 'field limit (131072)' in str(info.value)
    videos, dropped = load_official_csv(path, strict=False)
    assert [v['video_id'] for v in videos] == ['AAA00', 'CCC00']
    assert dropped == 1
    # A quote left open swallows the lines after it.
    path = write_charades_csv([
        ('AAA00', 'c008 0 1', 3),
        'OPEN0,S,K,6,7,Yes,"s",o,"the quote is not closed,c008 0 1,3',
    ] + [f'V{k:04d},S,K,6,7,Yes,{"y" * 200},o,d,,3' for k in range(800)],
        name='open.csv')
    with pytest.raises(AnnotationError) as info:
        load_official_csv(path)
    assert (info.value.line, info.value.field) == (3, 'descriptions')
    assert 'quote left open' in str(info.value)


@pytest.mark.parametrize('data, line, field', [
    ('AAA 0 \u00b2 AAA/AAA-000003.jpg ""', 4, 'frame_id'),  # '²'.isdigit()
    ('AAA 0 2 AAA/AAA-000003.jpg "1\u00b2"', 4, 'labels'),
    ('AAA 0 2 AAA/AAA-000003.jpg "1_0"', 4, 'labels'),
    ('AAA 0 2 AAA/AAA-\u0660\u0660\u0660\u0660\u0660\u0663.jpg ""', 4, 'path'),
    (b'AAA 0 2 AAA/caf\xe9-000003.jpg ""', 4, 'path'),
])
def test_frame_list_digits_and_bytes(tmp_path, data, line, field):
    lines = [FRAME_HEADER, 'AAA 0 0 AAA/AAA-000001.jpg ""',
             'AAA 0 1 AAA/AAA-000002.jpg "4"', data,
             'BBB 1 0 BBB/BBB-000001.jpg "5"']
    path = tmp_path / 'frames.csv'
    path.write_bytes(b'\n'.join(
        ln if isinstance(ln, bytes) else ln.encode() for ln in lines) + b'\n')
    with pytest.raises(AnnotationError) as info:
        load_annotations(str(path))
    assert (info.value.line, info.value.field) == (line, field)
    videos, dropped = load_frame_list(str(path), strict=False)
    assert [v['video_id'] for v in videos] == ['BBB'] and dropped == 1


def test_frame_list_utf16_is_located(tmp_path):
    path = tmp_path / 'frames.csv'
    path.write_bytes((FRAME_HEADER + '\n').encode('utf-16'))
    with pytest.raises(AnnotationError,
                       match="line 1, field 'header'.*UTF-16"):
        load_annotations(str(path))
