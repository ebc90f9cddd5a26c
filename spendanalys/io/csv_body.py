"""The body of a CSV export (the text below its header) as string cells, one row per record.

pyarrow's multi-threaded parser reads it when every record is one line (quoted fields
included); pandas' C parser otherwise (records across lines, ragged rows, stray CRs). What no
parser can split is reported, never dropped: the line of an unterminated quote, and the lines a
stray quote joined into one record. Rows wider than MAX_FIELDS_PER_ROW are refused: the cost of
reading grows with the widest row.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from spendanalys.io.code_page import ASCII_SINGLE_BYTE, batch_to_utf8

# The readers' cost grows with the widest row (pandas and the blank matrix work per column);
# real exports have tens of columns, so a row of thousands of cells is refused, not read for
# minutes. The upload guard applies the same limit to raw bytes before any parsing.
MAX_FIELDS_PER_ROW = 2_000
_SAW_FIELDS = re.compile(r"saw (\d+)")
_UTF8_BOM = b"\xef\xbb\xbf"
_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


class TooWide(ValueError):
    """A record with more cells than MAX_FIELDS_PER_ROW (``record``: 0-based in the body)."""

    def __init__(self, record: int, fields: int) -> None:
        self.record, self.fields = record, fields
        super().__init__(record, fields)


class UnterminatedQuote(ValueError):
    """A quoted field opened in body record ``record`` (0-based) runs to the end of the text."""

    def __init__(self, record: int) -> None:
        self.record = record
        super().__init__(record)


def offset_of_line(text: str, line: int) -> int:
    """Character offset where physical line ``line`` (1-based) starts."""
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def _read_single_line_body(data: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """Fast path for bodies whose records are one line each (see :func:`read_one_line_records`)."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return read_one_line_records(data, delimiter, width, lines=lines, quoted=b'"' in data)


def read_one_line_records(
    data: bytes | pa.Buffer,
    delimiter: str,
    width: int,
    *,
    lines: int,
    quoted: bool,
    encoding: str = "utf8",
) -> pd.DataFrame | None:
    """The body's ``lines`` physical lines as string cells with pyarrow's multi-threaded parser.

    Returns None when a row has another number of cells than ``width`` or a quoted field spans
    lines (fewer records than lines); the general parser then handles the file. Quoted fields
    are read as pandas' parser reads them (opening quote at a field start, ``""`` escapes).
    Empty lines come back as rows of empty cells, so row numbering is unchanged. Cells are
    pyarrow-backed strings, converted without a detour through Python objects. ``encoding``
    other than UTF-8 is transcoded (a decode error propagates): a single-byte code page such
    as cp1252 after splitting the raw bytes, only its cells with non-ASCII bytes; any other by
    pyarrow block by block.
    """
    names = [str(i) for i in range(width)]
    # pyarrow drops a UTF-8 BOM at the start of what it reads as UTF-8; in cp1252 those three
    # bytes are the cell text "ï»¿", so such a body is transcoded before it is split.
    split_raw = encoding in ASCII_SINGLE_BYTE and bytes(memoryview(data)[:3]) != _UTF8_BOM
    # Batches of pyarrow's default block (1 MiB): larger ones cost less transcoding per cell
    # but raised the 10M-line peak RSS (3,573 MiB with 4 MiB blocks against 3,480 MiB).
    options = {
        "read_options": pa_csv.ReadOptions(
            column_names=names, encoding="utf8" if split_raw else encoding
        ),
        "parse_options": pa_csv.ParseOptions(
            delimiter=delimiter,
            quote_char='"' if quoted else False,
            double_quote=True,
            newlines_in_values=quoted,
            ignore_empty_lines=False,
        ),
        "convert_options": pa_csv.ConvertOptions(
            # large_string is what pandas' str dtype holds: no conversion afterwards
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=not split_raw,
        ),
    }
    try:
        if split_raw:
            # Batch by batch, so that the raw cells of a batch are freed before the next is
            # parsed into the same memory: the raw and the UTF-8 body are never both held.
            reader = pa_csv.open_csv(pa.BufferReader(data), **options)
            batches = [batch_to_utf8(batch, encoding) for batch in reader]
            table = pa.Table.from_batches(batches, reader.schema)
        else:
            table = pa_csv.read_csv(pa.BufferReader(data), **options)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows != lines:
        return None  # a quoted field spans lines: pandas' parser numbers such records exactly
    frame: pd.DataFrame = table.to_pandas()
    frame.columns = list(range(width))
    return frame


def _read_body(body: str, delimiter: str, width: int) -> tuple[pd.DataFrame, bool]:
    """Parse the text below the header as strings; widen when a row has more cells.

    Also says whether records may span lines (then row numbers count embedded newlines).
    """
    if body and not body.isspace() and "\r" not in body:
        single = _read_single_line_body(body.encode("utf-8"), delimiter, width)
        if single is not None:
            return single, False
    return _read_general_body(body, delimiter, width), '"' in body


def _read_general_body(
    body: str, delimiter: str, width: int, nrows: int | None = None
) -> pd.DataFrame:
    """pandas' C parser: quoted fields across lines, ragged rows (widened), stray CRs.

    Raises TooWide for a record wider than MAX_FIELDS_PER_ROW and UnterminatedQuote when a
    quoted field never closes; ``nrows`` reads only the records before such a one.
    """
    while True:
        try:
            frame = pd.read_csv(
                io.StringIO(body),
                sep=delimiter,
                header=None,
                names=list(range(width)),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                quotechar='"',
                lineterminator="\n",
                engine="c",
                nrows=nrows,
            )
            return frame.fillna("")
        except pd.errors.ParserError as exc:
            message = str(exc)
            unterminated = _EOF_IN_QUOTE.search(message)
            if unterminated:
                raise UnterminatedQuote(int(unterminated.group(1))) from None
            saw = _SAW_FIELDS.search(message)
            if not saw or int(saw.group(1)) <= width:
                raise
            width = int(saw.group(1))
            if width > MAX_FIELDS_PER_ROW:
                where = re.search(r"in line (\d+)", message)
                raise TooWide(int(where.group(1)) - 1 if where else -1, width) from None
        except pd.errors.EmptyDataError:
            return pd.DataFrame({i: pd.Series([], dtype=str) for i in range(width)})


def _open_quote_field(line: str, delimiter: str) -> int:
    """Position of the field whose opening quote is still open at the end of ``line``."""
    position, in_quote, field_start = 0, False, True
    for char in line:
        if in_quote:
            in_quote = char != '"'
        elif char == delimiter:
            position, field_start = position + 1, True
            continue
        elif char == '"' and field_start:
            in_quote = True
        field_start = False
    return position


def _record_lines(cells: pd.DataFrame, multiline: bool) -> np.ndarray:
    """Physical lines each record spans (1 unless a quoted cell holds newlines)."""
    spans = np.ones(len(cells), dtype=np.int64)
    if multiline:
        for column in cells.columns:
            spans += cells[column].str.count("\n").to_numpy(dtype=np.int64)
    return spans


def split_body(
    body: str, delimiter: str, width: int, first_line: int
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, int, str]]]:
    """Parse the body: cells, the row number of each record, and records no parser can split.

    An unterminated quote would swallow the rest of the file. The records before it are read,
    its own line is reported as unreadable, and parsing resumes on the next line. It happens at
    most once: a later quote anywhere would have closed it.
    """
    try:
        cells, multiline = _read_body(body, delimiter, width)
        return cells, _row_numbers(cells, multiline, first_line), []
    except UnterminatedQuote as exc:
        head = _read_general_body(body, delimiter, width, nrows=exc.record)
    spans = _record_lines(head, True)
    used = int(spans.sum())
    broken_at, rest = offset_of_line(body, used + 1), offset_of_line(body, used + 2)
    position = _open_quote_field(body[broken_at:rest].rstrip("\n"), delimiter)
    reason = (
        'a field opens with a quote (") that never closes, so the row cannot be split into '
        "cells; remove the stray quote or close it"
    )
    tail, tail_multiline = _read_body(body[rest:], delimiter, width)
    tail_line = first_line + used + 1
    cells = pd.concat(
        [
            frame.reindex(columns=range(max(head.shape[1], tail.shape[1])), fill_value="")
            for frame in (head, tail)
        ],
        ignore_index=True,
    )
    rows = np.concatenate(
        [_row_numbers(head, True, first_line), _row_numbers(tail, tail_multiline, tail_line)]
    )
    return cells, rows, [(first_line + used, position, reason)]


def _row_numbers(cells: pd.DataFrame, multiline: bool, first_line: int) -> np.ndarray:
    """The physical line each record starts on."""
    spans = _record_lines(cells, multiline)
    if not len(spans):
        return spans
    return first_line + np.concatenate(([0], np.cumsum(spans)[:-1])).astype(np.int64)


def drop_run_on_records(
    cells: pd.DataFrame, rows: np.ndarray, delimiter: str, width: int
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, int, str]]]:
    """Take out records whose quoted cell swallowed whole rows (a stray quote closed later).

    CSV allows newlines inside quotes, so ``A;"text`` followed some lines later by another
    quote is one valid record holding the rows between: they would vanish into a text cell.
    A continuation line with a row's worth of separators (``width - 1``) gives it away; such a
    record is reported as unreadable rather than accepted.
    """
    if not len(rows) or rows[-1] - rows[0] + 1 == len(rows):
        return cells, rows, []  # every record on one line: nothing can have been swallowed
    needed = max(1, width - 1)
    suspicious: dict[int, int] = {}
    for position in cells.columns:
        column = cells[position]
        if column.dtype == object:
            continue
        multi = np.flatnonzero(column.str.contains("\n", regex=False).to_numpy(bool))
        for i in multi.tolist():
            lines = str(column.iat[i]).split("\n")[1:]
            if any(line.count(delimiter) >= needed for line in lines):
                suspicious.setdefault(i, int(position))
    if not suspicious:
        return cells, rows, []
    spans = _record_lines(cells, True)
    found: list[tuple[int, int, str]] = []
    for i, column_at in sorted(suspicious.items()):
        first, last = int(rows[i]), int(rows[i] + spans[i] - 1)
        found.append(
            (
                first,
                column_at,
                f"a quoted cell runs from row {first} to row {last} and holds whole rows: "
                'probably a stray quote (") in this row',
            )
        )
        found.extend(
            (row, column_at, f"not read: inside the quoted cell that opens in row {first}")
            for row in range(first + 1, last + 1)
        )
    keep = np.ones(len(cells), dtype=bool)
    keep[list(suspicious)] = False
    return cells[keep].reset_index(drop=True), rows[keep], found
