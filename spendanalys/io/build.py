"""One raw table (a header and the cells below it) to canonical rows and rejected rows.

Every non-empty row below the header ends up exactly once: accepted, rejected (with file, row,
column and reason), or skipped as a total row ("Summa", "Totalt", "Grand Total"...) and noted in
``ReadInfo.notes``. Fully empty rows are not data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendanalys.io.arrow_text import blank_values, holding
from spendanalys.io.dates import DateOrder, parse_dates
from spendanalys.io.headers import is_total_label
from spendanalys.io.numbers import Decimal, NumberColumn, classify_numbers, decide_decimal
from spendanalys.io.result import ReadInfo, ReadResult, RejectedRow
from spendanalys.io.tabular import RawTable
from spendanalys.io.values import (
    Parsed,
    RequirementsParsed,
    parse_booleans,
    parse_cpv,
    parse_floats,
    parse_ints,
    parse_org_numbers,
    parse_requirements,
    parse_text,
)
from spendanalys.schema import (
    PANDAS_DTYPES,
    SCHEMAS,
    SOURCE_FILE,
    SOURCE_ROW,
    Kind,
    canonical_columns,
)

_TOTAL_HINT = r"(?i)summa|total"
_MAX_NOTED_TOTALS = 20
# Date fields where a year alone is enough (trips per year, invoices by year): "2017" and a
# numeric 2019 become 1 January of the year, counted in ReadInfo.year_only.
YEAR_IS_ENOUGH = frozenset({("trips", "date"), ("invoices", "date")})


def _blank_column(column: pd.Series) -> np.ndarray:
    """True where a cell is empty (CSV: only whitespace; workbook: None).

    A CSV column's cells are looked at byte-wise first (:func:`blank_values`)."""
    if column.dtype == object:
        blank: np.ndarray = column.isna().to_numpy()
        return blank
    text = pa.array(column, type=pa.large_string())
    if not text.null_count:
        return blank_values(text)
    # no bytes, or whitespace only (utf8_is_space is false for an empty string)
    empty = pc.equal(pc.binary_length(text), 0)
    spaces: np.ndarray = pc.or_(empty, pc.utf8_is_space(text)).to_numpy(zero_copy_only=False)
    return spaces


def _blank_matrix(cells: pd.DataFrame) -> np.ndarray:
    """True where a cell is empty, a column at a time."""
    blank = np.empty(cells.shape, dtype=bool, order="F")  # filled a column at a time
    for j, column in enumerate(cells.columns):
        blank[:, j] = _blank_column(cells[column])
    return blank


# Rows a cell-by-cell parser reads at a time (:func:`_in_blocks`): a million-line file is one
# block, a longer one is parsed in pieces of this size.
_PARSE_ROWS = 1 << 20
# Rows per block of a repeated text column: the column's chunks are one block, shared.
_BLOCK_ROWS = 1 << 16


def _repeated(value: object, dtype: Any, n: int) -> pd.Series:
    """``n`` copies of one value in ``dtype``, built by a take (no million-item Python list).

    A pyarrow text column (the source file's name on every row, a field the file lacks) is one
    block of rows repeated as the chunks of a chunked array: the same values, without holding
    the label's bytes once per row (430 MB of a ten-million-line file's name).
    """
    one = pd.Series([value], dtype=object).astype(dtype)
    if isinstance(one.array, pd.arrays.ArrowStringArray) and n > _BLOCK_ROWS:
        block = pa.array(one.array).take(pa.array(np.zeros(_BLOCK_ROWS, dtype=np.int64)))
        chunks = [block] * (n // _BLOCK_ROWS)
        if n % _BLOCK_ROWS:
            chunks.append(block.slice(0, n % _BLOCK_ROWS))
        shared = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=block.type)))
        if shared.dtype == one.dtype:
            return shared
    return one.take(np.zeros(n, dtype=np.intp)).reset_index(drop=True)


def _kept_columns(
    cells: pd.DataFrame, mask: np.ndarray, positions: Iterable[int]
) -> dict[int, pd.Series]:
    """The columns at ``positions``, only the rows of ``mask``, renumbered.

    A slice (no copy) when the kept rows are contiguous: the usual export keeps everything but
    a title or a final total row. Otherwise one column is copied at a time.
    """
    kept = np.flatnonzero(mask)
    contiguous = not len(kept) or kept[-1] - kept[0] + 1 == len(kept)
    start, stop = (int(kept[0]), int(kept[-1]) + 1) if len(kept) else (0, 0)
    columns = {}
    for position in positions:
        column = cells[position]
        column = column.iloc[start:stop] if contiguous else column[mask]
        columns[position] = column.reset_index(drop=True)
    return columns


def _first_filled(blank: np.ndarray) -> np.ndarray:
    """Per row, the position of its first non-empty cell (0 for an empty row).

    Only rows whose first cell is empty are searched: in an export nearly every row starts
    with a value, and an argmax across a column-major matrix reads it a row at a time.
    """
    first = np.zeros(len(blank), dtype=np.intp)
    if blank.shape[1]:
        later = np.flatnonzero(blank[:, 0])
        if len(later):
            first[later] = np.argmax(~blank[later], axis=1)
    return first


# The total hint without case (RE2's case folding gives these letters no other partners):
# a cell the hint finds holds one of them once ASCII letters are lowered.
_HINT_PARTS = ("umma", "otal")


def _total_hints(column: pa.ChunkedArray | pa.Array, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` (positions in ``column``) hold the total hint ("summa" or "total",
    any case). Such a cell holds a "u" or an "o" (either case: RE2's case folding gives them
    no other partners), so only those cells are lowered and searched for a part of the hint,
    ``_PARSE_ROWS`` at a time (the lowered copy stays small); the regex runs on the cells
    that search picks."""
    candidates: np.ndarray = rows[holding(column, b"uUoO")[rows]]
    found = np.zeros(len(candidates), dtype=bool)
    for start in range(0, len(candidates), _PARSE_ROWS):
        block = column.take(pa.array(candidates[start : start + _PARSE_ROWS]))
        lowered = pc.ascii_lower(block)
        maybe = pc.or_(*(pc.match_substring(lowered, part) for part in _HINT_PARTS))
        found[start : start + len(block)] = maybe.to_numpy(zero_copy_only=False)
    candidates = candidates[found]
    if not len(candidates):
        return candidates
    cells = column.take(pa.array(candidates))
    hint = pc.match_substring_regex(cells, "summa|total", ignore_case=True)
    hinted: np.ndarray = candidates[hint.to_numpy(zero_copy_only=False)]
    return hinted


def _total_rows(cells: pd.DataFrame, blank: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Rows whose first non-empty cell is a total label ("Summa", "Grand Total"...).

    Only each row's first non-empty cell is looked at; a cheap contains() pass picks the few
    candidates that are then folded and compared in Python.
    """
    totals = np.zeros(len(cells), dtype=bool)
    if not blank.shape[1]:
        return totals
    first = _first_filled(blank)
    for j in np.flatnonzero(np.bincount(first[data], minlength=blank.shape[1])):
        column = cells[cells.columns[int(j)]]
        rows = np.flatnonzero(data & (first == j))
        if column.dtype == object:
            values = column.iloc[rows]
            hint = values.astype(str).str.contains(_TOTAL_HINT, regex=True)
            rows = rows[hint.fillna(False).to_numpy(bool)]
        else:  # a substring search over the column, no copy of the candidate rows
            rows = _total_hints(pa.array(column, type=pa.large_string()), rows)
        for i in rows.tolist():
            value = column.iat[i]
            totals[i] = isinstance(value, str) and is_total_label(value)
    return totals


class _Field(NamedTuple):
    """One parsed field: values, its bad rows' positions and reasons, the rows read as a year
    only (dates), and the parser's result when it has more to say (Miljökrav)."""

    values: pd.Series
    bad: np.ndarray
    reasons: np.ndarray
    years: int
    result: Parsed | None


def _parse_column(
    kind: Kind,
    field_name: str,
    source: pd.Series | NumberColumn,
    decimal: Decimal | None,
    header: str,
    order: DateOrder | None,
) -> _Field:
    """Parse one field's column: long cell-by-cell columns a block of rows at a time."""
    cell_by_cell = _cell_by_cell(kind, field_name)
    if SCHEMAS[kind].field(field_name).type == "date" and isinstance(source, pd.Series):
        allow = (kind, field_name) in YEAR_IS_ENOUGH
        parse = partial(parse_dates, order=order, allow_year=allow)
        return _Field(*_in_blocks(parse, source), None)
    if cell_by_cell is not None and isinstance(source, pd.Series):
        return _Field(*_in_blocks(partial(_uncounted, cell_by_cell), source), None)
    result = _parse_field(kind, field_name, source, decimal, header)
    bad, reasons = result.bad_cells()
    return _Field(result.values, bad, reasons, 0, result)


def _parse_field(
    kind: Kind,
    field_name: str,
    column: pd.Series | NumberColumn,
    decimal: Decimal | None,
    header: str = "",
) -> Parsed:
    if field_name in ("environmental_requirements", "requirement_level"):
        raw = column.raw if isinstance(column, NumberColumn) else column
        return parse_requirements(raw, header or field_name)
    if isinstance(column, NumberColumn):
        if SCHEMAS[kind].field(field_name).type == "int":
            return parse_ints(column, decimal)
        return parse_floats(column, decimal)
    if field_name == "org_number":
        return parse_org_numbers(column)
    if field_name == "cpv":
        return parse_cpv(column)
    kind_of = SCHEMAS[kind].field(field_name).type
    if kind_of == "float":
        return parse_floats(column, decimal)
    if kind_of == "int":
        return parse_ints(column, decimal)
    if kind_of == "boolean":
        return parse_booleans(column)
    return parse_text(column)


def _cell_by_cell(kind: Kind, field_name: str) -> Callable[[pd.Series], Parsed] | None:
    """The parser of a text field that reads every cell on its own (no decision from the
    whole column), so that a long column can be parsed a block of rows at a time."""
    if field_name in ("environmental_requirements", "requirement_level"):
        return None  # its notes count the unknown values of the whole column
    if field_name == "org_number":
        return parse_org_numbers
    if field_name == "cpv":
        return parse_cpv
    kind_of = SCHEMAS[kind].field(field_name).type
    if kind_of == "boolean":
        return parse_booleans
    return parse_text if kind_of == "string" else None


def _uncounted(parse: Callable[[pd.Series], Parsed], column: pd.Series) -> tuple[Parsed, int]:
    """A parser without a count, shaped as :func:`_in_blocks` takes one (dates count years)."""
    return parse(column), 0


def _in_blocks(
    parse: Callable[[pd.Series], tuple[Parsed, int]], column: pd.Series
) -> tuple[pd.Series, np.ndarray, np.ndarray, int]:
    """``parse`` on ``column`` a block of ``_PARSE_ROWS`` rows at a time: the values, the bad
    rows' positions and reasons, and the count ``parse`` returns, summed.

    Only for parsers that read every cell on its own: the blocks then give what the whole
    column gives, while a parser's copies of the column (stripped texts, codes, reasons) exist
    for one block at a time, not for ten million rows at once.
    """
    values, bad, reasons, count = [], [], [], 0
    for start in range(0, max(len(column), 1), _PARSE_ROWS):
        block = column.iloc[start : start + _PARSE_ROWS]
        result, n = parse(block.reset_index(drop=True) if start else block)
        at, why = result.bad_cells()
        values.append(result.values)
        bad.append(at + start)
        reasons.append(why)
        count += n
        del result
    if len(values) == 1:
        return values[0], bad[0], reasons[0], count
    return pd.concat(values, ignore_index=True), np.concatenate(bad), np.concatenate(reasons), count


# A problem of one column: its header, the positions of its bad rows (increasing) and their
# reasons. Only bad rows are held: an object array of a million Nones per column is not.
Problem = tuple[str, np.ndarray, np.ndarray]


def _rejections(
    name: str, rows: np.ndarray, problems: list[Problem]
) -> tuple[np.ndarray, list[RejectedRow]]:
    """One RejectedRow per bad row: the first problem's column, every problem in the reason."""
    flagged = np.zeros(len(rows), dtype=bool)
    problems = [p for p in problems if len(p[1])]
    if not problems:
        return flagged, []
    at = np.concatenate([bad for _, bad, _ in problems])
    which = np.concatenate([np.full(len(bad), j) for j, (_, bad, _) in enumerate(problems)])
    why = np.concatenate([reasons for _, _, reasons in problems])
    order = np.lexsort((which, at))  # by row, then in the columns' order
    at, which, why = at[order], which[order], why[order]
    starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
    count = np.diff(np.r_[starts, len(at)])
    headers = np.array([h for h, _, _ in problems], dtype=object)
    single = starts[count == 1]
    rejected: list[RejectedRow] = [
        RejectedRow(name, int(r), h, w)
        for r, h, w in zip(rows[at[single]], headers[which[single]], why[single], strict=True)
    ]
    for start, n in zip(starts[count > 1].tolist(), count[count > 1].tolist(), strict=True):
        found = list(zip(headers[which[start : start + n]], why[start : start + n], strict=True))
        reason = found[0][1] + "".join(f"; also {h}: {r}" for h, r in found[1:])
        rejected.append(RejectedRow(name, int(rows[at[start]]), found[0][0], reason))
    rejected.sort(key=lambda r: r.row)
    flagged[at[starts]] = True
    return flagged, rejected


def _unheaded_values(headers: list[str], data_blank: np.ndarray) -> list[str]:
    """Notes for values under a blank header cell: not read, so the user is told, not left guessing.

    Rows with cells beyond the header row are rejected instead (a CSV row shifted by a stray
    separator); a column inside the header row whose header is empty is a side note or a
    helper column, and its cells are ignored with this note.
    """
    notes = []
    for position, header in enumerate(headers[: data_blank.shape[1]]):
        if str(header).strip():
            continue
        filled = int((~data_blank[:, position]).sum())
        if filled:
            rows = "row" if filled == 1 else "rows"
            notes.append(
                f"column {position + 1} has no header: its values in {filled} {rows} were not read"
            )
    return notes


def build_result(
    raw: RawTable,
    name: str,
    kind: Kind,
    *,
    label: str | None = None,
    date_orders: Mapping[str, DateOrder] | None = None,
    defaults: Mapping[str, object] | None = None,
    take_cells: bool = False,
) -> ReadResult:
    """Classify rows, parse every mapped column, reject bad rows, assemble the canonical table.

    ``label`` names the rows' origin (the file, with the sheet when a workbook gave several);
    ``date_orders`` the day/month order per date field; ``defaults`` parsed constants for the
    fields the header lacks. ``take_cells``: the cells are taken from ``raw``
    (:meth:`RawTable.take_cells`), so each raw column is freed once it is parsed instead of
    living alongside every parsed column.
    """
    schema = SCHEMAS[kind]
    label = label or name
    date_orders = date_orders or {}
    year_only: dict[str, int] = {}
    cells, rows = (raw.take_cells() if take_cells else raw.cells), raw.rows
    blank = _blank_matrix(cells)
    nonempty = np.asarray(~blank.all(axis=1), dtype=bool)
    totals = _total_rows(cells, blank, nonempty)
    data_mask = nonempty & ~totals
    notes = list(raw.notes)
    total_rows = rows[totals]
    for i in np.flatnonzero(totals)[:_MAX_NOTED_TOTALS]:
        word = cells.iat[i, int(np.argmax(~blank[i]))]
        notes.append(f"skipped total row {rows[i]} ({str(word).strip()!r})")
    if len(total_rows) > _MAX_NOTED_TOTALS:
        more = len(total_rows) - _MAX_NOTED_TOTALS
        notes.append(f"... and {more} more total row{'' if more == 1 else 's'}")
    empty_count = int((~nonempty).sum())
    if empty_count:
        notes.append(f"ignored {empty_count} empty row{'' if empty_count == 1 else 's'}")
    for header in raw.match.ignored:
        notes.append(f"header {header!r} not used: another column already gives that field")

    headers = raw.match.headers
    data_rows = rows[data_mask]
    count = len(data_rows)
    data_blank = blank if count == len(blank) else blank[data_mask]  # usually every row
    del blank
    unheaded = _unheaded_values(headers, data_blank)
    extra_problems: list[Problem] = []
    if data_blank.shape[1] > len(headers):
        extra = np.flatnonzero(~data_blank[:, len(headers) :].all(axis=1))
        reason = f"more cells than the {len(headers)} header columns"
        extra_problems.append(
            (f"column {len(headers) + 1}", extra, np.full(len(extra), reason, dtype=object))
        )
    del data_blank
    # Only the mapped columns are kept; each goes once its fields are parsed.
    data = _kept_columns(cells, data_mask, sorted(set(raw.match.fields.values())))
    del cells
    values: dict[str, pd.Series] = {}
    faults: dict[str, np.ndarray] = {}  # per parsed field, the positions of its bad rows
    problems: list[Problem] = []
    fields = sorted(raw.match.fields.items(), key=lambda kv: kv[1])
    numeric = {f for f, _ in fields if schema.field(f).type in ("float", "int")}
    # The number columns are classified first (the file's decimal mark comes from all of
    # them), then the other fields; the number columns are parsed once the decimal mark is
    # known. The results are read in the columns' order.
    numbers = {f: classify_numbers(data[p]) for f, p in fields if f in numeric}
    parsed_fields: dict[str, _Field] = {}
    for f, p in fields:
        if f not in numeric:
            parsed_fields[f] = _parse_column(kind, f, data[p], None, headers[p], date_orders.get(f))
    data.clear()
    # When the number columns give no evidence, a ``;``-delimited file is taken to use a
    # decimal comma (that is why such exports use ``;``).
    decimal = decide_decimal(numbers.values(), "," if raw.delimiter == ";" else None)
    for f, p in fields:
        if f in numbers:
            parsed_fields[f] = _parse_column(kind, f, numbers.pop(f), decimal, headers[p], None)
    for field_name, position in fields:
        parsed, at, why, years, result = parsed_fields.pop(field_name)
        if years:
            year_only[field_name] = years
        values[field_name], faults[field_name] = parsed, at
        if isinstance(result, RequirementsParsed):  # Miljökrav: level and unknown values
            notes.extend(result.notes)
            if field_name == "requirement_level" or "requirement_level" not in raw.match.fields:
                values["requirement_level"] = result.level
                faults["requirement_level"] = at
        problems.append((headers[position], at, why))
        del result, parsed
    if "requirement_level" in raw.match.fields:  # a named criteria level is miljökrav
        flags = values.get("environmental_requirements")
        level = values["requirement_level"]
        named = level.notna() & (True if flags is None else flags.isna())
        base = flags if flags is not None else pd.Series(pd.NA, index=level.index)
        values["environmental_requirements"] = base.astype("boolean").mask(named, True)
        faults["environmental_requirements"] = faults["requirement_level"]
    for group in schema.required:
        present = [f for f in group if f in values]
        if not present or any(f in (defaults or {}) for f in group):
            continue  # a --default constant gives every row the field
        missing = np.ones(count, dtype=bool)
        for f in present:
            missing &= values[f].isna().to_numpy()
            missing[faults[f]] = False  # a bad value is that column's problem
        if missing.any():
            labels = " or ".join(f"{f} ({headers[raw.match.fields[f]]!r})" for f in present)
            at = np.flatnonzero(missing)
            reasons = np.full(len(at), f"no value for {labels}", dtype=object)
            problems.append((headers[raw.match.fields[present[0]]], at, reasons))
    notes.extend(unheaded)
    bad, rejected = _rejections(label, data_rows, [*problems, *extra_problems])
    del problems, faults
    if raw.unreadable:
        for row, position, reason in raw.unreadable:
            column = headers[position] if position < len(headers) else ""
            rejected.append(RejectedRow(label, row, column or f"column {position + 1}", reason))
        rejected.sort(key=lambda r: r.row)

    keep = ~bad
    every = bool(keep.all())
    kept = count if every else int(keep.sum())
    table: dict[str, pd.Series] = {}
    for spec in schema.fields:
        dtype = pd.api.types.pandas_dtype(PANDAS_DTYPES[spec.type])
        if spec.name in values:
            parsed = values.pop(spec.name)  # each parsed column goes once it is in the table
            series = (parsed if every else parsed[keep]).reset_index(drop=True).astype(dtype)
            del parsed
        else:
            constant = (defaults or {}).get(spec.name)
            series = _repeated(constant, dtype, kept)
        table[spec.name] = series
    table[SOURCE_FILE] = _repeated(label, pd.StringDtype(), kept)
    table[SOURCE_ROW] = pd.Series(data_rows if every else data_rows[keep], dtype="int64")
    # The series are this function's own: the frame takes them as they are, without a copy.
    frame = pd.DataFrame(table, columns=canonical_columns(kind), copy=False)
    info = ReadInfo(
        file=name,
        kind=kind,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        sheet=raw.sheet,
        header_row=raw.header_row,
        columns={f: headers[i] for f, i in sorted(raw.match.fields.items(), key=lambda kv: kv[1])},
        notes=notes,
        sheets=[raw.sheet] if raw.sheet is not None else [],
        year_only=year_only,
    )
    return ReadResult(frame, rejected, info)
