"""Reading the annotation text files (CSVs, frame lists, mapping TSVs).

Each is UTF-8, with or without a byte order mark. A byte that is not UTF-8
(a Latin-1 or Windows-1252 file) or a NUL (a UTF-16 file) becomes an
:class:`AnnotationError` naming the file, line and field that holds it,
instead of a ``UnicodeDecodeError`` somewhere in the file.
"""
import csv
import itertools
import re
from typing import IO, Iterator, List, Optional, Sequence, Tuple, Union

#: NUL and the stand-ins (``surrogateescape``) of the bytes not UTF-8.
_NOT_TEXT = re.compile('[\x00\udc80-\udcff]')
_COUNT = re.compile('[0-9]+')
_UTF16_BOMS = (b'\xff\xfe', b'\xfe\xff')


class AnnotationError(ValueError):
    """A bad annotation record, located by file, line and field."""

    def __init__(self, path: str, line: int, field: str, message: str):
        self.path, self.line, self.field = path, line, field
        super().__init__(f'{path}, line {line}, field {field!r}: {message}')


def open_text(path: str, newline: Optional[str] = None) -> IO[str]:
    """Open a UTF-8 text file for reading; a byte that is not UTF-8 reads as
    a stand-in that :func:`check_text` reports."""
    with open(path, 'rb') as f:
        head = f.read(2)
    if head in _UTF16_BOMS:
        raise AnnotationError(
            path, 1, 'header', 'the file is UTF-16 encoded (it starts with a '
            'UTF-16 byte order mark); save it as UTF-8')
    return open(path, encoding='utf-8-sig', errors='surrogateescape',
                newline=newline)


def is_text(value: str) -> bool:
    """Whether ``value``, read by :func:`open_text`, holds no NUL and no byte
    that is not UTF-8."""
    return _NOT_TEXT.search(value) is None


def check_text(value: str, path: str, line: int, field: str) -> None:
    """Raise if ``value``, read by :func:`open_text`, holds a NUL or a byte
    that is not UTF-8."""
    bad = _NOT_TEXT.search(value)
    if bad is None:
        return
    if bad.group() == '\x00':
        what = 'a NUL byte (is the file UTF-16 encoded?)'
    else:
        what = f'byte 0x{ord(bad.group()) - 0xdc00:02x}, which is not UTF-8 ' \
            '(is the file Latin-1 or Windows-1252 encoded?)'
    raise AnnotationError(path, line, field,
                          f'{what}; expected a UTF-8 text file')


def check_fields(values: Sequence[str], names: Sequence[str], path: str,
                 line: int) -> None:
    """:func:`check_text` on each of a row's ``values``, named by ``names``
    (one search of the whole row when all are fine)."""
    if _NOT_TEXT.search(''.join(values)) is None:
        return
    for name, value in zip(names, values):
        check_text(value, path, line, name)


def csv_records(
    path: str,
    delimiter: str = ','
) -> Iterator[Tuple[int, Union[List[str], AnnotationError]]]:
    """``(first line, fields)`` of each record of a UTF-8 CSV or TSV, header
    first. A record that cannot be read (a field the ``csv`` module refuses,
    or a byte :func:`check_text` rejects) comes as an :class:`AnnotationError`
    in place of its fields, and the records after it follow."""
    with open_text(path, newline='') as f:
        reader = csv.reader(f, delimiter=delimiter)
        header, end_line = None, 0
        while True:
            line = end_line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                row = _csv_error(path, line, header, delimiter, error)
            end_line = reader.line_num
            if header is None:
                header = row if isinstance(row, list) else []
                names = ['header'] * len(header)
            else:
                names = header
            try:
                if isinstance(row, list):
                    check_fields(row, names, path, line)
            except AnnotationError as error:
                row = error
            yield line, row


def _csv_error(path: str, line: int, header: Optional[List[str]],
               delimiter: str, error: csv.Error) -> AnnotationError:
    """Locate a ``csv.Error``, the field over ``csv.field_size_limit``: a
    huge field, or rather a quote that is never closed."""
    limit, field, size, quoted = csv.field_size_limit(), 0, 0, False
    with open_text(path, newline='') as f:
        for char in itertools.chain.from_iterable(
                itertools.islice(f, line - 1, None)):
            if char == '"':
                quoted = not quoted
            elif char == delimiter and not quoted:
                field, size = field + 1, 0
            else:
                size += 1
                if size > limit:
                    break
    if header is None:
        name = 'header'
    else:
        name = header[field] if field < len(header) else f'#{field + 1}'
    return AnnotationError(path, line, name,
                           f'{error} (is a quote left open?)')


def parse_count(text: str, path: str, line: int, field: str,
                what: str = 'an integer >= 0') -> int:
    """An integer written with the ASCII digits only: ``int`` would also take
    ``'1_0'``, ``' 7'``, ``'+7'`` or other scripts' digits, and ``'²'``
    passes ``str.isdigit`` but not ``int``."""
    if _COUNT.fullmatch(text) is None:
        raise AnnotationError(path, line, field,
                              f'expected {what}, got {text!r}')
    return int(text)
