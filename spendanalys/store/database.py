"""Persistence: dataset versions, canonical rows, settings, users and a result cache.

``Store`` is the one door to the database (SQLite file by default, PostgreSQL by URL; see
``store.engine`` for the connection settings). Every upload becomes a *dataset version*; an
import is one transaction that stores the version, all its canonical and rejected rows and makes
it the current version of its kind, so a failure or a killed process leaves the previous
current version as it was. Earlier versions stay stored within the retention rule
(``store.retention``, after each import): every current version and the newest
``SPENDANALYS_KEEP_VERSIONS`` others per kind (default 5) keep their rows, so ``set_current``
can go back to one; an older version keeps its row (who uploaded what, when, its checksum) with
status ``pruned`` but loses its canonical and rejected rows. ``spendanalys backup`` keeps more.

Settings (category overrides, supplier factors, goal settings) are append-only: every change
is a new row with who and when, and the latest row for a key wins. Settings and the cache live
in ``store.small_tables``, users and logins in ``store.users``; backup and restore in
``store.backup``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from spendanalys.errors import ConfigurationError, SpendanalysError, StorageError
from spendanalys.io.result import ReadResult
from spendanalys.schema import KINDS, Kind
from spendanalys.settings import settings
from spendanalys.store import frames as store_frames
from spendanalys.store.engine import (
    computation_lock,
    create_store_engine,
    migrate,
    read_transaction,
    resolve_url,
    sqlite_path,
    write_transaction,
)
from spendanalys.store.retention import PRUNED, RetentionMixin
from spendanalys.store.selections import (
    DISCARDED,
    STAGED,
    SelectionsMixin,
    years_covered,
)
from spendanalys.store.small_tables import SettingsMixin, utc_now, utc_series, write_audit
from spendanalys.store.tables import audit_log, dataset_versions, rejected_rows, row_tables
from spendanalys.store.users import UsersMixin

INSERT_CHUNK = 20_000  # rows per executemany: bounds memory on million-row imports
LOG = logging.getLogger(__name__)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
VERSION_COLUMNS = [
    "id",
    "kind",
    "file_name",
    "checksum",
    "uploaded_by",
    "uploaded_at",
    "rows_accepted",
    "rows_rejected",
    "status",
    "is_current",
    "reader_info",
    "error",
    "years",
]


def describe_error(exc: BaseException, limit: int = 500) -> str:
    """A one-line description of ``exc`` for users: the driver's message without the SQL."""
    cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
    text = " ".join(f"{type(cause).__name__}: {cause}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ConfigurationError(f"unknown dataset kind {kind!r}; use one of {', '.join(KINDS)}")
    return kind  # type: ignore[return-value]


class Store(SettingsMixin, UsersMixin, RetentionMixin, SelectionsMixin):
    """The database of one Spendanalys installation.

    ``url`` is an SQLAlchemy URL (``sqlite:///path`` or ``postgresql://...``); by default
    $SPENDANALYS_DATABASE_URL, else ``var/spendanalys.sqlite`` under the working directory.
    The schema is migrated to the newest revision on opening unless ``migrate=False``, and
    then cache entries that can never be served are deleted (``cache_sweep``).
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = resolve_url(url)
        self.engine: Engine = create_store_engine(self.url)
        if migrate:
            self.migrate()
            self.cache_sweep()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def path(self) -> Path | None:
        """The SQLite database file (None on PostgreSQL)."""
        return sqlite_path(self.engine)

    def migrate(self) -> None:
        """Bring the schema to the newest packaged Alembic revision (safe to call every start)."""
        try:
            migrate(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot migrate the database {self.describe()}: {exc}") from exc

    def computing(self, key: str, *, wait: bool = True) -> Any:
        """Context manager: the installation-wide lock for computing the cached result ``key``
        (``store.engine.computation_lock``); with ``wait`` False it yields whether it got it."""
        return computation_lock(self.engine, key, wait=wait)

    def describe(self) -> str:
        """The database URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _write(self) -> Any:
        return write_transaction(self.engine)

    def _read(self) -> Any:
        return read_transaction(self.engine)

    def integrity_check(self) -> str:
        """``ok`` when SQLite's ``PRAGMA integrity_check`` finds nothing (always ok on PostgreSQL)."""
        if self.backend != "sqlite":
            return "ok"
        with self._read() as connection:
            lines = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
        return "\n".join(str(line) for line in lines)

    # ---- dataset versions -------------------------------------------------------------------

    def import_dataset(
        self,
        kind: Kind,
        result: ReadResult,
        *,
        file_name: str,
        checksum: str,
        user: str,
        stage: bool = False,
    ) -> int:
        """Store ``result`` as a new dataset version of ``kind`` and make it current (for the
        years it covers, ``store.selections``); with ``stage`` it is stored with status
        ``staged`` and becomes current only by :meth:`confirm_version`.

        All or nothing: the version row, every canonical row and every rejected row are written
        in one transaction, and the row count is verified before commit. On failure the
        previous current version stays current, a ``failed`` version row records the error,
        and StorageError is raised. A result with no accepted rows is stored with status
        ``empty`` and does not become current. Returns the new version id.

        After the commit, older versions of ``kind`` beyond the retention rule are pruned
        (:meth:`prune_versions`, in a transaction of its own: a failure there is logged and
        leaves the import as it is).
        """
        kind = _check_kind(kind)
        _ = settings().keep_versions  # a misconfigured rule refuses before anything is written
        checksum = checksum.lower()
        if not _SHA256.match(checksum):
            raise ConfigurationError(f"checksum {checksum!r} is not a hex SHA-256")
        table = row_tables[kind]
        info = _jsonable(dataclasses.asdict(result.info))
        version = {
            "kind": kind,
            "file_name": file_name,
            "checksum": checksum,
            "uploaded_by": user,
            "rows_accepted": result.rows_accepted,
            "rows_rejected": result.rows_rejected,
            "reader_info": info,
            "years": years_covered(kind, result.table),
        }
        try:
            # A file whose every row was rejected is kept (with its rejected rows) but does not
            # replace the data in use.
            status = (STAGED if stage else "imported") if result.rows_accepted else "empty"
            sqlite = self.backend == "sqlite"
            encoded = store_frames.encode_table(kind, result.table, iso_dates=sqlite)
            with self._write() as connection:
                version_id = connection.execute(
                    dataset_versions.insert()
                    .values(**version, uploaded_at=utc_now(), status=status, is_current=False)
                    .returning(dataset_versions.c.id)
                ).scalar_one()
                for batch in encoded.batches(version_id, INSERT_CHUNK):
                    self._insert_rows(connection, table, encoded.names, batch)
                rejected = (
                    (version_id, i, r.file, r.row, r.column, r.reason)
                    for i, r in enumerate(result.rejected)
                )
                names = ["dataset_version_id", "position", "file", "row", "column", "reason"]
                for batch in store_frames.chunks(rejected, INSERT_CHUNK):
                    self._insert_rows(connection, rejected_rows, names, batch)
                stored = connection.execute(
                    sa.select(sa.func.count()).where(table.c.dataset_version_id == version_id)
                ).scalar_one()
                if stored != result.rows_accepted:
                    raise StorageError(f"stored {stored} rows of {result.rows_accepted}")
                replaced: list[int] = []
                if status == "imported":
                    replaced = self._select(connection, kind, version_id, user=user, action=None)
                write_audit(
                    connection,
                    user,
                    "stage" if status == STAGED else "import",
                    kind=kind,
                    version_id=version_id,
                    file=file_name,
                    replaced_years=replaced,
                )
        except Exception as exc:
            self._record_failure(version, exc)
            if isinstance(exc, SpendanalysError):
                raise
            raise StorageError(
                f"import of {file_name!r} ({kind}) failed; the previous data is unchanged: "
                f"{describe_error(exc)}"
            ) from exc
        if status != STAGED:
            self._prune_after(kind)
        return int(version_id)

    def _insert_rows(
        self, connection: Connection, table: sa.Table, names: list[str], batch: list[tuple]
    ) -> None:
        """One executemany insert of ``batch`` (tuples in ``names`` order).

        On SQLite the driver's executemany is called directly with values already in SQLite's
        storage form (ISO dates): about four times faster than SQLAlchemy's per-value
        processing. On PostgreSQL (psycopg) the rows go through COPY, its bulk-load path.
        This is also the seam where tests inject a failure in the middle of an import.
        """
        quote = connection.dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in names)
        if connection.dialect.name == "sqlite":
            placeholders = ", ".join("?" for _ in names)
            sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({placeholders})"
            connection.exec_driver_sql(sql, batch)
        elif connection.dialect.driver == "psycopg":
            driver = connection.connection.driver_connection  # inside our transaction
            with (
                driver.cursor() as cursor,  # type: ignore[union-attr]
                cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy,
            ):
                for row in batch:
                    copy.write_row(row)
        else:
            rows = [dict(zip(names, row, strict=True)) for row in batch]
            connection.execute(table.insert(), rows)

    def _record_failure(self, version: dict[str, Any], exc: BaseException) -> None:
        """Best effort: a ``failed`` version row without data, so users see what went wrong."""
        try:
            with self._write() as connection:
                connection.execute(
                    dataset_versions.insert().values(
                        **version,
                        uploaded_at=utc_now(),
                        status="failed",
                        is_current=False,
                        error=describe_error(exc),
                    )
                )
        except Exception:
            pass  # the original error is what the caller must see

    def set_current(self, version_id: int, *, user: str) -> list[int]:
        """Make an earlier (successfully imported) version current again: the register as a
        whole, a kind kept per year for the years it covers. Returns the years it replaced."""
        version_id = int(version_id)
        with self._write() as connection:
            row = connection.execute(
                sa.select(dataset_versions.c.kind, dataset_versions.c.status).where(
                    dataset_versions.c.id == version_id
                )
            ).first()
            if row is None:
                raise ConfigurationError(f"there is no dataset version {version_id}")
            if row.status != "imported":
                raise ConfigurationError(
                    f"dataset version {version_id} cannot be current (status {row.status})"
                )
            return self._select(connection, row.kind, version_id, user=user, action="set_current")

    def confirm_version(self, version_id: int, *, user: str) -> list[int]:
        """Make a staged version current (all or nothing); returns the years it replaced."""
        version_id = int(version_id)
        with self._write() as connection:
            row = connection.execute(
                sa.select(dataset_versions.c.kind, dataset_versions.c.status).where(
                    dataset_versions.c.id == version_id
                )
            ).first()
            if row is None or row.status != STAGED:
                status = "absent" if row is None else row.status
                raise ConfigurationError(
                    f"dataset version {version_id} is not waiting for a confirmation ({status})"
                )
            connection.execute(
                dataset_versions.update()
                .where(dataset_versions.c.id == version_id)
                .values(status="imported")
            )
            write_audit(connection, user, "confirm", kind=row.kind, version_id=version_id)
            replaced = self._select(
                connection, row.kind, version_id, user=user, action="set_current"
            )
        self._prune_after(row.kind)
        return replaced

    def _prune_after(self, kind: Kind) -> None:
        """The retention rule after a version became current (own transaction; a failure is
        logged and leaves the change as it is)."""
        keep = settings().keep_versions
        try:
            if keep is not None:
                self.prune_versions(keep, kinds=(kind,))
        except (sa.exc.SQLAlchemyError, StorageError) as exc:
            LOG.warning("pruning old %s versions failed: %s", kind, describe_error(exc))

    def discard_version(self, version_id: int, *, user: str) -> None:
        """Turn a staged version down: its rows are deleted, its record stays (``discarded``)."""
        version_id = int(version_id)
        with self._write() as connection:
            row = connection.execute(
                sa.select(dataset_versions.c.kind, dataset_versions.c.status).where(
                    dataset_versions.c.id == version_id
                )
            ).first()
            if row is None or row.status != STAGED:
                raise ConfigurationError(f"dataset version {version_id} is not staged")
            for table in (row_tables[row.kind], rejected_rows):
                connection.execute(table.delete().where(table.c.dataset_version_id == version_id))
            connection.execute(
                dataset_versions.update()
                .where(dataset_versions.c.id == version_id)
                .values(status=DISCARDED)
            )
            write_audit(connection, user, "discard", kind=row.kind, version_id=version_id)

    def versions(self, kind: Kind | None = None) -> pd.DataFrame:
        """Every dataset version (of ``kind``), oldest first, with who, when and row counts."""
        query = sa.select(*(dataset_versions.c[c] for c in VERSION_COLUMNS)).order_by(
            dataset_versions.c.id
        )
        if kind is not None:
            query = query.where(dataset_versions.c.kind == _check_kind(kind))
        with self._read() as connection:
            rows = connection.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=VERSION_COLUMNS)
        frame["uploaded_at"] = utc_series(frame["uploaded_at"])
        for column in ("id", "rows_accepted", "rows_rejected"):
            frame[column] = frame[column].astype("int64")
        frame["is_current"] = frame["is_current"].astype(bool)
        for column in ("kind", "file_name", "checksum", "uploaded_by", "status", "error"):
            frame[column] = frame[column].astype("string")
        years = [list(y) if isinstance(y, list) else None for y in frame["years"]]
        frame["years"] = pd.Series(years, index=frame.index, dtype=object)
        return frame

    def current_version(self, kind: Kind) -> dict[str, Any] | None:
        """The newest current version of ``kind`` as a dict (columns of ``versions``), or None."""
        frame = self.versions(kind)
        current = frame[frame["is_current"]]
        return None if current.empty else {str(k): v for k, v in current.iloc[-1].items()}

    def current_table(self, kind: Kind, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Canonical rows of the current data of ``kind`` (empty frame when none): each current
        version's rows of the years it is current for, oldest version first, each in its
        upload's order, with the canonical dtypes. With ``columns`` only those are read (a
        million invoice lines' amounts and dates in a tenth of the time of every column)."""
        kind = _check_kind(kind)
        with self._read() as connection:  # one transaction: the selection and its rows
            parts = self._parts(connection, kind)
            rows = self._selection_rows(connection, kind, parts, columns)
            return rows.reset_index(drop=True)

    def _fetch_rows_empty(self, kind: Kind) -> pd.DataFrame:
        return store_frames.rows_to_frame(kind, self._row_columns(kind), [])

    def version_table(self, version_id: int) -> pd.DataFrame:
        """Canonical rows of any stored version (to compare an upload with an earlier one)."""
        version_id = int(version_id)
        with self._read() as connection:
            kind = connection.execute(
                sa.select(dataset_versions.c.kind).where(dataset_versions.c.id == version_id)
            ).scalar_one_or_none()
            if kind is None:
                raise ConfigurationError(f"there is no dataset version {version_id}")
            status = connection.execute(
                sa.select(dataset_versions.c.status).where(dataset_versions.c.id == version_id)
            ).scalar_one()
            if status == PRUNED:
                raise ConfigurationError(
                    f"dataset version {version_id} was pruned by the retention rule "
                    "(SPENDANALYS_KEEP_VERSIONS); its rows are only in a backup"
                )
            return self._fetch_rows(connection, kind, version_id)

    @staticmethod
    def _row_columns(kind: Kind) -> list[str]:
        return list(store_frames.column_types(kind))

    def _fetch_rows(
        self,
        connection: Connection,
        kind: Kind,
        version_id: int,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows of one version (of ``columns`` only, when given), read with the driver's
        cursor and converted column-wise.

        Values come back raw (SQLite: ISO date text and 0/1; PostgreSQL: dates and booleans);
        ``store_frames.rows_to_frame`` turns each column into its canonical dtype. Skipping
        SQLAlchemy's per-row objects makes large reads several times faster.
        """
        table = row_tables[kind]
        names = self._row_columns(kind)
        if columns is not None:
            unknown = set(columns) - set(names)
            if unknown:
                raise ConfigurationError(f"{kind} has no column {', '.join(sorted(unknown))}")
            names = [n for n in names if n in columns]
        quote = connection.dialect.identifier_preparer.quote
        sql = (
            f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table.name)} "
            f"WHERE dataset_version_id = {int(version_id)} ORDER BY row_index"
        )
        cursor = connection.connection.cursor()  # the DBAPI cursor, inside our transaction
        try:
            cursor.execute(sql)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return store_frames.rows_to_frame(kind, names, rows)

    def rejected_rows(self, version_id: int) -> pd.DataFrame:
        """The rejected rows of a version: file, row, column, reason (in the reader's order)."""
        version_id = int(version_id)
        with self._read() as connection:
            rows = connection.execute(
                sa.select(
                    rejected_rows.c.file,
                    rejected_rows.c.row,
                    rejected_rows.c.column,
                    rejected_rows.c.reason,
                )
                .where(rejected_rows.c.dataset_version_id == version_id)
                .order_by(rejected_rows.c.position)
            ).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["file", "row", "column", "reason"])
        return frame.astype(
            {"file": "string", "row": "int64", "column": "string", "reason": "string"}
        )

    def audit(self, limit: int = 200) -> pd.DataFrame:
        """The latest ``limit`` entries of the audit log, newest first."""
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        with self._read() as connection:
            rows = connection.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(audit_log.c.keys()))
        frame["at"] = utc_series(frame["at"])
        return frame


def _jsonable(value: Any) -> Any:
    """Reader info as plain JSON (tuples to lists, unknown objects to text)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
