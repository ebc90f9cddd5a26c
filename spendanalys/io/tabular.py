"""From decoded text or workbook bytes to a raw grid: header, data cells and row numbers.

The CSV path finds the delimiter and the header with the stdlib ``csv`` module on the first rows
only, then parses the rest as strings: with pyarrow's multi-threaded parser into Arrow-backed
columns when every record is one line (quoted fields included), else with pandas' C parser
(records across lines, ragged rows, stray CRs). Row numbers are the physical line where each
record starts: the header's line plus the lines each earlier record spans (a quoted field with
embedded newlines spans several).

The workbook path loads the sheet once with python-calamine and converts it column by column,
once per distinct cell type; text-only columns become the same string columns as CSV cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import python_calamine

from spendanalys.errors import InputFormatError
from spendanalys.io.decode import LoadedFile
from spendanalys.io.headers import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from spendanalys.schema import Kind

DELIMITERS = (";", ",", "\t", "|")
# The readers' cost grows with the widest row (pandas and the blank matrix work per column);
# real exports have tens of columns, so a row of thousands of cells is refused, not read for
# minutes. The upload guard applies the same limit to raw bytes before any parsing.
MAX_FIELDS_PER_ROW = 2_000
_SAMPLE_CHARS = 400_000
_SAW_FIELDS = re.compile(r"saw (\d+)")
_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default str dtype, as CSV cells

# Called with the header match, the header row and the sheet once the header is known, before
# the body is parsed: lets the caller refuse a file early (missing required columns).
HeaderCheck = Callable[[HeaderMatch, int, "str | None"], None]


@dataclass
class RawTable:
    """Data cells below the header, one row per record, with the row number the user sees.

    ``cells`` has integer column labels (the header's positions); CSV cells and workbook columns
    of text only are strings (blank is ""); other workbook columns are object, cells keep their
    types (float, datetime, bool, str) with blank as None.
    """

    cells: pd.DataFrame
    rows: np.ndarray  # int64, row number as the user sees it
    match: HeaderMatch
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    # Records that could not be split into cells: (row, header position, reason); each becomes
    # a rejected row, so a broken line is reported, never dropped.
    unreadable: list[tuple[int, int, str]] = field(default_factory=list)


class _TooWide(ValueError):
    """A record with more cells than MAX_FIELDS_PER_ROW (``record``: 0-based in the body)."""

    def __init__(self, record: int, fields: int) -> None:
        self.record, self.fields = record, fields
        super().__init__(record, fields)


class _UnterminatedQuote(ValueError):
    """A quoted field opened in body record ``record`` (0-based) runs to the end of the text."""

    def __init__(self, record: int) -> None:
        self.record = record
        super().__init__(record)


def _sample_records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """First records and the physical line each starts on (1-based)."""
    # A stray CR inside a row is content, not a line break (see decode); csv would refuse it.
    sample = text[:_SAMPLE_CHARS].replace("\r", " ")
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    records: list[list[str]] = []
    starts: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            records.append(record)
            starts.append(previous_end + 1)
            previous_end = reader.line_num
            if len(records) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # the sample cut a quoted field; the rows read so far are enough to find the header
    starts.append(previous_end + 1)  # where the next record starts
    return records, starts


def _no_header(name: str, kind: Kind, seen: list[list[str]]) -> InputFormatError:
    first = next((r for r in seen if any(c.strip() for c in r)), [])
    shown = ", ".join(repr(c.strip()) for c in first if c.strip())[:300]
    return InputFormatError(
        name,
        f"no recognised {kind} header in the first {HEADER_SEARCH_ROWS} rows "
        f"(first non-empty row: {shown or 'none'}); name the columns with --column FIELD=Header",
    )


def _offset_of_line(text: str, line: int) -> int:
    """Character offset where physical line ``line`` (1-based) starts."""
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def _read_single_line_body(data: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """Fast path for bodies whose records are one line each: pyarrow's multi-threaded parser.

    Returns None when a row has another number of cells than ``width`` or a quoted field spans
    lines (fewer records than lines); the general parser then handles the file. Quoted fields
    are read as pandas' parser reads them (opening quote at a field start, ``""`` escapes).
    Empty lines come back as rows of empty cells, so row numbering is unchanged. Cells are
    pyarrow-backed strings, converted without a detour through Python objects.
    """
    names = [str(i) for i in range(width)]
    has_quotes = b'"' in data
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char='"' if has_quotes else False,
                double_quote=True,
                newlines_in_values=has_quotes,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                # large_string is what pandas' str dtype holds: no conversion afterwards
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if table.num_rows != lines:
        return None  # a quoted field spans lines: pandas' parser numbers such records exactly
    frame = table.to_pandas()
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

    Raises _TooWide for a record wider than MAX_FIELDS_PER_ROW and _UnterminatedQuote when a
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
                raise _UnterminatedQuote(int(unterminated.group(1))) from None
            saw = _SAW_FIELDS.search(message)
            if not saw or int(saw.group(1)) <= width:
                raise
            width = int(saw.group(1))
            if width > MAX_FIELDS_PER_ROW:
                where = re.search(r"in line (\d+)", message)
                raise _TooWide(int(where.group(1)) - 1 if where else -1, width) from None
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


def _split_body(
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
    except _UnterminatedQuote as exc:
        head = _read_general_body(body, delimiter, width, nrows=exc.record)
    spans = _record_lines(head, True)
    used = int(spans.sum())
    broken_at, rest = _offset_of_line(body, used + 1), _offset_of_line(body, used + 2)
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


def read_text_table(
    file: LoadedFile,
    text: str,
    encoding: str,
    kind: Kind,
    explicit: Mapping[str, str],
    check: HeaderCheck | None = None,
) -> RawTable:
    """Sniff the delimiter (the one whose header names most fields), find the header, parse."""
    best: tuple[int, int, str, list[list[str]], list[int], int, HeaderMatch] | None = None
    fallback: list[list[str]] = []
    for delimiter in DELIMITERS:
        records, starts = _sample_records(text, delimiter)
        if not fallback:
            fallback = records
        found = find_header(records, kind, explicit)
        if found is None:
            continue
        index, match = found
        key = (match.score, len(match.headers))
        if best is None or key > (best[0], best[1]):
            best = (match.score, len(match.headers), delimiter, records, starts, index, match)
    if best is None:
        raise _no_header(file.name, kind, fallback)
    _, _, delimiter, records, starts, index, match = best
    header_row = starts[index]
    if check is not None:
        check(match, header_row, None)
    data_start = starts[index + 1]
    width = max([len(r) for r in records] + [len(match.headers)])
    if width > MAX_FIELDS_PER_ROW:
        widest = max(range(len(records)), key=lambda i: len(records[i]))
        raise _too_wide(file.name, starts[widest], len(records[widest]))
    body = text[_offset_of_line(text, data_start) :]
    try:
        cells, rows, unreadable = _split_body(body, delimiter, width, data_start)
    except _TooWide as exc:
        exact = exc.record >= 0 and '"' not in body
        raise _too_wide(file.name, data_start + exc.record if exact else None, exc.fields) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputFormatError(file.name, f"cannot parse as delimited text: {exc}") from None
    if '"' in body:
        cells, rows, swallowed = _drop_run_on_records(cells, rows, delimiter, len(match.headers))
        unreadable = sorted(unreadable + swallowed)
    return RawTable(cells, rows, match, header_row, encoding, delimiter, unreadable=unreadable)


def _drop_run_on_records(
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


def _too_wide(name: str, row: int | None, fields: int) -> InputFormatError:
    return InputFormatError(
        name,
        f"a row has {fields:,} cells (at most {MAX_FIELDS_PER_ROW:,} are read): not a normal "
        "export; remove the stray separators",
        row=row,
    )


def _strip_texts(cells: np.ndarray) -> np.ndarray:
    """Text cells stripped (Python's notion of whitespace), once per distinct text."""
    codes, distinct = pd.factorize(cells)
    return np.array([t.strip() for t in distinct] + [""], dtype=object)[codes]


def _workbook_column(cells: np.ndarray) -> pd.Series:
    """One workbook column as the parsers want it, decided per distinct cell type.

    A column of text only (blank cells are "" in calamine) becomes a string column with ""
    for blank, exactly like a CSV column. Any other column stays object: text stripped with
    blank as None, times of day as ISO text, numbers, booleans and dates as they are.
    """
    types = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    type_codes, distinct_types = pd.factorize(types)
    if len(distinct_types) == 0 or (len(distinct_types) == 1 and distinct_types[0] is str):
        # pyarrow's whitespace is Python's (same 29 code points), so this equals str.strip().
        trimmed = pc.utf8_trim_whitespace(pa.array(cells, type=pa.large_string()))
        return pd.Series(trimmed, dtype=_TEXT)
    out = cells.copy()
    for code, kind in enumerate(distinct_types):
        where = np.flatnonzero(type_codes == code)
        if issubclass(kind, str):
            stripped = _strip_texts(cells[where])
            stripped[stripped == ""] = None
            out[where] = stripped
        elif issubclass(kind, time):
            out[where] = [v.isoformat() for v in cells[where]]
    return pd.Series(out, dtype=object)


def _workbook_cells(body: Sequence[Sequence[object]], width: int) -> pd.DataFrame:
    """Rows from calamine to columns: one 2-D object array, then one conversion per column."""
    if any(len(row) != width for row in body):
        body = [[*row, *[""] * (width - len(row))] for row in body]
    grid = np.empty((len(body), width), dtype=object)
    if body:
        grid[:, :] = body
    return pd.DataFrame({j: _workbook_column(grid[:, j]) for j in range(width)})


def read_workbook_table(
    file: LoadedFile,
    kind: Kind,
    explicit: Mapping[str, str],
    sheet: str | None,
    check: HeaderCheck | None = None,
) -> RawTable:
    """Pick the sheet (named, or the one whose header names most fields) and read it.

    Values come from python-calamine (cached formula results included); merged cells hold their
    value in the top-left cell only, which is all header detection needs. Each sheet is loaded
    (decompressed and parsed) once: the header search and the body use the same sheet object.
    """
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(file.data))
        names = list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own types for corrupt zips and XML
        raise InputFormatError(file.name, f"not a readable .xlsx workbook ({exc})") from None
    if sheet is not None and sheet not in names:
        raise InputFormatError(
            file.name, f"no sheet named {sheet!r}; sheets: {', '.join(map(repr, names))}"
        )
    candidates = [sheet] if sheet is not None else names
    best: tuple[int, str, int, HeaderMatch, python_calamine.CalamineSheet] | None = None
    for name in candidates:
        try:
            loaded = workbook.get_sheet_by_name(name)
            top = loaded.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
        except Exception as exc:
            raise InputFormatError(
                file.name, f"cannot read the sheet ({exc})", sheet=name
            ) from None
        found = find_header([[_text_for_header(v) for v in row] for row in top], kind, explicit)
        if found is not None and (best is None or found[1].score > best[0]):
            best = (found[1].score, name, found[0], found[1], loaded)
    if best is None:
        where = f"sheet {sheet!r}" if sheet else f"any of the sheets {', '.join(map(repr, names))}"
        raise InputFormatError(
            file.name,
            f"no recognised {kind} header in {where}; name the columns with --column FIELD=Header",
        )
    _, name, index, match, loaded = best
    if check is not None:
        check(match, index + 1, name)
    try:
        grid = loaded.to_python(skip_empty_area=False)
    except Exception as exc:
        raise InputFormatError(file.name, f"cannot read the sheet ({exc})", sheet=name) from None
    body = grid[index + 1 :]
    width = max([len(r) for r in body] + [len(match.headers)]) if body else len(match.headers)
    if width > MAX_FIELDS_PER_ROW:
        raise InputFormatError(
            file.name,
            f"the sheet is {width:,} columns wide (at most {MAX_FIELDS_PER_ROW:,} are read): "
            "delete the stray cells far to the right of the table",
            sheet=name,
        )
    cells = _workbook_cells(body, width)
    rows = np.arange(index + 2, index + 2 + len(body), dtype=np.int64)
    notes = [] if len(names) == 1 or sheet else [f"read sheet {name!r} of {len(names)}"]
    return RawTable(cells, rows, match, index + 1, sheet=name, notes=notes)


def _text_for_header(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
