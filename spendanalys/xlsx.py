"""Writing cells to Excel safely: user text stays text, numbers carry Swedish-friendly formats.

The one rule (reliability_and_security.md §1.4, OWASP CSV injection): no cell that came from user
data may become a formula. openpyxl makes any string that starts with ``=`` a formula, and
``"#N/A"``-like strings an error value; Excel may evaluate text that starts with ``+``, ``-``,
``@``, tab or CR when a user edits the cell. :func:`safe_cell_value` is the guard: every value
written by a report goes through it.

Number formats are stored in the file's invariant syntax (``#,##0``, ``0.000``) and Excel shows
them with the reader's locale: ``1 234 567`` and ``0,016`` in Swedish Excel.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# Characters that make spreadsheet programs read a cell as a formula (OWASP list plus LF).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32_767  # Excel's limit; openpyxl truncates silently beyond it
TRUNCATION_MARK = " …[truncated]"

# OOXML escapes characters XML cannot carry as _xHHHH_ (ECMA-376 Part 1, ST_Xstring); a literal
# "_xHHHH_" in the text must itself be escaped as "_x005F_xHHHH_" or Excel would decode it.
_LITERAL_ESCAPE_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f]")

SEK_FORMAT = "#,##0"
KG_FORMAT = "#,##0"
PER_SEK_FORMAT = "0.000"
SHARE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DECIMAL_FORMAT = "0.0"
INTEGER_FORMAT = "0"


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as plain Python; NaN, NA and NaT as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None) if value.tzinfo else value
        return value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def _escape_text(text: str) -> str:
    """Text as OOXML carries it: control characters (CR included) as ``_xHHHH_``."""
    if "_x" in text:
        text = _LITERAL_ESCAPE_RE.sub(r"_x005F_\1", text)
    text = _CONTROL_RE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    return text


def safe_cell_value(ws: Any, value: Any) -> Any:
    """A value ready for ``ws.append([...])`` that can never become a formula.

    Numbers, booleans, dates and None pass through as typed values (NaN/NA/NaT → None, numpy
    scalars → Python). Every ``str`` becomes a cell of ``ws`` with data type *string* (written as
    an inline string, never ``<f>``) whatever its first character; one that starts with ``=``,
    ``+``, ``-``, ``@``, tab, CR or LF also gets Excel's quote prefix, so editing the cell in Excel
    keeps it text. Control characters (CR included) are written in OOXML's ``_xHHHH_`` escape,
    which Excel decodes back to the character; a string over 32,767 characters is cut with a
    visible " …[truncated]" instead of silently. Works with normal and write-only worksheets.
    """
    value = _plain(value)
    if isinstance(value, Cell):
        return value
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=_escape_text(value))
    cell.data_type = "s"  # after assignment: openpyxl made "=..." a formula and "#N/A" an error
    if value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def formatted(ws: Any, value: Any, number_format: str | None = None, bold: bool = False) -> Any:
    """:func:`safe_cell_value` plus a number format and bold font where asked."""
    cell = safe_cell_value(ws, value)
    if cell is None or (number_format is None and not bold):
        return cell
    if not isinstance(cell, Cell):
        cell = WriteOnlyCell(ws, value=cell)
    if number_format is not None and cell.data_type in ("n", "d"):
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the DataFrame column, its header as shown, its number format."""

    field: str
    header: str
    number_format: str | None = None
    width: float | None = None


def _display_length(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:,.0f}") + 1
    if isinstance(value, datetime | date):
        return 10
    return len(str(value))


def _column_values(frame: pd.DataFrame, column: Column, value_maps: dict[str, Any]) -> list[Any]:
    if column.field in frame:
        values = [_plain(v) for v in frame[column.field].tolist()]
    else:
        values = [None] * len(frame)
    if column.field in value_maps:
        values = [value_maps[column.field](v) for v in values]
    return values


def table_widths(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    widths: dict[int, float] | None = None,
    *,
    first_column: int = 1,
    sample: int = 500,
) -> dict[int, float]:
    """The widest header or value (of the first ``sample`` rows) per column, in characters,
    merged into ``widths`` (keyed by 1-based column index)."""
    widths = {} if widths is None else widths
    head = frame.head(sample)
    for i, column in enumerate(columns, first_column):
        if column.width:
            longest: float = column.width
        else:
            values = _column_values(head, column, {})
            longest = max([len(column.header), *(_display_length(v) for v in values)])
        widths[i] = max(widths.get(i, 0), longest)
    return widths


def set_widths(ws: Any, widths: dict[int, float], *, cap: float = 60) -> None:
    """Column widths in characters (+2 padding, at most ``cap``).

    In a write-only sheet this must run before the first row is written.
    """
    for i, width in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = min(cap, width + 2)


def write_table(
    ws: Any,
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    value_maps: dict[str, Any] | None = None,
) -> int:
    """Append a bold header row and one row per record of ``frame`` (``columns`` only, in
    order), every value through :func:`safe_cell_value`. ``value_maps`` maps a field to a
    function applied to each of its values (e.g. True → "Ja"). Returns the rows written."""
    value_maps = value_maps or {}
    ws.append([formatted(ws, c.header, bold=True) for c in columns])
    data = [_column_values(frame, c, value_maps) for c in columns]
    formats = [c.number_format for c in columns]
    for row in zip(*data, strict=True):
        ws.append([formatted(ws, v, f) for v, f in zip(row, formats, strict=True)])
    return len(frame) + 1


def append_rows(ws: Any, rows: Iterable[Sequence[Any]]) -> None:
    """Append plain rows (labels and values) through the guard."""
    for row in rows:
        ws.append([safe_cell_value(ws, v) for v in row])
