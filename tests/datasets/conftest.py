"""Writers of tiny Charades annotation files for the dataset tests."""
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
