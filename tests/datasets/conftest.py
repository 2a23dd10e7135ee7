"""Writers of tiny Charades annotation files for the dataset tests."""
from pathlib import Path

import pytest

CSV_HEADER = ('id,subject,scene,quality,relevance,verified,script,objects,'
              'descriptions,actions,length')


@pytest.fixture
def write_charades_csv(tmp_path):
    """``write(rows, name)``: an official-format CSV (CRLF) of ``rows``, each
    ``(id, actions, length)`` or a raw line, returned as a path string."""

    def write(rows, name='Charades_v1_train.csv'):
        lines = [CSV_HEADER]
        for row in rows:
            if isinstance(row, str):
                lines.append(row)
            else:
                video_id, actions, length = row
                lines.append(f'{video_id},S1,Kitchen,6,7,Yes,"A person acts, '
                             f'then leaves.",door;cup,"Desc",{actions},'
                             f'{length}')
        path = tmp_path / name
        path.write_bytes(('\r\n'.join(lines) + '\r\n').encode())
        return str(path)

    return write


#: Rows of the kinds the official ``Charades_v1_train.csv`` holds, CRLF ends:
#: line 2-3 AAA00 (quoted commas, a quoted line break, c152 ends after the
#: length), 4 BBB00 (no action), 5 CCC00 (c071 starts after its end, as on
#: line 100 of the official file; c008 fine), 6 DDD00 (every action bad: c106
#: starts after its end, c097 after the length), 7 EEE00 (c149 starts at the
#: length; c150 fine), 8 FFF00 (its only action starts after the length).
QUIRKS_CSV = Path(__file__).parent / 'data' / 'charades_v1_quirks.csv'


@pytest.fixture
def quirks_csv():
    """Path string of :data:`QUIRKS_CSV`, checked to keep its CRLF ends."""
    data = QUIRKS_CSV.read_bytes()
    assert data.count(b'\r\n') == data.count(b'\n') == 8
    return str(QUIRKS_CSV)
