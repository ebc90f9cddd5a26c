"""``spendanalys inspect FILE --kind KIND``: what the reader understood, and every rejected row."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from spendanalys.cli.common import add_column_option, add_lang_option, column_mapping, write_json
from spendanalys.i18n import t
from spendanalys.schema import KINDS, Kind

if TYPE_CHECKING:  # the readers (and pyarrow.compute) load only when a command reads a file
    from spendanalys.io import ReadResult
    from spendanalys.services.assembly import Checked


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="check an export before analysis: encoding, header, columns, rejected rows",
        description=(
            "Read one export as the analysis would and report what was understood: encoding, "
            "delimiter, sheet, header row, which header became which field, and every rejected "
            "row with its reason. The analysis' own checks run as well (rows given twice, "
            "amounts that cannot be converted, trips that cannot be placed), so the accepted "
            "rows are exactly the rows the analysis counts. Exit 0 when the file was read (even with rejected rows), 2 "
            "when it cannot be read at all."
        ),
    )
    parser.add_argument("file", help="a CSV or XLSX export")
    parser.add_argument("--kind", required=True, choices=KINDS, help="what the file holds")
    add_column_option(parser)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    add_lang_option(parser)
    parser.set_defaults(func=run)


def checked(read: ReadResult, check: Checked) -> ReadResult:
    """The reader's result narrowed to what the analysis keeps: its accepted rows are the rows
    the analysis counts, its rejected rows the reader's and the analysis' with their reasons."""
    from spendanalys.io import ReadResult

    rejected = sorted([*read.rejected, *check.rejected], key=lambda r: (r.file, r.row))
    info = replace(read.info, notes=[*read.info.notes, *check.notes])
    return ReadResult(check.table, rejected, info)


def inspection(result: ReadResult) -> dict[str, Any]:
    """The JSON document of DESIGN.md §5 (plus ``notes``)."""
    info = result.info
    return {
        "file": info.file,
        "kind": info.kind,
        "encoding": info.encoding,
        "delimiter": info.delimiter,
        "sheet": info.sheet,
        "header_row": info.header_row,
        "columns": dict(info.columns),
        "rows_accepted": result.rows_accepted,
        "rows_rejected": result.rows_rejected,
        "rejected_rows": [r.as_dict() for r in result.rejected],
        "notes": list(info.notes),
        "sheets": list(info.sheets),
        "sheets_left": dict(info.sheets_left),
        "tables": list(info.tables),
        "year_only": dict(info.year_only),
        "defaults": dict(info.defaults),
    }


def _delimiter_name(delimiter: str | None, lang: str) -> str:
    if delimiter == "\t":
        return t("cli.inspect.tab", lang)
    return "-" if delimiter is None else repr(delimiter)


def run(args: argparse.Namespace) -> int:
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.io import read_input
    from spendanalys.io.options import default_values, require_mapped
    from spendanalys.services.assembly import analysis_check

    kind: Kind = args.kind
    read = read_input(
        args.file,
        kind,
        columns=column_mapping(args.column, kind),
        sheet=args.sheet,
        header_row=args.header_row,
        defaults=default_values(args.default, kind),
    )
    require_mapped([read.info])
    result = checked(read, analysis_check(kind, read.table))
    if args.format == "json":
        write_json(inspection(result), None)
        return 0
    _print_inspection(result, args.lang)
    return 0


def _print_inspection(result: ReadResult, lang: str) -> None:
    """What the reader understood, in the catalogue's words, and every rejected row."""
    from spendanalys.cli.printout import Col, note_line, print_cols
    from spendanalys.i18n import format_number

    info = result.info
    rows: list[tuple[str, object]] = [
        (t("col.file", lang), info.file),
        (t("col.dataset", lang), t(f"kind.{info.kind}", lang)),
    ]
    if info.sheet is not None:
        rows.append((t("cli.inspect.sheet", lang), ", ".join(info.sheets) or info.sheet))
    else:
        rows.append((t("cli.inspect.encoding", lang), info.encoding))
        rows.append((t("cli.inspect.delimiter", lang), _delimiter_name(info.delimiter, lang)))
    rows += [
        (t("cli.inspect.header_row", lang), info.header_row),
        (
            t("col.rows_accepted", lang),
            format_number(result.rows_accepted, lang),
        ),
        (
            t("col.rows_rejected", lang),
            format_number(result.rows_rejected, lang),
        ),
    ]
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        sys.stdout.write(f"{name + ':':<{width}}{value}\n")
    import pandas as pd

    columns = pd.DataFrame({"field": list(info.columns), "header": list(info.columns.values())})
    sys.stdout.write(f"\n{t('cli.inspect.columns', lang)}:\n")
    print_cols(
        columns,
        [Col("field", "cli.inspect.field"), Col("header", "cli.inspect.header")],
        lang,
    )
    for note in info.notes:
        sys.stdout.write(note_line(note, lang) + "\n")
    if result.rejected:
        sys.stdout.write(f"\n{t('rpt.sheet.rejected', lang)}:\n")
        print_cols(
            result.rejected_frame(),
            [
                Col("row", "col.row", "year"),
                Col("column", "col.column"),
                Col("reason", "col.reason", values="note"),
            ],
            lang,
        )
