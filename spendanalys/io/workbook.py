"""Workbook sheets to raw grids: every sheet that holds a table of the requested kind.

A workbook with one sheet per month is common; reading only the best-matching sheet lost most
of the money without a word. So every sheet is loaded once with python-calamine, its header
recognised on its own (headers may differ in detail from sheet to sheet), and each sheet either
becomes a table or is left with a reason the caller reports. Columns are converted once per
distinct cell type; text-only columns become the same string columns as CSV cells.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from spendanalys.errors import InputFormatError
from spendanalys.io.csv_body import MAX_FIELDS_PER_ROW
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
from spendanalys.io.tabular import HeaderCheck, RawTable
from spendanalys.schema import Kind

_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default str dtype, as CSV cells


@dataclass
class SheetTables:
    """The tables read from a workbook, and the sheets left with the reason."""

    tables: list[RawTable]
    left: dict[str, str] = field(default_factory=dict)
    sheet_names: list[str] = field(default_factory=list)


def _strip_texts(cells: np.ndarray) -> np.ndarray:
    """Text cells stripped (Python's notion of whitespace), once per distinct text."""
    codes, distinct = pd.factorize(cells)
    return np.array([t.strip() for t in distinct] + [""], dtype=object)[codes]


def _workbook_column(cells: np.ndarray) -> tuple[pd.Series, bool]:
    """One workbook column as the parsers want it, decided per distinct cell type.

    A column of text only (blank cells are "" in calamine) becomes a string column with ""
    for blank, exactly like a CSV column. Any other column stays object: text stripped with
    blank as None, times of day as ISO text, numbers, booleans and dates as they are.
    Also says whether the column holds any text cell.
    """
    types = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    type_codes, distinct_types = pd.factorize(types)
    if len(distinct_types) == 0 or (len(distinct_types) == 1 and distinct_types[0] is str):
        # pyarrow's whitespace is Python's (same 29 code points), so this equals str.strip().
        trimmed = pc.utf8_trim_whitespace(pa.array(cells, type=pa.large_string()))
        return pd.Series(trimmed, dtype=_TEXT), True
    out = cells.copy()
    if not any(issubclass(kind, str) for kind in distinct_types):
        return pd.Series(out, dtype=object), False
    for code, kind in enumerate(distinct_types):
        where = np.flatnonzero(type_codes == code)
        if issubclass(kind, str):
            stripped = _strip_texts(cells[where])
            stripped[stripped == ""] = None
            out[where] = stripped
        elif issubclass(kind, time):
            out[where] = [v.isoformat() for v in cells[where]]
    return pd.Series(out, dtype=object), True


def _workbook_cells(body: Sequence[Sequence[object]], width: int) -> pd.DataFrame:
    """Rows from calamine to columns: one 2-D object array, then one conversion per column.

    ``attrs["text_free"]`` lists the columns without any text cell."""
    if any(len(row) != width for row in body):
        body = [[*row, *[""] * (width - len(row))] for row in body]
    grid = np.empty((len(body), width), dtype=object)
    if body:
        grid[:, :] = body
    columns = {j: _workbook_column(grid[:, j]) for j in range(width)}
    frame = pd.DataFrame({j: column for j, (column, _) in columns.items()})
    # Columns without one text cell (told by the type pass above, at no extra cost).
    frame.attrs["text_free"] = [j for j, (_, has_text) in columns.items() if not has_text]
    return frame


def text_for_header(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _locate(
    grid: Sequence[Sequence[object]],
    kind: Kind,
    explicit: Mapping[str, str],
    header_row: int | None,
) -> tuple[int, HeaderMatch] | None:
    """The header's index in ``grid``: the given row, else found in the first rows, else
    (when those hold no header naming enough fields) anywhere in the sheet."""
    if header_row is not None:
        if header_row > len(grid):
            return None
        cells = [text_for_header(v) for v in grid[header_row - 1]]
        return header_row - 1, match_header(cells, kind, explicit)
    texts = ([text_for_header(v) for v in row] for row in grid)
    top = find_header(
        [[text_for_header(v) for v in row] for row in grid[:HEADER_SEARCH_ROWS]], kind, explicit
    )
    top_strong = top is not None and is_strong(top[1], explicit)
    if (
        top is not None
        and top_strong
        and (not wanted_fields(explicit) or has_mapped(top[1], explicit))
    ):
        return top
    further = find_header(texts, kind, explicit, limit=None)
    if (
        further is not None
        and is_strong(further[1], explicit)
        and (has_mapped(further[1], explicit) or not top_strong)
    ):
        return further
    return top


def _sheet_table(
    file: LoadedFile,
    name: str,
    grid: Sequence[Sequence[object]],
    kind: Kind,
    explicit: Mapping[str, str],
    header_row: int | None,
    check: HeaderCheck | None,
    alone: bool,
) -> RawTable | str:
    """One sheet's table, or why the sheet is not one (raised instead when it is the only
    candidate, so a single-sheet file keeps its precise error)."""
    found = _locate(grid, kind, explicit, header_row)
    if found is None or found[1].score == 0:
        if header_row is not None:
            return f"no {kind} header on row {header_row} (--header-row)"
        return f"no recognised {kind} header" + ("" if grid else " (the sheet is empty)")
    index, match = found
    if not alone and not is_strong(match, explicit):
        named = ", ".join(repr(match.headers[i]) for i in match.fields.values())
        return f"only one recognised header ({named}): not a {kind} table"
    if check is not None:
        try:
            check(match, index + 1, name)
        except InputFormatError as exc:
            if alone:
                raise
            return exc.reason
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
    text_free = frozenset(cells.attrs.pop("text_free", ()))
    return RawTable(cells, rows, match, index + 1, sheet=name, text_free=text_free)


def read_workbook_tables(
    file: LoadedFile,
    kind: Kind,
    explicit: Mapping[str, str],
    sheet: str | None,
    check: HeaderCheck | None = None,
    header_row: int | None = None,
) -> SheetTables:
    """Every sheet (or the one named) whose header names a table of ``kind``.

    Values come from python-calamine (cached formula results included); merged cells hold their
    value in the top-left cell only, which is all header detection needs. Each sheet is loaded
    (decompressed and parsed) once. In a workbook of several sheets, a sheet is a table when its
    header names at least two fields (or every mapped header) and has the required columns;
    the others are left, each with its reason. None left to read is an error naming each sheet.
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
    alone = len(candidates) == 1
    result = SheetTables([], sheet_names=names)
    for name in candidates:
        try:
            grid = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputFormatError(
                file.name, f"cannot read the sheet ({exc})", sheet=name
            ) from None
        table = _sheet_table(file, name, grid, kind, explicit, header_row, check, alone)
        if isinstance(table, str):
            if alone:
                raise InputFormatError(
                    file.name,
                    f"{table}; name the columns with --column FIELD=Header or give the header "
                    "row with --header-row N",
                    sheet=name,
                )
            result.left[name] = table
        else:
            result.tables.append(table)
    if not result.tables:
        reasons = "; ".join(f"{n!r}: {why}" for n, why in result.left.items())
        raise InputFormatError(
            file.name,
            f"no sheet holds a {kind} table ({reasons}); name the columns with --column "
            "FIELD=Header or the sheet with --sheet NAME",
        )
    return result
