"""From decoded text or workbook bytes to a raw grid: header, data cells and row numbers.

The CSV path finds the delimiter and the header with the stdlib ``csv`` module on the first rows
(the whole file only when they hold no header), then parses the rest as strings (``csv_body``).
Row numbers are the physical line where each record starts: the header's line plus the lines
each earlier record spans (a quoted field with embedded newlines spans several). Workbooks:
``workbook.py``; a header repeated inside the body: ``segments.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spendanalys.errors import InputFormatError
from spendanalys.io.csv_body import (
    MAX_FIELDS_PER_ROW,
    TooWide,
    drop_run_on_records,
    offset_of_line,
    split_body,
)
from spendanalys.io.decode import LoadedFile
from spendanalys.io.headers import (
    HEADER_SEARCH_ROWS,
    HeaderMatch,
    find_header,
    has_mapped,
    is_strong,
    match_header,
    wanted_fields,
)
from spendanalys.schema import Kind

DELIMITERS = (";", ",", "\t", "|")
SAMPLE_CHARS = 400_000

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
    # Workbook columns holding no text cell at all (dates, numbers): no header can repeat there
    # and no written date needs its day/month order decided, so those passes skip them.
    text_free: frozenset[int] = frozenset()

    def take_cells(self) -> pd.DataFrame:
        """The cells, handed over: this table keeps only their columns (no rows), so whoever
        takes them can free each column when done with it."""
        cells, self.cells = self.cells, self.cells.iloc[:0]
        return cells


def _records(text: str, delimiter: str, sample: bool) -> Iterator[tuple[list[str], int, int]]:
    """Records with the physical lines they span (first, last; 1-based).

    ``sample``: only the first ``SAMPLE_CHARS`` (the header search); else the whole text.
    """
    # A stray CR inside a row is content, not a line break (see decode); csv would refuse it.
    source = (text[:SAMPLE_CHARS] if sample else text).replace("\r", " ")
    reader = csv.reader(io.StringIO(source), delimiter=delimiter)
    previous_end = 0
    try:
        for record in reader:
            yield record, previous_end + 1, reader.line_num
            previous_end = reader.line_num
    except csv.Error:
        return  # the sample cut a quoted field; the rows read so far are enough to find the header


@dataclass(frozen=True)
class TextHeader:
    """Where a CSV header is: its line, the line the body starts on, the match, rows seen."""

    delimiter: str
    header_row: int
    data_start: int
    match: HeaderMatch
    width: int
    widest_row: int  # the line of the widest record seen from the header on


def _search(
    text: str,
    delimiter: str,
    kind: Kind,
    explicit: Mapping[str, str],
    header_row: int | None,
    sample: bool,
) -> TextHeader | None:
    """The header under one delimiter: the given line, else found by :func:`find_header`."""
    spans: list[tuple[int, int]] = []
    widths: list[int] = []

    def rows() -> Iterator[list[str]]:
        for record, first, last in _records(text, delimiter, sample):
            if header_row is not None and last < header_row:
                continue
            if header_row is not None and first != header_row:
                return  # the line is inside a multi-line record: no header there
            spans.append((first, last))
            widths.append(len(record))
            yield record
            if sample and len(spans) >= HEADER_SEARCH_ROWS:
                return

    if header_row is not None:
        first_row = next(rows(), None)
        if first_row is None:
            return None
        match = match_header(first_row, kind, explicit)
        return TextHeader(delimiter, header_row, spans[0][1] + 1, match, len(first_row), header_row)
    # The sample is read whole (at most HEADER_SEARCH_ROWS records): the rows below the header
    # tell how wide the body is.
    records = list(rows()) if sample else rows()
    found = find_header(records, kind, explicit, HEADER_SEARCH_ROWS if sample else None)
    if found is None:
        return None
    index, match = found
    widest = max(range(index, len(widths)), key=lambda i: widths[i])
    first_line, last_line = spans[index]
    return TextHeader(delimiter, first_line, last_line + 1, match, widths[widest], spans[widest][0])


def _no_header(name: str, kind: Kind, text: str, header_row: int | None) -> InputFormatError:
    if header_row is not None:
        return InputFormatError(
            name, f"no {kind} header on line {header_row} (--header-row)", row=header_row
        )
    first = next((r for r, _, _ in _records(text, ";", True) if any(c.strip() for c in r)), [])
    shown = ", ".join(repr(c.strip()) for c in first if c.strip())[:300]
    return InputFormatError(
        name,
        f"no recognised {kind} header in the file (first non-empty row: {shown or 'none'}); "
        "name the columns with --column FIELD=Header or give the line with --header-row N",
    )


def _best(found: Sequence[TextHeader | None]) -> TextHeader | None:
    """The delimiter under which the header names most fields (then: has most cells)."""
    best: TextHeader | None = None
    for candidate in found:
        if candidate is None or candidate.match.score == 0:
            continue
        key = (candidate.match.score, len(candidate.match.headers))
        if best is None or key > (best.match.score, len(best.match.headers)):
            best = candidate
    return best


def _settled(found: TextHeader | None, explicit: Mapping[str, str]) -> bool:
    """The sample's header will do: strong, and holding the mapped headers when there are any."""
    if found is None or not is_strong(found.match, explicit):
        return False
    return not wanted_fields(explicit) or has_mapped(found.match, explicit)


def find_text_header(
    text: str,
    kind: Kind,
    explicit: Mapping[str, str],
    header_row: int | None = None,
    *,
    whole_file: bool = True,
) -> TextHeader | None:
    """Sniff the delimiter (the one whose header names most fields) and find the header.

    The header is searched in the first rows of every delimiter; when none names enough fields
    there, the whole file is searched (a header below a long preamble, or on the last line).
    ``whole_file=False`` (``text`` is only the start of the file): None instead of that search.
    """
    best = _best([_search(text, d, kind, explicit, header_row, True) for d in DELIMITERS])
    if header_row is None and not _settled(best, explicit):
        if not whole_file:
            return None
        further = _best([_search(text, d, kind, explicit, None, False) for d in DELIMITERS])
        best_strong = best is not None and is_strong(best.match, explicit)
        if (
            further is not None
            and is_strong(further.match, explicit)
            and (has_mapped(further.match, explicit) or not best_strong)
        ):
            best = further
    return best


def read_text_table(
    file: LoadedFile,
    text: str,
    encoding: str,
    kind: Kind,
    explicit: Mapping[str, str],
    check: HeaderCheck | None = None,
    header_row: int | None = None,
) -> RawTable:
    """Find the header (:func:`find_text_header`), then parse the body below it as strings."""
    best = find_text_header(text, kind, explicit, header_row)
    if best is None:
        raise _no_header(file.name, kind, text, header_row)
    match, data_start, delimiter = best.match, best.data_start, best.delimiter
    if check is not None:
        check(match, best.header_row, None)
    width = max(best.width, len(match.headers))
    if width > MAX_FIELDS_PER_ROW:
        raise _too_wide(file.name, best.widest_row, width)
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
    return RawTable(cells, rows, match, best.header_row, encoding, delimiter, unreadable=unreadable)


def _too_wide(name: str, row: int | None, fields: int) -> InputFormatError:
    return InputFormatError(
        name,
        f"a row has {fields:,} cells (at most {MAX_FIELDS_PER_ROW:,} are read): not a normal "
        "export; remove the stray separators",
        row=row,
    )
