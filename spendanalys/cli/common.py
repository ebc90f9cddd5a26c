"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from spendanalys.io.options import column_mapping
from spendanalys.jsonable import records, to_jsonable

__all__ = ["column_mapping", "records", "to_jsonable"]


def add_column_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=Header",
        help=(
            "map a header to a canonical field, e.g. 'amount_sek=Nettobelopp' or, for one "
            "input kind only, 'contracts.value_sek=Kontrakterat värde, Summa' (repeatable)"
        ),
    )
    parser.add_argument(
        "--sheet", default=None, help="read only this workbook sheet (default: every sheet)"
    )
    parser.add_argument(
        "--default",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a constant for a field the file has no column for, e.g. 'trips.mode=flight' "
        "(the kind prefix works as for --column; repeatable)",
    )
    parser.add_argument(
        "--header-row",
        type=int,
        default=None,
        metavar="N",
        help="the header is on row N (as the spreadsheet or editor numbers it)",
    )


def write_json(payload: dict[str, Any], out: str | None) -> None:
    text = json.dumps(to_jsonable(payload), ensure_ascii=False, indent=2)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


def format_sek(value: float) -> str:
    """1234567.8 -> '1 234 568' (Swedish grouping with a thin space-free plain space)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:,.0f}".replace(",", " ")


def print_table(frame: pd.DataFrame, *, max_rows: int | None = None) -> None:
    """A plain-text table on stdout."""
    shown = frame if max_rows is None else frame.head(max_rows)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        sys.stdout.write(shown.to_string(index=False) + "\n")
