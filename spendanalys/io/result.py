"""What a reader returns: accepted rows, rejected rows, and what it understood about the file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from spendanalys.schema import Kind


@dataclass(frozen=True)
class RejectedRow:
    """One input row that was not accepted, numbered as the user sees it.

    ``row`` is the physical line of a CSV (title lines counted, 1-based) or the Excel row of a
    sheet. ``column`` is the header as written in the file (or the canonical field when the
    problem is a missing column).
    """

    file: str
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReadInfo:
    """What the reader understood; reported by ``spendanalys inspect``."""

    file: str
    kind: Kind
    encoding: str | None = None  # None for workbooks
    delimiter: str | None = None  # None for workbooks
    sheet: str | None = None  # None for CSV
    header_row: int | None = None  # as the user sees it
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> header as written
    notes: list[str] = field(default_factory=list)  # e.g. "skipped total row 3157 ('Total')"
    # Workbooks: the sheets read, in order, and those left with the reason ("no invoices header").
    sheets: list[str] = field(default_factory=list)
    sheets_left: dict[str, str] = field(default_factory=dict)
    # Every table read (a sheet, or a part of one below a repeated header): sheet, header_row,
    # first_row, last_row, columns. One entry for a plain CSV.
    tables: list[dict[str, Any]] = field(default_factory=list)
    # Date fields holding a year only ("2017", 2019 in a workbook) -> how many rows: read as
    # 1 January of that year, right for per-year figures only.
    year_only: dict[str, int] = field(default_factory=dict)
    # Unprefixed --column mappings offered to this input (used or not), and --default constants
    # that filled a field the file lacks.
    offered_columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadResult:
    """A canonical table plus every row that was rejected, with the reason."""

    table: pd.DataFrame
    rejected: list[RejectedRow]
    info: ReadInfo

    @property
    def rows_accepted(self) -> int:
        return len(self.table)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def rejected_frame(self) -> pd.DataFrame:
        """Rejected rows as a DataFrame with columns file, row, column, reason."""
        return pd.DataFrame(
            [r.as_dict() for r in self.rejected], columns=["file", "row", "column", "reason"]
        )
