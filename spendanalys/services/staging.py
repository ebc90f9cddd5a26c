"""Look before it goes live: the plausibility check of an upload and the preview of a staged
version (rows accepted and rejected, reasons with counts, the change against the current data).

Pure functions over the readers' results and canonical tables, plus :func:`preview_of`, which
reads the store. The upload (``services.uploads``) and ``spendanalys datasets import`` use the
same check, so a file the browser stops is stopped on the command line too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from spendanalys import io as readers
from spendanalys.errors import SpendanalysError
from spendanalys.io.decode import text_encodings
from spendanalys.io.result import ReadResult
from spendanalys.schema import KINDS, Kind
from spendanalys.services.analyses import (
    SPEND_KINDS,
    keep_previewed,
    spend_inputs,
    spend_run_with_settings,
)
from spendanalys.services.summaries import spend_summary
from spendanalys.store.database import Store
from spendanalys.store.selections import YEAR_COLUMNS, years_covered
from spendanalys.travel.analysis import analyse_travel

MOSTLY_REJECTED = 0.5  # a file with more than this share of its rows rejected is stopped
# Bytes of a text export the other kinds are first read on by the plausibility check: the
# header and several hundred rows below it.
START_BYTES = 64 * 1024
ZIP_MAGIC = b"PK"  # a workbook: read whole (no byte cut of a zip is a workbook)
# Encodings in which a line break is one byte that no character contains: a cut after it is
# a cut between two lines.
BYTE_CUT_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp1252", "latin-1"})
REASONS_SHOWN = 10  # reason groups in a preview (the rest are counted)


@dataclass(frozen=True)
class KindCheck:
    """What the plausibility check found: ``looks_like`` another kind (None: it fits), the
    share of rows rejected, and whether the file is stopped."""

    kind: str
    looks_like: str | None
    rejected_share: float
    stopped: bool


def _fit(result: ReadResult) -> tuple[int, float]:
    """(columns recognised, share of rows accepted) of one reading of a file."""
    total = result.rows_accepted + result.rows_rejected
    return len(result.info.columns), (result.rows_accepted / total if total else 0.0)


def start_of(content: bytes) -> bytes:
    """The first lines of a text export, cut after the first line break past ``START_BYTES``
    (the header and the rows below it), or ``content`` itself when it is shorter, a
    workbook, or in an encoding where a byte cut could split a character (UTF-16)."""
    if len(content) <= START_BYTES or content.startswith(ZIP_MAGIC):
        return content
    if not set(text_encodings(content)) <= BYTE_CUT_ENCODINGS:
        return content
    cut = content.find(b"\n", START_BYTES) + 1
    return content if cut <= 0 or cut >= len(content) else content[:cut]


def _reading(content: bytes, name: str, kind: str) -> ReadResult | None:
    """``content`` read as ``kind``, None when it cannot be read as that kind at all."""
    try:
        return readers.read_input(content, kind, name=name)  # type: ignore[arg-type]
    except (SpendanalysError, ValueError):
        return None


def check_kind(content: bytes, name: str, kind: str, result: ReadResult | None) -> KindCheck:
    """Does the file look like ``kind``? It is read as every other kind: one that recognises
    more columns and accepts at least as large a share of rows is what the file looks like.
    ``result`` is the reading as ``kind`` (None when the file could not be read as it). A file
    is stopped when it looks like another kind or most of its rows are rejected.

    Each other kind first reads only the start of the file (:func:`start_of`): reading a
    million invoice lines as trips and as FTE searched every line for a header, most of the
    upload's time. Only a kind that recognises more columns there than ``kind`` reads the
    whole file, so the shares compared are always those of whole-file readings. A header of
    another kind that only appears below the file's start is not looked for."""
    mine = _fit(result) if result is not None else (0, 0.0)
    start = start_of(content)
    best: tuple[tuple[int, float], str] | None = None
    for other in KINDS:
        if other == kind:
            continue
        reading = _reading(start, name, other)
        if reading is not None and start is not content and _fit(reading)[0] > mine[0]:
            reading = _reading(content, name, other)
        if reading is None:
            continue
        fit = _fit(reading)
        if (
            fit[0] > mine[0]
            and fit[1] >= mine[1]
            and fit[1] > 0
            and (best is None or fit > best[0])
        ):
            best = (fit, other)
    rejected = 1.0 - mine[1] if result is not None else 1.0
    looks_like = best[1] if best else None
    stopped = looks_like is not None or (result is not None and rejected > MOSTLY_REJECTED)
    return KindCheck(kind, looks_like, rejected, stopped)


def reason_counts(rejected: pd.DataFrame, limit: int = REASONS_SHOWN) -> pd.DataFrame:
    """Rejected rows grouped by column and reason, most first: column, reason, rows, first_row
    (the first row with it, to look up in the file)."""
    columns = ["column", "reason", "rows", "first_row"]
    if rejected.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        rejected.assign(
            column=rejected["column"].astype(str), reason=rejected["reason"].astype(str)
        )
        .groupby(["column", "reason"], as_index=False, sort=False)
        .agg(rows=("row", "size"), first_row=("row", "min"))
        .sort_values(["rows", "first_row"], ascending=[False, True], kind="stable")
    )
    return grouped[columns].head(limit).reset_index(drop=True)


@dataclass
class Figures:
    """What a kind's data amounts to, for the before/after of a preview."""

    rows: int = 0
    agreements: int | None = None
    spend_sek: float | None = None
    kg_co2e: float | None = None
    years: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class FigureColumns:
    """The columns a kind's :class:`Figures` are counted from (None: not counted):
    ``distinct`` its non-missing values (agreements), ``total`` its sum in SEK with missing
    values skipped (spend), ``year`` the years its rows cover."""

    distinct: str | None = None
    total: str | None = None
    year: str | None = None

    @property
    def names(self) -> list[str]:
        """The columns counted."""
        return [c for c in (self.distinct, self.total, self.year) if c is not None]


# The one definition of a kind's figures: :func:`figures_of` reads only these columns, so
# :func:`current_figures` reads only these of the current table.
FIGURE_COLUMNS: dict[str, FigureColumns] = {
    "contracts": FigureColumns(distinct="agreement_id", total="value_sek"),
    "invoices": FigureColumns(total="amount_sek", year=YEAR_COLUMNS["invoices"]),
    "trips": FigureColumns(year=YEAR_COLUMNS["trips"]),
    "fte": FigureColumns(year="year"),
}


def _years_in(kind: str, table: pd.DataFrame, column: str | None) -> list[int]:
    """The distinct years of ``column``: the year of a date (``row_years``), else the value."""
    if column is None or column not in table:
        return []
    if kind in YEAR_COLUMNS:
        return years_covered(kind, table) or []
    return sorted(int(y) for y in table[column].dropna().unique())


def figures_of(kind: str, table: pd.DataFrame) -> Figures:
    """Rows, agreements (register), spend (register value or invoice amounts), years of
    ``table``, counted as ``FIGURE_COLUMNS`` says."""
    columns = FIGURE_COLUMNS[kind]
    figures = Figures(rows=len(table), years=_years_in(kind, table, columns.year))
    if columns.distinct is not None and len(table):
        figures.agreements = int(table[columns.distinct].astype("string").nunique())
    if columns.total is not None and len(table):
        figures.spend_sek = float(pd.to_numeric(table[columns.total], errors="coerce").sum())
    return figures


def current_figures(store: Store, kind: Kind) -> Figures:
    """:func:`figures_of` the current table of ``kind``, of which only the columns counted
    are read: the same numbers, to the last digit, without reading the whole table."""
    return figures_of(kind, store.current_table(kind, FIGURE_COLUMNS[kind].names))


def _spend_kg_co2e(
    store: Store, tables: Mapping[Kind, pd.DataFrame], inputs: str, as_of: date
) -> float | None:
    """Total kg CO2e of the spend analysis of these tables, with the store's supplier factors
    and category overrides as the pages apply them (None: it cannot run). The run is kept for
    the confirmation that makes ``inputs`` (``analyses.spend_inputs`` of the tables'
    selections, read before them) current, which then need not compute it again."""
    if tables["contracts"].empty:
        return None
    try:
        run = spend_run_with_settings(store, tables["contracts"], tables["invoices"], as_of)
    except (SpendanalysError, ValueError, KeyError):
        return None
    keep_previewed(inputs, run)
    return float(run.analysis.totals["kg_co2e"])


def _current_spend_kg_co2e(store: Store) -> float | None:
    """The total the pages show now: the current analysis, from the cache when a page or an
    earlier preview computed it (an upload's preview then runs one analysis, not two)."""
    try:
        summary = spend_summary(store)
    except (SpendanalysError, ValueError, KeyError):
        return None
    return None if summary is None else float(summary.totals["kg_co2e"])


def _travel_kg_co2e(tables: dict[str, pd.DataFrame]) -> float | None:
    """Total kg CO2e of the trips (None: the travel analysis cannot run on these tables)."""
    if tables["trips"].empty or tables["fte"].empty:
        return None
    try:
        return float(analyse_travel(tables["trips"], tables["fte"]).trips["kg_co2e"].sum())
    except (SpendanalysError, ValueError, KeyError):
        return None


@dataclass
class Preview:
    """A staged version as the user sees it before confirming."""

    version_id: int
    kind: str
    before: Figures
    after: Figures
    replaced_years: list[int]
    reasons: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        reasons = self.reasons.astype(object).where(self.reasons.notna(), None)
        return {
            "version_id": self.version_id,
            "kind": self.kind,
            "before": asdict(self.before),
            "after": asdict(self.after),
            "replaced_years": list(self.replaced_years),
            "reasons": [
                {
                    k: (int(v) if isinstance(v, int | float) and k != "reason" else v)
                    for k, v in r.items()
                }
                for r in reasons.to_dict("records")
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preview:
        return cls(
            version_id=int(data["version_id"]),
            kind=str(data["kind"]),
            before=Figures(**data["before"]),
            after=Figures(**data["after"]),
            replaced_years=[int(y) for y in data.get("replaced_years") or []],
            reasons=pd.DataFrame(
                data.get("reasons") or [], columns=["column", "reason", "rows", "first_row"]
            ),
        )


def preview_of(store: Store, version_id: int, imported: pd.DataFrame | None = None) -> Preview:
    """The change a staged (or any stored) version would make if it became current now.

    ``imported``: the version's rows as just imported (the upload's table), taken instead of
    reading them back where that gives the same frame (``Store.selection_table``). A spend
    preview reads of the current data only what its figures count (its kg CO2e is the total
    the pages show, from their cache), and the run of the would-be data is kept for the
    confirmation of exactly that data (``analyses.keep_previewed``)."""
    kind: Kind = store.version_kind(version_id)  # type: ignore[assignment]
    parts, replaced = store.preview_selection(version_id)
    held = None if imported is None else {int(version_id): imported}
    if kind in SPEND_KINDS:
        as_of = date.today()
        before = current_figures(store, kind)
        before.kg_co2e = _current_spend_kg_co2e(store)
        selections = {k: parts if k == kind else store.current_parts(k) for k in SPEND_KINDS}
        inputs = spend_inputs(store, selections, as_of)  # before the run reads the settings
        then = {k: store.selection_table(k, selections[k], held) for k in SPEND_KINDS}
        after = figures_of(kind, then[kind])
        after.kg_co2e = _spend_kg_co2e(store, then, inputs, as_of)
    else:
        now = {k: store.current_table(k) for k in ("trips", "fte")}  # type: ignore[arg-type]
        tables = dict(now)
        tables[kind] = store.selection_table(kind, parts, held)
        before, after = figures_of(kind, now[kind]), figures_of(kind, tables[kind])
        before.kg_co2e, after.kg_co2e = _travel_kg_co2e(now), _travel_kg_co2e(tables)
    return Preview(
        version_id=int(version_id),
        kind=kind,
        before=before,
        after=after,
        replaced_years=replaced,
        reasons=reason_counts(store.rejected_rows(version_id)),
    )
