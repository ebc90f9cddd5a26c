"""One raw table (a header and the cells below it) to canonical rows and rejected rows.

Every non-empty row below the header ends up exactly once: accepted, rejected (with file, row,
column and reason), or skipped as a total row ("Summa", "Totalt", "Grand Total"...) and noted in
``ReadInfo.notes``. Fully empty rows are not data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def _blank_matrix(cells: pd.DataFrame) -> np.ndarray:
    """True where a cell is empty (CSV: only whitespace; workbook: None)."""
    if cells.shape[1] == 0:
        return np.ones((len(cells), 0), dtype=bool)
    columns = []
    for c in cells.columns:
        col = cells[c]
        if col.dtype == object:
            columns.append(col.isna().to_numpy())
        else:
            text = pa.array(col, type=pa.large_string())
            blank = pc.or_(pc.equal(pc.utf8_length(text), 0), pc.utf8_is_space(text))
            columns.append(blank.to_numpy(zero_copy_only=False))
    return np.column_stack(columns)


def _repeated(value: object, dtype: Any, n: int) -> pd.Series:
    """``n`` copies of one value in ``dtype``, built by a take (no million-item Python list)."""
    one = pd.Series([value], dtype=object).astype(dtype)
    return one.take(np.zeros(n, dtype=np.intp)).reset_index(drop=True)


def _keep_rows(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``frame[mask]`` renumbered; a slice (no copy) when the kept rows are contiguous.

    The usual export keeps everything but a title or a final total row, so the copy of every
    column that boolean indexing makes is avoided.
    """
    kept = np.flatnonzero(mask)
    if not len(kept):
        return frame.iloc[:0].reset_index(drop=True)
    if kept[-1] - kept[0] + 1 == len(kept):
        return frame.iloc[kept[0] : kept[-1] + 1].reset_index(drop=True)
    return frame[mask].reset_index(drop=True)


def _total_rows(cells: pd.DataFrame, blank: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Rows whose first non-empty cell is a total label ("Summa", "Grand Total"...).

    Only each row's first non-empty cell is looked at; a cheap contains() pass picks the few
    candidates that are then folded and compared in Python.
    """
    totals = np.zeros(len(cells), dtype=bool)
    if not blank.shape[1]:
        return totals
    first = np.argmax(~blank, axis=1)
    for j in np.unique(first[data]):
        column = cells[cells.columns[int(j)]]
        if column.dtype == object:
            rows = np.flatnonzero(data & (first == j))
            values = column.iloc[rows]
            hint = values.astype(str).str.contains(_TOTAL_HINT, regex=True)
            rows = rows[hint.fillna(False).to_numpy(bool)]
        else:  # whole string column in one regex pass, no copy of the candidate rows
            found = pc.match_substring_regex(
                pa.array(column, type=pa.large_string()), "summa|total", ignore_case=True
            ).to_numpy(zero_copy_only=False)
            rows = np.flatnonzero(data & (first == j) & found)
        for i in rows.tolist():
            value = column.iat[i]
            totals[i] = isinstance(value, str) and is_total_label(value)
    return totals


def _number_columns(
    raw: RawTable, data: pd.DataFrame, kind: Kind
) -> tuple[dict[str, NumberColumn], Decimal | None]:
    """Classify every number column once; the file's decimal mark comes from all of them.

    When the number columns give no evidence, a ``;``-delimited file is taken to use a decimal
    comma (that is why such exports use ``;``).
    """
    columns: dict[str, NumberColumn] = {}
    for field_name, position in raw.match.fields.items():
        if SCHEMAS[kind].field(field_name).type in ("float", "int"):
            columns[field_name] = classify_numbers(data[position])
    return columns, decide_decimal(columns.values(), "," if raw.delimiter == ";" else None)


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


def _rejections(
    name: str, rows: np.ndarray, problems: list[tuple[str, np.ndarray]]
) -> tuple[np.ndarray, list[RejectedRow]]:
    """One RejectedRow per bad row: the first problem's column, every problem in the reason."""
    if not problems:
        return np.zeros(len(rows), dtype=bool), []
    flags = np.column_stack([pd.notna(reasons) for _, reasons in problems])
    count = flags.sum(axis=1)
    total = len(rows)
    bad = np.flatnonzero(count)
    if not len(bad):
        return np.zeros(total, dtype=bool), []
    # Only the bad rows' reasons are gathered (a million-row object matrix costs seconds).
    rows, flags, count = rows[bad], flags[bad], count[bad]
    first = np.argmax(flags, axis=1)
    headers = np.array([h for h, _ in problems], dtype=object)
    reasons = np.column_stack([r[bad] for _, r in problems])
    rejected: list[RejectedRow] = []
    single = np.flatnonzero(count == 1)
    chosen = reasons[single, first[single]]
    rejected.extend(
        RejectedRow(name, int(r), h, why)
        for r, h, why in zip(rows[single], headers[first[single]], chosen, strict=True)
    )
    for i in np.flatnonzero(count > 1):
        found = [(headers[j], reasons[i, j]) for j in np.flatnonzero(flags[i])]
        why = found[0][1] + "".join(f"; also {h}: {r}" for h, r in found[1:])
        rejected.append(RejectedRow(name, int(rows[i]), found[0][0], why))
    rejected.sort(key=lambda r: r.row)
    flagged = np.zeros(total, dtype=bool)
    flagged[bad] = True
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
) -> ReadResult:
    """Classify rows, parse every mapped column, reject bad rows, assemble the canonical table.

    ``label`` names the rows' origin (the file, with the sheet when a workbook gave several);
    ``date_orders`` the day/month order per date field; ``defaults`` parsed constants for the
    fields the header lacks.
    """
    schema = SCHEMAS[kind]
    label = label or name
    date_orders = date_orders or {}
    year_only: dict[str, int] = {}
    cells, rows = raw.cells, raw.rows
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
        notes.append(f"... and {len(total_rows) - _MAX_NOTED_TOTALS} more total rows")
    empty_count = int((~nonempty).sum())
    if empty_count:
        notes.append(f"ignored {empty_count} empty rows")
    for header in raw.match.ignored:
        notes.append(f"header {header!r} not used: another column already gives that field")

    data = _keep_rows(cells, data_mask)
    data_rows = rows[data_mask]
    data_blank = blank[data_mask]
    numbers, decimal = _number_columns(raw, data, kind)
    headers = raw.match.headers
    parsed: dict[str, Parsed] = {}
    problems: list[tuple[str, np.ndarray]] = []
    for field_name, position in sorted(raw.match.fields.items(), key=lambda kv: kv[1]):
        source = numbers.get(field_name, data[position])
        if schema.field(field_name).type == "date" and isinstance(source, pd.Series):
            allow = (kind, field_name) in YEAR_IS_ENOUGH
            result, years = parse_dates(source, date_orders.get(field_name), allow_year=allow)
            if years:
                year_only[field_name] = years
        else:
            result = _parse_field(kind, field_name, source, decimal, headers[position])
        parsed[field_name] = result
        if isinstance(result, RequirementsParsed):  # Miljökrav: level and unknown values
            notes.extend(result.notes)
            if field_name == "requirement_level" or "requirement_level" not in raw.match.fields:
                parsed["requirement_level"] = Parsed(result.level, result.errors)
        problems.append((headers[position], result.errors.to_numpy(dtype=object)))
    if "requirement_level" in raw.match.fields:  # a named criteria level is miljökrav
        flags = parsed.get("environmental_requirements")
        level = parsed["requirement_level"].values
        named = level.notna() & (True if flags is None else flags.values.isna())
        base = flags.values if flags is not None else pd.Series(pd.NA, index=level.index)
        values = base.astype("boolean").mask(named, True)
        parsed["environmental_requirements"] = Parsed(values, parsed["requirement_level"].errors)
    for group in schema.required:
        present = [f for f in group if f in parsed]
        if not present or any(f in (defaults or {}) for f in group):
            continue  # a --default constant gives every row the field
        missing = np.ones(len(data), dtype=bool)
        for f in present:
            missing &= parsed[f].values.isna().to_numpy() & pd.isna(parsed[f].errors.to_numpy())
        if missing.any():
            labels = " or ".join(f"{f} ({headers[raw.match.fields[f]]!r})" for f in present)
            reasons = np.full(len(data), None, dtype=object)
            reasons[missing] = f"no value for {labels}"
            problems.append((headers[raw.match.fields[present[0]]], reasons))
    notes.extend(_unheaded_values(headers, data_blank))
    if data_blank.shape[1] > len(headers):
        extra = ~data_blank[:, len(headers) :].all(axis=1)
        if extra.any():
            reasons = np.full(len(data), None, dtype=object)
            reasons[extra] = f"more cells than the {len(headers)} header columns"
            problems.append((f"column {len(headers) + 1}", reasons))
    bad, rejected = _rejections(label, data_rows, problems)
    if raw.unreadable:
        for row, position, reason in raw.unreadable:
            column = headers[position] if position < len(headers) else ""
            rejected.append(RejectedRow(label, row, column or f"column {position + 1}", reason))
        rejected.sort(key=lambda r: r.row)

    keep = ~bad
    every = bool(keep.all())
    table: dict[str, pd.Series] = {}
    for spec in schema.fields:
        dtype = pd.api.types.pandas_dtype(PANDAS_DTYPES[spec.type])
        if spec.name in parsed:
            values = parsed[spec.name].values
            series = (values if every else values[keep]).reset_index(drop=True).astype(dtype)
        else:
            constant = (defaults or {}).get(spec.name)
            series = _repeated(constant, dtype, int(keep.sum()))
        table[spec.name] = series
    table[SOURCE_FILE] = _repeated(label, pd.StringDtype(), int(keep.sum()))
    table[SOURCE_ROW] = pd.Series(data_rows[keep], dtype="int64")
    frame = pd.DataFrame(table, columns=canonical_columns(kind))
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
