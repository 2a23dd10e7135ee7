"""tools/data/charades (mmaction_charades.datasets.preparation): check_videos,
make_frame_lists and reencode on generated videos."""
import logging
import shutil
from fractions import Fraction
from pathlib import Path

import av
import cv2
import decord
import numpy as np
import pytest
from mmengine.logging import MMLogger

import mmaction_charades  # noqa: F401
from mmaction_charades.datasets.annotations import load_frame_list
from mmaction_charades.datasets.label_space import load_official_classes
from mmaction_charades.datasets.preparation import (check_videos,
                                                    frame_names, is_broken,
                                                    make_frame_list,
                                                    reencode_dir)
from mmaction_charades.testing import (MiniVideo, csv_row,
                                       default_class_to_group, render_video,
                                       write_csv)

SCRIPTS = Path(__file__).resolve().parents[3] / 'tools' / 'data' / 'charades'
NAMES = [name for _, name in load_official_classes()]


def _video(tmp_path, video_id, fps=15, num_frames=45, actions=((5, .5, 1.),)):
    video = MiniVideo(video_id, Fraction(fps), num_frames,
                      round(num_frames / fps, 2), np.array(actions, float))
    render_video(video, tmp_path / f'{video_id}.mp4', (64, 48),
                 default_class_to_group(), np.random.default_rng(0))
    return video


def test_check_videos_reports_frames_fps_and_broken_files(tmp_path):
    good = [_video(tmp_path, 'GOOD1'), _video(tmp_path, 'GOOD2', fps=24,
                                              num_frames=30)]
    (tmp_path / 'EMPTY.mp4').write_bytes(b'')
    (tmp_path / 'JUNK.mp4').write_bytes(b'not a video at all' * 100)
    data = (tmp_path / 'GOOD1.mp4').read_bytes()
    (tmp_path / 'TRUNC.mp4').write_bytes(data[:len(data) // 3])
    rows = {r['video_id']: r for r in check_videos(str(tmp_path), workers=1)}
    assert (rows['GOOD1']['frames'], rows['GOOD1']['fps']) == (45, 15.)
    assert (rows['GOOD2']['frames'], rows['GOOD2']['fps']) == (30, 24.)
    assert rows['GOOD1']['status'] == rows['GOOD2']['status'] == 'ok'
    assert rows['EMPTY']['status'] == 'empty'
    assert rows['JUNK']['status'].startswith('unreadable')
    assert is_broken(rows['TRUNC'])
    assert sorted(r for r in rows if is_broken(rows[r])) == [
        'EMPTY', 'JUNK', 'TRUNC']

    # with annotations: only their ids, a missing file, a length mismatch
    rng = np.random.default_rng(0)
    late = MiniVideo('GOOD2', Fraction(24), 30, 6.25, good[1].actions)
    absent = MiniVideo('GONE1', Fraction(24), 30, 1.25, good[1].actions)
    write_csv(tmp_path / 'ann.csv', [csv_row(v, rng, NAMES)
                                     for v in (good[0], late, absent)])
    rows = {r['video_id']: r for r in check_videos(
        str(tmp_path), [str(tmp_path / 'ann.csv')], workers=1)}
    assert {k: r['status'] for k, r in rows.items()} == {
        'GOOD1': 'ok', 'GOOD2': 'length_mismatch', 'GONE1': 'missing'}


def _damaged_inside(tmp_path, video_id):
    """150 frames with a keyframe every 10 whose data is zeroed over 1% of
    its length half-way through: the first and last frames decode, those
    half-way through do not."""
    path = tmp_path / f'{video_id}.mp4'
    rng = np.random.default_rng(0)
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=15)
        stream.width = stream.height = 32
        stream.pix_fmt = 'yuv420p'
        stream.options = {'g': '10'}
        for _ in range(150):
            image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            container.mux(stream.encode(
                av.VideoFrame.from_ndarray(image, format='rgb24')))
        container.mux(stream.encode())
    data = bytearray(path.read_bytes())
    start, end = data.find(b'mdat'), data.rfind(b'moov')
    middle, width = (start + end) // 2, (end - start) // 100
    data[middle:middle + width] = bytes(width)
    path.write_bytes(data)


def test_check_videos_bad_fps_and_deep_decoding(tmp_path,
                                                write_nan_fps_video):
    _video(tmp_path, 'GOOD1')
    write_nan_fps_video(tmp_path / 'NANFPS.mp4')
    _damaged_inside(tmp_path, 'INSIDE')
    rows = {r['video_id']: r for r in check_videos(str(tmp_path), workers=1)}
    assert rows['NANFPS']['status'] == 'bad_fps: nan'
    assert rows['NANFPS']['frames'] == 16 and is_broken(rows['NANFPS'])
    assert rows['INSIDE']['status'] == rows['GOOD1']['status'] == 'ok'
    rows = {r['video_id']: r for r in check_videos(
        str(tmp_path), workers=1, deep=True)}
    assert rows['GOOD1']['status'] == 'ok'
    assert rows['INSIDE']['status'].startswith(
        'unreadable: decoding stopped at frame ')
    assert rows['INSIDE']['status'].split()[6:8] == ['of', '150:']


@pytest.mark.slow
def test_check_videos_exit_status(tmp_path, run_tool):
    videos = tmp_path / 'videos'
    videos.mkdir()
    good = _video(videos, 'GOOD1')
    _damaged_inside(videos, 'INSIDE')
    rng = np.random.default_rng(0)
    missing = [MiniVideo(f'GONE{k}', Fraction(15), 45, 3., good.actions)
               for k in range(3)]
    write_csv(tmp_path / 'gone.csv', [csv_row(v, rng, NAMES)
                                      for v in missing])

    def run(*args):
        return run_tool([SCRIPTS / 'check_videos.py', *map(str, args),
                         '--workers', '1', '--report', tmp_path / 'r.tsv',
                         '--broken', tmp_path / 'broken.txt'])

    result = run(videos)
    assert result.returncode == 0, result.stderr[-2000:]
    assert '2 videos: 2 open, 0 broken' in result.stdout
    result = run(videos, '--deep')
    assert result.returncode == 1, result.stderr[-2000:]
    assert (tmp_path / 'broken.txt').read_text() == 'INSIDE\n'
    result = run(videos, '--ann-file', tmp_path / 'gone.csv')
    assert result.returncode == 1
    assert '3 videos: 0 open, 3 broken' in result.stdout
    result = run(tmp_path / 'nowhere')
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: video directory '{tmp_path / 'nowhere'}' does not exist"]


def test_frame_list_labels_each_frame_by_the_actions_under_way(tmp_path):
    rng = np.random.default_rng(0)
    # 30 frames at 10 fps, length 3.0 s; c010's end 5.0 is clamped to 3.0
    video = MiniVideo('ABCDE', Fraction(10), 30, 3.0,
                      np.array([[5, .5, 1.], [10, .9, 5.]]))
    other = MiniVideo('NOFRM', Fraction(10), 30, 3.0, np.zeros((0, 3)))
    write_csv(tmp_path / 'ann.csv', [csv_row(v, rng, NAMES)
                                     for v in (video, other)])
    frame_dir = tmp_path / 'frames' / 'ABCDE'
    frame_dir.mkdir(parents=True)
    pixel = np.zeros((2, 2, 3), np.uint8)
    for k in range(1, 31):
        cv2.imwrite(str(frame_dir / f'ABCDE-{k:06d}.jpg'), pixel)
    frames, skipped = make_frame_list(
        str(tmp_path / 'ann.csv'), str(tmp_path / 'frames'),
        str(tmp_path / 'lists' / 'train.csv'), fps=10.)
    assert (frames, skipped) == (30, ['NOFRM'])
    lines = (tmp_path / 'lists' / 'train.csv').read_text().splitlines()
    assert lines[0] == 'original_vido_id video_id frame_id path labels'
    expected = {k: '' for k in range(30)}
    for k in range(5, 11):  # t = 0.5 .. 1.0
        expected[k] = '5'
    for k in range(9, 30):  # t = 0.9 .. 2.9
        expected[k] = '5,10' if k <= 10 else '10'
    for k, line in enumerate(lines[1:]):
        assert line == (f'ABCDE 0 {k} ABCDE/ABCDE-{k + 1:06d}.jpg '
                        f'"{expected[k]}"')
    # the dataset's parser reads the runs back as [(a - .5) / fps,
    # (b + .5) / fps]
    videos, dropped = load_frame_list(str(tmp_path / 'lists' / 'train.csv'),
                                      fps=10.)
    assert dropped == 0 and videos[0]['total_frames'] == 30
    np.testing.assert_allclose(videos[0]['actions'],
                               [[5, .45, 1.05], [10, .85, 2.95]], atol=1e-6)


def test_frame_numbers_with_gaps_are_an_error(tmp_path):
    for k in (1, 2, 4):
        (tmp_path / f'ABCDE-{k:06d}.jpg').write_bytes(b'')
    with pytest.raises(ValueError, match='without gaps'):
        frame_names(str(tmp_path), 'ABCDE')


def test_reencode_sets_the_keyframe_interval(tmp_path):
    _video(tmp_path, 'SRC01', fps=24, num_frames=50)
    src = tmp_path / 'SRC01.mp4'
    dst_dir = tmp_path / 'out'
    dst_dir.mkdir()
    results = reencode_dir(str(tmp_path), str(dst_dir), gop=5, workers=1)
    assert results == [('SRC01.mp4', '50 frames')]
    with av.open(str(dst_dir / 'SRC01.mp4')) as container:
        stream = container.streams.video[0]
        keyframes = [i for i, packet in enumerate(container.demux(stream))
                     if packet.is_keyframe]
    assert keyframes == list(range(0, 50, 5))
    before, after = (decord.VideoReader(str(p)) for p in
                     (src, dst_dir / 'SRC01.mp4'))
    assert (len(after), after.get_avg_fps()) == (50, 24.)
    diff = np.abs(before[30].asnumpy().astype(int) -
                  after[30].asnumpy().astype(int))
    assert diff.mean() < 4
    # an existing output is kept unless overwrite
    assert reencode_dir(str(tmp_path), str(dst_dir),
                        workers=1) == [('SRC01.mp4', 'exists')]
    shutil.rmtree(dst_dir)


def test_frame_list_of_the_official_quirks(tmp_path):
    """The official CSVs' actions that no frame can show (tests/datasets/data
    /charades_v1_quirks.csv) are dropped, their videos listed."""
    quirks = SCRIPTS.parents[2] / 'tests' / 'datasets' / 'data' / \
        'charades_v1_quirks.csv'
    num_frames = dict(CCC00=32, DDD00=32, EEE00=14, FFF00=14)  # 1 fps
    for video_id, count in num_frames.items():
        (tmp_path / 'frames' / video_id).mkdir(parents=True)
        for k in range(1, count + 1):
            (tmp_path / 'frames' / video_id /
             f'{video_id}-{k:06d}.jpg').write_bytes(b'')
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        frames, skipped = make_frame_list(
            str(quirks), str(tmp_path / 'frames'), str(tmp_path / 'out.csv'),
            fps=1.)
    finally:
        logger.removeHandler(handler)
    assert (frames, skipped) == (92, ['AAA00', 'BBB00'])
    assert len(messages) == 1 and 'dropped 5 actions' in messages[0]
    # CCC00: c008 1.0-2.0 (c071 18.0 10.0 is dropped); DDD00 and FFF00:
    # nothing; EEE00: c150 0.0-1.0, not c149 from 12.0 = its length.
    labels = {('CCC00', 1): '8', ('CCC00', 2): '8', ('EEE00', 0): '150',
              ('EEE00', 1): '150'}
    expected = ['original_vido_id video_id frame_id path labels']
    for index, (video_id, count) in enumerate(num_frames.items(), start=2):
        expected += [f'{video_id} {index} {k} {video_id}/{video_id}-'
                     f'{k + 1:06d}.jpg "{labels.get((video_id, k), "")}"'
                     for k in range(count)]
    assert (tmp_path / 'out.csv').read_text().splitlines() == expected


@pytest.mark.slow
@pytest.mark.parametrize('script', ['check_videos', 'make_frame_lists'])
def test_data_tools_locate_annotation_errors(tmp_path, run_tool, script):
    """Both tools read the CSV with the dataset's validated parser: `1_0`
    is not a length, and the error is one line naming file, line, field."""
    csv_file = tmp_path / 'bad.csv'
    csv_file.write_text(
        'id,subject,scene,quality,relevance,verified,script,objects,'
        'descriptions,actions,length\r\n'
        'AAAAA,s,Kitchen,6,7,Yes,x,y,z,c000 0.0 1.0,1_0\r\n')
    args = ([tmp_path, '--ann-file', csv_file, '--workers', '1', '--report',
             tmp_path / 'r.tsv', '--broken', tmp_path / 'b.txt']
            if script == 'check_videos' else
            [csv_file, tmp_path, tmp_path / 'list.csv'])
    result = run_tool([SCRIPTS / f'{script}.py', *map(str, args)])
    assert result.returncode == 2, result.stderr[-2000:]
    (line, ) = result.stderr.strip().splitlines()
    assert line.startswith(f'error: {csv_file}, line 2, field ')
    assert 'length' in line
