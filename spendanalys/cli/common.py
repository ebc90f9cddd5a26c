"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.errors import ConfigurationError
from spendanalys.schema import KINDS, SCHEMAS, Kind


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
    parser.add_argument("--sheet", default=None, help="the workbook sheet to read")


def column_mapping(options: Iterable[str], kind: Kind) -> dict[str, str]:
    """The ``--column`` options that apply to ``kind``, as {field: header}.

    ``FIELD=Header`` applies to every kind that has FIELD; ``kind.FIELD=Header`` to that kind only.
    An unknown field is a usage error, not a silent no-op.
    """
    mapping: dict[str, str] = {}
    for option in options:
        if "=" not in option:
            raise ConfigurationError(f"--column {option!r}: expected FIELD=Header")
        key, header = option.split("=", 1)
        key, header = key.strip(), header.strip()
        if "." in key:
            scope, field = key.split(".", 1)
            if scope not in KINDS:
                raise ConfigurationError(
                    f"--column {option!r}: {scope!r} is not one of {', '.join(KINDS)}"
                )
            if scope != kind:
                continue
        else:
            field = key
        if not any(field in SCHEMAS[k].names for k in KINDS):
            raise ConfigurationError(f"--column {option!r}: {field!r} is not a canonical field")
        if field in SCHEMAS[kind].names:
            mapping[field] = header
    return mapping


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: NaN/NA -> null, timestamps -> ISO dates, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat() if value == value else None
    if isinstance(value, date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records."""
    return [to_jsonable(r) for r in frame.to_dict(orient="records")]


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
