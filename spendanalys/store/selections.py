"""Which dataset versions are current: a kind's *selection*, kept as an append-only history.

Methods of ``Store`` (through ``SelectionsMixin``). The contract register and the FTE table
are each current as one version (a new FTE file states every year); invoices and trips are
kept per calendar year: a confirmed version becomes
current for the years its rows cover and replaces only those years of the versions current
before (2025's trips join 2019–2024; a corrected 2024 invoice export replaces 2024 and leaves
2023). Every change writes a row to ``dataset_selections`` (the newest per kind is current) and
an audit entry in the same transaction, and ``dataset_versions.is_current`` follows it, so a
failure leaves the previous selection as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from spendanalys.errors import ConfigurationError
from spendanalys.schema import Kind
from spendanalys.store.frames import as_read_back
from spendanalys.store.small_tables import utc_now, write_audit
from spendanalys.store.tables import dataset_selections, dataset_versions

# Kinds kept per year, and the column each row's year is read from.
YEAR_COLUMNS: dict[str, str] = {"invoices": "date", "trips": "date"}
STAGED = "staged"  # parsed and stored, shown to the user, not yet current
DISCARDED = "discarded"  # a staged version the user turned down (its rows deleted)
Parts = list[dict[str, Any]]


def row_years(kind: str, table: pd.DataFrame) -> pd.Series:
    """The calendar year of each row (Int64, <NA> when unknown) of a kind kept per year."""
    column = YEAR_COLUMNS[kind]
    if column not in table:
        return pd.Series(pd.NA, index=table.index, dtype="Int64")
    return pd.to_datetime(table[column], errors="coerce").dt.year.astype("Int64")


def years_covered(kind: str, table: pd.DataFrame) -> list[int] | None:
    """The sorted years a table's rows cover; None for a kind not kept per year."""
    if kind not in YEAR_COLUMNS:
        return None
    return sorted(int(y) for y in row_years(kind, table).dropna().unique())


def take_years(kind: str, table: pd.DataFrame, years: list[int] | None) -> pd.DataFrame:
    """The rows of ``table`` in ``years`` (all rows when ``years`` is None)."""
    if years is None or kind not in YEAR_COLUMNS:
        return table
    return table[row_years(kind, table).isin(years).fillna(False).to_numpy(dtype=bool)]


def replace_years(
    parts: Parts, version_id: int, years: list[int] | None, years_of: dict[int, list[int]]
) -> tuple[Parts, list[int]]:
    """The selection after ``version_id`` (covering ``years``; None: the whole kind) becomes
    current, and the years it takes over from the versions current before.

    ``years_of`` gives every earlier part's version's own years. Pure: no store access."""
    if years is None:
        whole = sorted({y for p in parts for y in (p["years"] or years_of[p["version_id"]])})
        return [{"version_id": version_id, "years": None}], whole
    new, kept, replaced = set(years), [], set[int]()
    for part in parts:
        if part["version_id"] == version_id:
            continue
        own = years_of[part["version_id"]]
        in_use = set(part["years"] if part["years"] is not None else own)
        replaced |= in_use & new
        left = sorted(in_use - new)
        if left:
            kept.append({"version_id": part["version_id"], "years": None if left == own else left})
    chosen = [*kept, {"version_id": version_id, "years": None}]
    return sorted(chosen, key=lambda p: p["version_id"]), sorted(replaced)


class SelectionsMixin:
    """Methods of ``Store`` for the current selection (needs ``_read``/``_write`` and
    ``_fetch_rows``)."""

    def _read(self) -> Any:  # provided by Store
        raise NotImplementedError

    def _write(self) -> Any:  # provided by Store
        raise NotImplementedError

    def _fetch_rows(
        self,
        connection: Connection,
        kind: Kind,
        version_id: int,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        raise NotImplementedError  # provided by Store

    @staticmethod
    def _parts(connection: Connection, kind: str) -> Parts:
        row = connection.execute(
            sa.select(dataset_selections.c.parts)
            .where(dataset_selections.c.kind == kind)
            .order_by(dataset_selections.c.id.desc())
            .limit(1)
        ).first()
        return [] if row is None else [dict(p) for p in row.parts]

    def _years_of(self, connection: Connection, kind: str, version_id: int) -> list[int]:
        """A version's years: as stored, else read from its rows (versions before 0005)."""
        stored = connection.execute(
            sa.select(dataset_versions.c.years).where(dataset_versions.c.id == version_id)
        ).scalar_one_or_none()
        if stored is not None:
            return [int(y) for y in stored]
        table = self._fetch_rows(connection, kind, version_id)  # type: ignore[arg-type]
        return years_covered(kind, table) or []

    def _select(
        self,
        connection: Connection,
        kind: str,
        version_id: int,
        *,
        user: str,
        action: str | None,
    ) -> list[int]:
        """Make ``version_id`` current for its years (all of ``kind`` when not kept per year)
        inside the caller's transaction, audited as ``action`` (None: the caller audits);
        returns the years it took over."""
        parts = self._parts(connection, kind)
        years = self._years_of(connection, kind, version_id) if kind in YEAR_COLUMNS else None
        years_of = {
            int(p["version_id"]): self._years_of(connection, kind, int(p["version_id"]))
            for p in parts
        }
        chosen, replaced = replace_years(parts, version_id, years, years_of)
        self._write_selection(connection, kind, chosen, user=user)
        if action is not None:
            write_audit(
                connection, user, action, kind=kind, version_id=version_id, replaced_years=replaced
            )
        return replaced

    @staticmethod
    def _write_selection(connection: Connection, kind: str, parts: Parts, *, user: str) -> None:
        connection.execute(
            dataset_selections.insert().values(
                kind=kind, parts=parts, created_by=user, created_at=utc_now()
            )
        )
        ids = [int(p["version_id"]) for p in parts]
        connection.execute(
            dataset_versions.update()
            .where(dataset_versions.c.kind == kind)
            .values(is_current=dataset_versions.c.id.in_(ids) if ids else sa.false())
        )

    def current_parts(self, kind: Kind) -> Parts:
        """The current selection of ``kind``: [{"version_id", "years" (None: all)}]."""
        with self._read() as connection:
            return self._parts(connection, kind)

    def preview_selection(self, version_id: int) -> tuple[Parts, list[int]]:
        """The selection making ``version_id`` current would give, and the current years it
        would replace (nothing is written): what a confirmation names before it replaces."""
        with self._read() as connection:
            kind = self._kind_of(connection, version_id)
            parts = self._parts(connection, kind)
            years = self._years_of(connection, kind, version_id) if kind in YEAR_COLUMNS else None
            years_of = {
                int(p["version_id"]): self._years_of(connection, kind, int(p["version_id"]))
                for p in parts
            }
        return replace_years(parts, int(version_id), years, years_of)

    def version_kind(self, version_id: int) -> str:
        """The kind of a stored version (ConfigurationError when there is none)."""
        with self._read() as connection:
            return self._kind_of(connection, version_id)

    def selection_table(
        self, kind: Kind, parts: Parts, imported: Mapping[int, pd.DataFrame] | None = None
    ) -> pd.DataFrame:
        """The rows a selection gives, as ``current_table`` gives them for the current one.

        ``imported``: tables just imported, by version id; a version's rows are taken from
        there instead of read back when that gives the same frame (``frames.as_read_back``)."""
        with self._read() as connection:
            return self._selection_rows(connection, kind, parts, None, imported).reset_index(
                drop=True
            )

    def _selection_rows(
        self,
        connection: Connection,
        kind: Kind,
        parts: Parts,
        columns: Sequence[str] | None = None,
        imported: Mapping[int, pd.DataFrame] | None = None,
    ) -> pd.DataFrame:
        """The selection's rows; with ``columns``, only those columns are read and returned
        (the year column a part is cut by is read too, then left out)."""
        fetched = columns
        if columns is not None and kind in YEAR_COLUMNS and YEAR_COLUMNS[kind] not in columns:
            fetched = [*columns, YEAR_COLUMNS[kind]]

        def rows_of(version_id: int) -> pd.DataFrame:
            held = (imported or {}).get(int(version_id))
            back = None if held is None else as_read_back(kind, held)
            if back is None:
                return self._fetch_rows(connection, kind, version_id, fetched)
            return back if fetched is None else back[list(fetched)]

        tables = [take_years(kind, rows_of(p["version_id"]), p["years"]) for p in parts]
        if not tables:
            table = self._fetch_rows_empty(kind)
        else:
            table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
        return table if columns is None else table[list(columns)]

    def _fetch_rows_empty(self, kind: Kind) -> pd.DataFrame:
        raise NotImplementedError  # provided by Store

    @staticmethod
    def _kind_of(connection: Connection, version_id: int) -> str:
        kind = connection.execute(
            sa.select(dataset_versions.c.kind).where(dataset_versions.c.id == int(version_id))
        ).scalar_one_or_none()
        if kind is None:
            raise ConfigurationError(f"there is no dataset version {version_id}")
        return str(kind)

    def withdraw_version(self, version_id: int, *, user: str) -> None:
        """Take a version of a kind kept per year out of the current data (its years are then
        absent until another version covers them). The register is replaced, not withdrawn."""
        version_id = int(version_id)
        with self._write() as connection:
            kind = self._kind_of(connection, version_id)
            if kind not in YEAR_COLUMNS:
                raise ConfigurationError(
                    f"dataset version {version_id} ({kind}) can only be replaced by another"
                )
            parts = self._parts(connection, kind)
            left = [p for p in parts if int(p["version_id"]) != version_id]
            if len(left) == len(parts):
                raise ConfigurationError(f"dataset version {version_id} is not current")
            self._write_selection(connection, kind, left, user=user)
            write_audit(connection, user, "withdraw_version", kind=kind, version_id=version_id)
