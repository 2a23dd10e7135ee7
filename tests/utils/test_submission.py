"""Charades submission files: DumpResults pickles in, official lines out."""
import numpy as np
import pytest
import torch
from analysis_inputs import dump_predictions

from mmaction_charades.datasets import (AnnotationError, CharadesDataset,
                                        load_label_space)
from mmaction_charades.engine.checkpoint import (CheckpointTooLargeError,
                                                 InvalidCheckpointError,
                                                 UnsafeCheckpointError)
from mmaction_charades.utils.submission import (load_predictions,
                                                predictions_to_scores,
                                                read_annotation_ids,
                                                read_submission,
                                                save_predictions,
                                                score_submission,
                                                video_targets,
                                                write_submission)


@pytest.mark.parametrize('num_classes', [157, 21])
def test_round_trip_from_dump(tmp_path, num_classes):
    rng = np.random.default_rng(0)
    scores = rng.random((4, num_classes), dtype=np.float32)
    ids = ['0A8ZT', 'YSKX3', 'ZZ8WM', '46GP8']
    dump_predictions(tmp_path / 'preds.pkl', scores,
                     [dict(video_id=i, img_shape=(224, 224)) for i in ids])

    by_id = predictions_to_scores(
        load_predictions(tmp_path / 'preds.pkl'), num_classes)
    write_submission(tmp_path / 'sub.txt', by_id)
    back = read_submission(tmp_path / 'sub.txt', num_classes)

    assert list(back) == ids
    np.testing.assert_allclose(np.stack(list(back.values())), scores,
                               rtol=1e-7)
    # nine significant digits give the float32 scores back bit for bit
    np.testing.assert_array_equal(
        np.stack(list(back.values())).astype(np.float32), scores)
    lines = (tmp_path / 'sub.txt').read_text().splitlines()
    assert len(lines) == 4
    for line, video_id in zip(lines, ids):
        fields = line.split(' ')
        assert fields[0] == video_id and len(fields) == num_classes + 1


def test_ids_from_filename_then_annotation_rows(tmp_path):
    scores = np.eye(3, 157)
    by_filename = predictions_to_scores([
        dict(pred_score=torch.as_tensor(s), filename=f'/data/v/ID{i}.mp4')
        for i, s in enumerate(scores)
    ])
    assert list(by_filename) == ['ID0', 'ID1', 'ID2']

    csv_file = tmp_path / 'Charades_v1_test.csv'
    csv_file.write_bytes(
        b'id,subject,scene,quality,relevance,verified,script,objects,'
        b'descriptions,actions,length\r\n'
        b'AAA01,s1,Kitchen,6,7,Yes,"A person, then a cup",cup,"x, y",'
        b'c001 0.0 3.5;c002 1.0 2.0,30.1\r\n'
        b'BBB02,s2,Bedroom,6,7,Yes,walks,,none,,12.0\r\n'
        b'CCC03,s3,Garage,5,7,No,"sits",chair,sits,c010 1.0 40.0,20.5\r\n')
    row_ids = read_annotation_ids(csv_file)
    assert row_ids == ['AAA01', 'BBB02', 'CCC03']
    by_row = predictions_to_scores([dict(pred_score=s) for s in scores],
                                   row_ids=row_ids)
    assert list(by_row) == row_ids
    np.testing.assert_array_equal(by_row['BBB02'], scores[1])


def test_prediction_errors_name_the_sample():
    good = dict(video_id='A', pred_score=torch.zeros(157))
    with pytest.raises(ValueError, match=r"sample 1 \(video 'B'\): expected "
                       r'157 scores, got shape \(21,\)'):
        predictions_to_scores([good, dict(video_id='B',
                                          pred_score=torch.zeros(21))])
    with pytest.raises(ValueError, match="sample 1: video id 'A' predicted "
                       'twice'):
        predictions_to_scores([good, good])
    with pytest.raises(ValueError, match='sample 0: neither `video_id`'):
        predictions_to_scores([dict(pred_score=torch.zeros(157))])
    with pytest.raises(ValueError, match='2 predictions but the annotation '
                       'file lists 1'):
        predictions_to_scores([good, good], row_ids=['X'])


def test_read_submission_errors_name_the_line(tmp_path):
    path = tmp_path / 'sub.txt'
    path.write_text('A 0.1 0.2 0.3\nB 0.1 0.2\n')
    with pytest.raises(ValueError, match=r'sub.txt line 2: expected the video '
                       r'id and 3 scores, got 2'):
        read_submission(path)
    path.write_text('A 0.1 0.2 0.3\n')
    with pytest.raises(ValueError, match='line 1: expected the video id and '
                       '157 scores, got 3'):
        read_submission(path, num_classes=157)
    path.write_text('A 0.1 0.2 0.3\n\nB 0.1 zero 0.3\n')
    with pytest.raises(ValueError, match="line 3: score 'zero' is not a "
                       'number'):
        read_submission(path)
    path.write_text('A 0.1 0.2 0.3\nA 0.1 0.2 0.3\n')
    with pytest.raises(ValueError, match="line 2: video id 'A' already on "
                       'line 1'):
        read_submission(path)


def test_unreadable_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match='no such predictions file'):
        load_predictions(tmp_path / 'missing.pkl')
    (tmp_path / 'bad.pkl').write_bytes(b'not a pickle')
    with pytest.raises(InvalidCheckpointError,
                       match="bad.pkl' is truncated or not a pickle"):
        load_predictions(tmp_path / 'bad.pkl')
    with pytest.raises(FileNotFoundError, match='no such annotation file'):
        read_annotation_ids(tmp_path / 'missing.csv')


CSV_HEADER = ('id,subject,scene,quality,relevance,verified,script,objects,'
              'descriptions,actions,length\r\n')


@pytest.mark.parametrize('rows, where', [
    ('AAA01,s1,Kitchen,6,7,Yes,x,y,z,c001 0.0 3.5,30.1\r\n'
     'BBB02,s2,Bedroom,6,7,Yes,x,y,z,c999 1.0 2.0,12.0\r\n',
     "line 3, field 'actions': unknown class id 'c999'"),
    ('AAA01,s1,Kitchen,6,7,Yes,walks, then sits,y,z,c001 0.0 3.5,30.1\r\n',
     "line 2, field 'row': expected 11 comma-separated fields, got 12"),
    ('AAA01,s1,Kitchen,6,7,Yes,x,y,z,,3.0\r\n'
     'AAA01,s1,Kitchen,6,7,Yes,x,y,z,,3.0\r\n',
     "line 3, field 'id': video 'AAA01' already annotated on line 2"),
], ids=['class', 'fields', 'duplicate'])
def test_annotation_errors_are_the_datasets(tmp_path, rows, where):
    """The submission writer reads --ann-file with the dataset's parser: a
    bad row is the same located error from both."""
    csv_file = tmp_path / 'Charades_v1_test.csv'
    csv_file.write_text(CSV_HEADER + rows, newline='')
    with pytest.raises(AnnotationError) as from_dataset:
        CharadesDataset(str(csv_file), pipeline=[], test_mode=True)
    with pytest.raises(AnnotationError) as from_submission:
        read_annotation_ids(csv_file)
    assert str(from_submission.value) == str(from_dataset.value)
    assert str(from_dataset.value).startswith(f'{csv_file}, {where}')


class Evil:
    """Unpickling this runs a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.marker}', )


class EvilStorage:
    """A tensor storage whose bytes hold a pickle that runs a command:
    ``torch.storage._load_from_bytes`` would torch.load it unguarded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import io
        buffer = io.BytesIO()
        torch.save(Evil(self.marker), buffer,
                   _use_new_zipfile_serialization=False)
        return torch.storage._load_from_bytes, (buffer.getvalue(), )


@pytest.mark.parametrize('evil', [Evil, EvilStorage])
def test_malicious_predictions_refused(tmp_path, evil):
    import pickle
    marker = tmp_path / 'pwned'
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps(
        [dict(video_id='A', pred_score=evil(marker))], protocol=2))
    with pytest.raises(UnsafeCheckpointError,
                       match=r'Refused to load .*(predictions file .*preds|'
                       r'checkpoint).*system'):
        load_predictions(path)


def test_predictions_memo_bomb_refused(tmp_path):
    """LONG_BINPUT 2**32-1 makes the C unpickler size its memo to 32 GiB."""
    path = tmp_path / 'preds.pkl'
    path.write_bytes(b'\x80\x02]r\xff\xff\xff\xff.')
    with pytest.raises(CheckpointTooLargeError, match='memo index'):
        load_predictions(path)


def test_predictions_json_round_trip(tmp_path):
    dumped = tmp_path / 'preds.pkl'
    scores = np.float32([[0.1, 0.7, 1e-8], [0.3, 0.2, 0.123456789]])
    dump_predictions(dumped, scores, [dict(video_id='A'), dict(video_id='B')])
    predictions = load_predictions(dumped)
    save_predictions(tmp_path / 'preds.json', predictions)
    assert b'pickle' not in (tmp_path / 'preds.json').read_bytes()
    again = predictions_to_scores(load_predictions(tmp_path / 'preds.json'),
                                  num_classes=3)
    assert list(again) == ['A', 'B']
    np.testing.assert_array_equal(np.stack(list(again.values())), scores)


class HexBomb:
    """``_codecs.encode(prev, 'hex')`` chained: each step doubles the size."""

    def __init__(self, steps):
        self.steps = steps

    def __reduce__(self):
        import _codecs
        if self.steps == 0:
            return _codecs.encode, ('x' * 64, 'latin1')
        return _codecs.encode, (HexBomb(self.steps - 1), 'hex')


def test_predictions_codecs_encode_bomb_refused(tmp_path):
    import pickle
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps(
        [dict(video_id='A', pred_score=HexBomb(16))], protocol=2))
    assert path.stat().st_size < 2000  # expands to 4 MiB
    with pytest.raises(UnsafeCheckpointError, match="_codecs.encode of "
                       "anything but .*'latin1'"):
        load_predictions(path, max_bytes=2**20)


def test_predictions_bytes_count_towards_the_limit(tmp_path):
    """Text held once in the pickle, encoded again and again via the memo."""
    import pickle
    import _codecs

    class Encode:

        def __reduce__(self):
            return _codecs.encode, (text, 'latin1')

    text = 'y' * 2**16
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps([Encode() for _ in range(64)], protocol=2))
    assert path.stat().st_size < 2**17
    with pytest.raises(CheckpointTooLargeError, match='_codecs.encode'):
        load_predictions(path, max_bytes=2**20)


def test_expanded_tensor_view_refused(tmp_path):
    import pickle
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps(
        [dict(video_id='A', pred_score=torch.zeros(1).expand(2**40))],
        protocol=2))
    assert path.stat().st_size < 1000
    with pytest.raises(InvalidCheckpointError,
                       match=r'shape \(1099511627776,\) and stride \(0,\)'):
        load_predictions(path)


def test_scores_shape_checked_before_converting():
    view = torch.zeros(1).expand(2**40)  # .double() would take 8 TiB
    with pytest.raises(ValueError, match=r'expected 157 scores, got shape '
                       r'\(1099511627776,\)'):
        predictions_to_scores([dict(video_id='A', pred_score=view)])


def test_object_arrays_refused(tmp_path):
    import pickle
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps(
        [dict(video_id='A', pred_score=np.array([1, 'a'], dtype=object))],
        protocol=2))
    with pytest.raises(UnsafeCheckpointError, match='numpy.dtype of a '
                       'non-numeric type'):
        load_predictions(path)


def test_mmengine_load_of_pickles_is_restricted(tmp_path):
    """MMAction2's eval_metric.py reads --dump files with mmengine.load."""
    import pickle

    import mmengine
    import mmaction_charades  # noqa: F401  (installs the handler)
    marker = tmp_path / 'pwned'
    for suffix in ('pkl', 'pickle'):
        evil = tmp_path / f'evil.{suffix}'
        evil.write_bytes(pickle.dumps([dict(pred_score=Evil(marker))]))
        with pytest.raises(UnsafeCheckpointError, match='system'):
            mmengine.load(str(evil))
        with evil.open('rb') as f, pytest.raises(UnsafeCheckpointError):
            mmengine.load(f, file_format=suffix)
    assert not marker.exists()
    dump_predictions(tmp_path / 'preds.pkl', np.eye(2, 3, dtype=np.float32),
                     [dict(video_id='A'), dict(video_id='B')])
    loaded = mmengine.load(str(tmp_path / 'preds.pkl'))
    assert [p['video_id'] for p in loaded] == ['A', 'B']
    torch.testing.assert_close(loaded[1]['pred_score'],
                               torch.tensor([0., 1., 0.]))
    mmengine.dump({'a': [1, 2]}, str(tmp_path / 'plain.pkl'))
    assert mmengine.load(str(tmp_path / 'plain.pkl')) == {'a': [1, 2]}


# Four test videos. Class c000: V1, V2 positive; c001: V1, V2, V4.
SCORED_CSV = ('id,actions,length\n'
              'V1,c000 0.0 5.0;c001 1.0 2.0,30.0\n'
              'V2,c000 3.0 4.0;c001 0.0 1.0,30.0\n'
              'V3,,30.0\n'
              'V4,c001 10.0 20.0,30.0\n')


def _matlab_ap(conf: np.ndarray, labels: np.ndarray) -> float:
    """THUMOSeventclspr of Charades_v1_classify.m: stable sort of -conf,
    the mean precision at the positives."""
    hits = labels[np.argsort(-conf, kind='stable')] == 1
    if not hits.any():
        return float('nan')
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def test_score_submission_hand_made_157(tmp_path):
    """c000 scores V1 .9, V2 .5, V3 .5 (tie), V4 .1: the official order is
    the CSV's, V2 before V3, so AP 1 (in the file's order, V3 first, it
    would be 5/6). c001 scores V3 .8 then V1, V2, V4 tied at .3: AP (1/2 +
    2/3 + 3/4) / 3 = 23/36. mAP = 59/72, WAP = (2 * 1 + 3 * 23/36) / 5 =
    47/60; the 155 classes without a positive are left out. A video the
    CSV lacks is ignored; one the file lacks scores -inf."""
    csv_file = tmp_path / 'Charades_v1_test.csv'
    csv_file.write_text(SCORED_CSV)
    scores = {vid: np.zeros(157) for vid in ('V4', 'V3', 'V1', 'V2', 'XX')}
    for vid, (c0, c1) in dict(V1=(.9, .3), V2=(.5, .3), V3=(.5, .8),
                              V4=(.1, .3), XX=(1., 1.)).items():
        scores[vid][:2] = c0, c1
    write_submission(tmp_path / 'sub.txt', scores)
    result = score_submission(tmp_path / 'sub.txt', csv_file)
    assert result['mAP'] == pytest.approx(59 / 72)
    assert result['WAP'] == pytest.approx(47 / 60)
    assert result['missing'] == []
    ap = result['AP']
    assert len(ap) == 157 and ap['Holding some clothes'] == pytest.approx(1)
    assert sum(not np.isnan(v) for v in ap.values()) == 2

    del scores['V2']
    write_submission(tmp_path / 'sub.txt', scores)
    result = score_submission(tmp_path / 'sub.txt', csv_file)
    assert result['missing'] == ['V2']
    # c000: V1, then the negatives V3, V4, then V2 at -inf: (1 + 2/4) / 2
    assert result['AP']['Holding some clothes'] == pytest.approx(3 / 4)


def test_score_submission_round_trip_21_groups(tmp_path):
    """Dumped 21-group scores -> submission -> scored against the CSV in the
    groups, equal to the MATLAB formula on the group labels."""
    csv_file = tmp_path / 'Charades_v1_test.csv'
    csv_file.write_text(SCORED_CSV)
    space = load_label_space('charades21')
    ids, targets = video_targets(csv_file, space)
    assert ids == ['V1', 'V2', 'V3', 'V4']
    groups = space.official_to_label[[0, 1]]
    np.testing.assert_array_equal(np.flatnonzero(targets[3]), groups[1:])
    rng = np.random.default_rng(3)
    scores = np.round(rng.random((4, 21)), 1).astype(np.float32)  # ties
    dump_predictions(tmp_path / 'preds.pkl', scores,
                     [dict(video_id=i) for i in ids[::-1]])
    write_submission(tmp_path / 'sub.txt', predictions_to_scores(
        load_predictions(tmp_path / 'preds.pkl'), 21))
    result = score_submission(tmp_path / 'sub.txt', csv_file)
    in_csv_order = scores[::-1].astype(np.float64)
    expected = [_matlab_ap(in_csv_order[:, c], targets[:, c])
                for c in range(21)]
    np.testing.assert_allclose(list(result['AP'].values()), expected,
                               rtol=1e-12)
    assert list(result['AP']) == list(space.classes)
    assert result['mAP'] == pytest.approx(np.nanmean(expected))
    positives = targets.sum(0)
    assert result['WAP'] == pytest.approx(
        np.nansum(np.array(expected) * positives) / positives.sum())


def test_score_submission_errors(tmp_path):
    csv_file = tmp_path / 'Charades_v1_test.csv'
    csv_file.write_text(SCORED_CSV)
    (tmp_path / 'sub.txt').write_text('V1 0.1 0.2 0.3\n')
    with pytest.raises(ValueError, match='3 scores per line; pass the label '
                       'space'):
        score_submission(tmp_path / 'sub.txt', csv_file)
    with pytest.raises(ValueError, match='3 scores per line, expected 21 '
                       'for charades21'):
        score_submission(tmp_path / 'sub.txt', csv_file, 'charades21')
    (tmp_path / 'sub.txt').write_text('V1' + ' 0.5' * 21 + '\n')
    with pytest.raises(FileNotFoundError, match='no such annotation file'):
        score_submission(tmp_path / 'sub.txt', tmp_path / 'none.csv',
                         'charades21')
