"""The reader entry points: a file in, a canonical table and its rejected rows out.

A file is one table or several: every sheet of a workbook that holds a table of the kind, and a
new table wherever a header row repeats inside one (``segments``). Each is read on its own
(``build``) and the pieces are stacked; ``ReadInfo`` says which sheets and tables were read and
which sheets were left and why. Rows keep the number the user sees; with several sheets the
origin also names the sheet (``book.xlsx [Apr 18]``). A file that cannot be read at all raises
one :class:`InputFormatError`, after the upload guard has judged its container.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from spendanalys.errors import ConfigurationError, InputFormatError
from spendanalys.io.build import YEAR_IS_ENOUGH, build_result
from spendanalys.io.bulk_csv import read_csv_table
from spendanalys.io.dates import DateOrder, OrderEvidence, date_order, order_evidence, parse_dates
from spendanalys.io.decode import Source, load_source
from spendanalys.io.headers import HeaderMatch, Mapped, fold, maps_given, wanted_fields
from spendanalys.io.result import ReadInfo, ReadResult, RejectedRow
from spendanalys.io.segments import split_repeated_headers
from spendanalys.io.tabular import HeaderCheck, RawTable
from spendanalys.io.values import Parsed, parse_booleans, parse_floats, parse_ints, parse_text
from spendanalys.io.workbook import read_workbook_tables
from spendanalys.schema import KINDS, SCHEMAS, Kind


def _column_check(
    name: str, kind: Kind, explicit: Mapping[str, str], defaults: Mapping[str, object] = {}
) -> HeaderCheck:
    """Refuse a file whose header lacks an explicitly named header or a required field (a
    ``--default`` constant stands in for a column; an unprefixed mapping need not be there)."""
    wanted = wanted_fields(explicit)

    def check(match: HeaderMatch, header_row: int, sheet: str | None) -> None:
        seen = [h for h in match.headers if h]
        shown = ", ".join(repr(h) for h in seen) or "none"
        present = {*match.fields, *defaults}
        unmet = {f for g in SCHEMAS[kind].required if not present & set(g) for f in g}
        for field_name, header in explicit.items():
            # An unprefixed mapping of a required field the file cannot do without is needed
            # here after all: say which header was not found rather than "need a column".
            needed_here = field_name in unmet
            if (field_name in wanted or needed_here) and not maps_given(match, field_name, header):
                raise InputFormatError(
                    name,
                    f"header {header!r} (given for {field_name}) not found; headers seen: {shown}",
                    sheet=sheet,
                    row=header_row,
                )
        required = SCHEMAS[kind].required
        missing = [g for g in required if not any(f in present for f in g)]
        if missing:
            needed = "; ".join(" or ".join(g) for g in missing)
            raise InputFormatError(
                name,
                f"{kind} need a column for {needed}; headers seen: {shown} "
                "(map one with --column FIELD=Header, or give a constant with "
                "--default FIELD=VALUE)",
                sheet=sheet,
                row=header_row,
            )

    return check


def source_label(file: str, sheet: str | None) -> str:
    """Where a row comes from when a workbook gave several sheets: ``book.xlsx [Apr 18]``."""
    return file if sheet is None else f"{file} [{sheet}]"


def _constant(kind: Kind, field_name: str, value: str) -> object:
    """A ``--default`` value parsed as the field's cells are; a bad one is a usage error."""
    cell = pd.Series([value], dtype=object)
    spec = SCHEMAS[kind].field(field_name)
    parsed: Parsed
    if spec.type == "date":
        parsed, _ = parse_dates(cell, allow_year=(kind, field_name) in YEAR_IS_ENOUGH)
    elif spec.type == "float":
        parsed = parse_floats(cell)
    elif spec.type == "int":
        parsed = parse_ints(cell)
    elif spec.type == "boolean":
        parsed = parse_booleans(cell)
    else:
        parsed = parse_text(cell)
    problem: object = parsed.errors.iat[0]
    constant: object = parsed.values.iat[0]
    if problem is not None or constant is None or constant is pd.NA or constant is pd.NaT:
        raise ConfigurationError(
            f"--default {kind}.{field_name}={value!r}: {problem or 'no value'!s}"
        )
    return constant


def _date_orders(pieces: Sequence[RawTable], kind: Kind) -> tuple[dict[str, DateOrder], list[str]]:
    """Day/month order per date field, from the evidence of every table of the file."""
    evidence: dict[str, OrderEvidence] = {}
    headers: dict[str, str] = {}
    for piece in pieces:
        for field_name, position in piece.match.fields.items():
            if SCHEMAS[kind].field(field_name).type != "date" or position >= piece.cells.shape[1]:
                continue
            headers.setdefault(field_name, piece.match.headers[position])
            if position in piece.text_free:
                continue  # workbook dates and numbers: nothing to decide
            found = order_evidence(piece.cells[position])
            evidence[field_name] = evidence.get(field_name, OrderEvidence()) + found
    orders = {f: date_order(e, headers[f]) for f, e in evidence.items()}
    return orders, [o.note for o in orders.values() if o.note]


def _moved(before: HeaderMatch, after: HeaderMatch) -> str:
    changes = [
        f"{f} in column {i + 1} (was {before.fields[f] + 1})"
        for f, i in sorted(after.fields.items(), key=lambda kv: kv[1])
        if f in before.fields and before.fields[f] != i
    ]
    changes += [f"{f} added" for f in after.fields if f not in before.fields]
    changes += [f"{f} gone" for f in before.fields if f not in after.fields]
    return "; ".join(changes) or "same columns"


@dataclass
class _Workbook:
    names: list[str] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)


def _sheet_notes(book: _Workbook, read: list[str], sheet: str | None) -> list[str]:
    if len(book.names) < 2:
        return []
    if sheet is not None:
        others = ", ".join(repr(n) for n in book.names if n != sheet)
        return [f"read sheet {sheet!r} only (--sheet); not read: {others}"]
    notes = [f"read {len(read)} of {len(book.names)} sheets: {', '.join(repr(n) for n in read)}"]
    notes += [f"sheet {n!r} not read: {why}" for n, why in book.left.items()]
    return notes


def _merge(
    name: str,
    kind: Kind,
    pieces: Sequence[RawTable],
    results: Sequence[ReadResult],
    notes: list[str],
) -> ReadResult:
    """One result for the file: the tables stacked, the notes of each piece named by its place."""
    first = results[0].info
    several_sheets = len({p.sheet for p in pieces}) > 1
    table = (
        pd.concat([r.table for r in results], ignore_index=True)
        if len(results) > 1
        else results[0].table
    )
    rejected: list[RejectedRow] = [row for r in results for row in r.rejected]
    columns = dict(first.columns)
    year_only: dict[str, int] = {}
    tables = []
    for n, (piece, result) in enumerate(zip(pieces, results, strict=True)):
        for f, h in result.info.columns.items():
            columns.setdefault(f, h)
        for f, count in result.info.year_only.items():
            year_only[f] = year_only.get(f, 0) + count
        where = f"sheet {piece.sheet!r}: " if several_sheets else ""
        if n and pieces[n - 1].sheet == piece.sheet:
            notes.append(
                f"{where}row {piece.header_row} repeats the header: a new table starts there "
                f"({_moved(pieces[n - 1].match, piece.match)})"
            )
        notes.extend(f"{where}{note}" for note in result.info.notes)
        rows = piece.rows
        tables.append(
            {
                "sheet": piece.sheet,
                "header_row": piece.header_row,
                "first_row": int(rows[0]) if len(rows) else None,
                "last_row": int(rows[-1]) if len(rows) else None,
                "rows_accepted": result.rows_accepted,
                "rows_rejected": result.rows_rejected,
                "columns": dict(result.info.columns),
            }
        )
    for f, count in year_only.items():
        notes.append(
            f"{f} ({columns.get(f, f)!r}): {count} {'row gives' if count == 1 else 'rows give'} "
            "a year only (such as 2017): read "
            "as 1 January of that year; right for figures per year, not for dates"
        )
    info = ReadInfo(
        file=name,
        kind=kind,
        encoding=first.encoding,
        delimiter=first.delimiter,
        sheet=first.sheet,
        header_row=first.header_row,
        columns=columns,
        notes=notes,
        sheets=list(dict.fromkeys(p.sheet for p in pieces if p.sheet is not None)),
        tables=tables,
        year_only=year_only,
    )
    return ReadResult(table, rejected, info)


def _mapping(columns: Mapping[str, str] | None, kind: Kind) -> Mapped:
    """The usable part of ``columns`` (blank headers dropped), keeping which are optional."""
    optional: frozenset[str] = getattr(columns, "optional", frozenset())
    picked = Mapped({k: v for k, v in (columns or {}).items() if v and v.strip()})
    picked.optional = frozenset(optional) & set(picked)
    unknown = [f for f in picked if f not in SCHEMAS[kind].names]
    if unknown:
        raise ConfigurationError(
            f"{', '.join(unknown)}: not a {kind} field; fields: {', '.join(SCHEMAS[kind].names)}"
        )
    return picked


def read_input(
    source: Source,
    kind: Kind,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    name: str | None = None,
    header_row: int | None = None,
    defaults: Mapping[str, str] | None = None,
) -> ReadResult:
    """Read one export of ``kind`` (CSV-like text or .xlsx) into a canonical table.

    ``source`` is a path or the bytes of an upload (then ``name`` is its file name).
    ``columns`` maps canonical fields to headers as written, overriding the synonyms (a
    :class:`~spendanalys.io.headers.Mapped` marks those that apply only where the header is).
    ``header_row`` is the header's row as the user sees it (every sheet, or the one named);
    ``defaults`` gives a constant for a field the file has no column for.
    """
    if kind not in KINDS:
        raise ConfigurationError(f"unknown input kind {kind!r}; expected one of {', '.join(KINDS)}")
    if header_row is not None and header_row < 1:
        raise ConfigurationError(f"--header-row {header_row}: rows are numbered from 1")
    explicit = _mapping(columns, kind)
    constants = {f: _constant(kind, f, v) for f, v in _mapping(defaults, kind).items()}
    file = load_source(source, name)
    check = _column_check(file.name, kind, explicit, constants)
    book = _Workbook()
    if file.container == "xlsx":
        found = read_workbook_tables(file, kind, explicit, sheet, check, header_row)
        raws, book = found.tables, _Workbook(found.sheet_names, found.left)
    else:
        raws = [read_csv_table(file, kind, explicit, check, header_row)]
    file_name = file.name
    del file  # the cells are read: the file's bytes (100 MB for a million lines) can go
    pieces = [p for raw in raws for p in split_repeated_headers(raw, kind, explicit, check)]
    del raws  # the pieces hold the cells now (a piece is a view of its table)
    orders, notes = _date_orders(pieces, kind)
    notes = _sheet_notes(book, list(dict.fromkeys(p.sheet or "" for p in pieces)), sheet) + notes
    several = len({p.sheet for p in pieces}) > 1
    results = [
        build_result(
            p,
            file_name,
            kind,
            label=source_label(file_name, p.sheet) if several else None,
            date_orders=orders,
            defaults=constants,
            take_cells=True,  # each raw column is freed once parsed
        )
        for p in pieces
    ]
    # pyarrow's allocator keeps the pages of the freed cells for reuse; the tables read are
    # all that is left of the file, so the rest goes back to the system.
    pa.default_memory_pool().release_unused()
    result = _merge(file_name, kind, pieces, results, notes)
    result.info.sheets_left = dict(book.left)
    _note_mappings(result.info, explicit, constants, defaults or {})
    return result


def _note_mappings(
    info: ReadInfo, explicit: Mapped, constants: Mapping[str, object], given: Mapping[str, str]
) -> None:
    """Say what the optional mappings and the constants did in this file."""
    for f in sorted(explicit.optional):
        info.offered_columns[f] = explicit[f]
        if fold(info.columns.get(f, "")) != fold(explicit[f]):
            info.notes.append(
                f"--column {f}={explicit[f]}: no such header in this file (a mapping without "
                "a kind applies to the inputs that have the header)"
            )
    for f in constants:
        if f in info.columns:
            info.notes.append(
                f"--default {f}={given[f]} not used: the file has a column for {f} "
                f"({info.columns[f]!r})"
            )
        else:
            info.defaults[f] = given[f]
            info.notes.append(f"{f}: not in the file, every row set to {given[f]!r} (--default)")


def read_contracts(
    source: Source,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    name: str | None = None,
    header_row: int | None = None,
    defaults: Mapping[str, str] | None = None,
) -> ReadResult:
    """Contract register (avtalsförteckning): one row per agreement."""
    return read_input(
        source,
        "contracts",
        columns=columns,
        sheet=sheet,
        name=name,
        header_row=header_row,
        defaults=defaults,
    )


def read_invoices(
    source: Source,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    name: str | None = None,
    header_row: int | None = None,
    defaults: Mapping[str, str] | None = None,
) -> ReadResult:
    """Supplier invoice lines (leverantörsreskontra); amounts as written, credits negative."""
    return read_input(
        source,
        "invoices",
        columns=columns,
        sheet=sheet,
        name=name,
        header_row=header_row,
        defaults=defaults,
    )


def read_trips(
    source: Source,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    name: str | None = None,
    header_row: int | None = None,
    defaults: Mapping[str, str] | None = None,
) -> ReadResult:
    """Business trips; mode and cabin stay as written (the travel engine maps them)."""
    return read_input(
        source,
        "trips",
        columns=columns,
        sheet=sheet,
        name=name,
        header_row=header_row,
        defaults=defaults,
    )


def read_fte(
    source: Source,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    name: str | None = None,
    header_row: int | None = None,
    defaults: Mapping[str, str] | None = None,
) -> ReadResult:
    """Full-time equivalents (årsarbetskrafter) per year, optionally per unit."""
    return read_input(
        source,
        "fte",
        columns=columns,
        sheet=sheet,
        name=name,
        header_row=header_row,
        defaults=defaults,
    )
