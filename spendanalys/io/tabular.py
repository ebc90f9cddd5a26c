"""From decoded text or workbook bytes to a raw grid: header, data cells and row numbers.

The CSV path finds the delimiter and the header with the stdlib ``csv`` module on the first rows
only, then parses the rest as strings (``csv_body``). Row numbers are the physical line where
each record starts: the header's line plus the lines each earlier record spans (a quoted field
with embedded newlines spans several).

The workbook path loads the sheet once with python-calamine and converts it column by column,
once per distinct cell type; text-only columns become the same string columns as CSV cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from spendanalys.errors import InputFormatError
from spendanalys.io.csv_body import (
    MAX_FIELDS_PER_ROW,
    TooWide,
    drop_run_on_records,
    offset_of_line,
    split_body,
)
from spendanalys.io.decode import LoadedFile
from spendanalys.io.headers import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from spendanalys.schema import Kind

DELIMITERS = (";", ",", "\t", "|")
_SAMPLE_CHARS = 400_000
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
    body = text[offset_of_line(text, data_start) :]
    try:
        cells, rows, unreadable = split_body(body, delimiter, width, data_start)
    except TooWide as exc:
        exact = exc.record >= 0 and '"' not in body
        raise _too_wide(file.name, data_start + exc.record if exact else None, exc.fields) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputFormatError(file.name, f"cannot parse as delimited text: {exc}") from None
    if '"' in body:
        cells, rows, swallowed = drop_run_on_records(cells, rows, delimiter, len(match.headers))
        unreadable = sorted(unreadable + swallowed)
    return RawTable(cells, rows, match, header_row, encoding, delimiter, unreadable=unreadable)


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
