"""Online backup and checked restore of the store.

SQLite: the backup is taken with SQLite's online backup API (``sqlite3.Connection.backup``),
which copies a consistent snapshot while the app keeps running (a raw file copy of a live WAL
database can miss committed pages still in the ``-wal`` file). The copy is written to a
temporary file, switched to a single-file journal mode, checked with ``PRAGMA integrity_check``
and only then renamed to the requested name.

Restore checks the file first (SQLite header, integrity check, a known schema revision), then
copies it to a private staging file beside the database and checks every table there
(``store.checks``: the schema of its revision, no triggers or views, values of each column's
declared type, foreign keys) and empties its cache table: cached results are recomputed, never
taken from a backup, whose cache rows anyone could have written. Only then is a safety copy of
the current database kept beside it and the staged copy copied *into* the live database with
the same backup API: it takes the write lock, so running readers see either the old or the
restored database, never a mix, and no stale ``-wal``/``-shm`` file can survive the swap. The
schema is then migrated to head, so a backup from an older release is usable, and the restore
is written to the audit log.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--single-transaction`` (the documented tools; the client version must not be older than the
server). The dump's table of contents (``pg_restore --list``) is checked before anything is
dropped: only tables, sequences, defaults, constraints and indexes of the store's own tables
(no functions, triggers, views, rules or extensions) and a known schema revision; the cache
table's rows are left out of the restore.

Backups, safety copies and their partial files are created mode 0600, like the database: they
hold the password hashes.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory

from spendanalys.errors import ConfigurationError, StorageError
from spendanalys.store.checks import check_tables
from spendanalys.store.database import Store
from spendanalys.store.engine import (
    PRIVATE_MODE,
    alembic_config,
    private_file,
    write_transaction,
)
from spendanalys.store.small_tables import write_audit
from spendanalys.store.tables import cache_entries, metadata

SQLITE_MAGIC = b"SQLite format 3\x00"
# Entries a dump of the store holds (``pg_restore --list``), longest first; anything else (a
# function, trigger, view, rule, extension...) is refused.
PG_ENTRY_TYPES = (
    "SEQUENCE OWNED BY",
    "SEQUENCE SET",
    "FK CONSTRAINT",
    "TABLE DATA",
    "CONSTRAINT",
    "SEQUENCE",
    "DEFAULT",
    "INDEX",
    "TABLE",
)
_PG_ENTRY = re.compile(r"^\d+; \d+ \d+ (?P<rest>.+)$")


def check_sqlite_file(path: Path) -> str | None:
    """Check a SQLite backup: header, ``integrity_check`` and schema revision.

    Returns the file's Alembic revision; raises StorageError when the file is unusable.
    """
    with open(path, "rb") as handle:
        if handle.read(16) != SQLITE_MAGIC:
            raise StorageError(f"{path} is not a SQLite database")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [r[0] for r in connection.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                raise StorageError(f"{path} fails the integrity check: {'; '.join(result[:5])}")
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
            if "dataset_versions" not in tables or "alembic_version" not in tables:
                raise StorageError(f"{path} is not a Spendanalys database")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} cannot be read as a database: {exc}") from exc
    return None if row is None else str(row[0])


def _known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def backup(store: Store, out: str | os.PathLike[str]) -> Path:
    """Write a consistent copy of the running database to ``out``; returns the path."""
    target = Path(out).expanduser().absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    if store.backend == "postgresql":
        _pg_dump(store, target)
        return target
    assert store.path is not None
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    _copy_sqlite(store.path, partial)
    try:
        check_sqlite_file(partial)
    except StorageError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target


def _copy_sqlite(source_path: Path, target: Path, *, read_only: bool = False) -> None:
    """A consistent copy of a SQLite database in one self-contained file, mode 0600."""
    private_file(target)  # before SQLite creates it with the umask's mode
    if read_only:
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    else:
        source = sqlite3.connect(source_path, timeout=60)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()


def restore(store: Store, file: str | os.PathLike[str]) -> Path | None:
    """Replace the database's content with the backup ``file`` after checking it.

    Returns the safety copy of the replaced database (SQLite), or None (PostgreSQL).
    """
    source_path = Path(file).expanduser().absolute()
    if not source_path.is_file():
        raise ConfigurationError(f"no backup file {source_path}")
    if store.backend == "postgresql":
        _pg_restore(store, source_path)
        _after_restore(store, source_path)
        return None
    revision = check_sqlite_file(source_path)
    if revision not in _known_revisions():
        raise StorageError(
            f"{source_path} has schema revision {revision!r}, unknown to this version of "
            "Spendanalys (a backup from a newer release?)"
        )
    assert store.path is not None and revision is not None
    with tempfile.TemporaryDirectory(dir=store.path.parent, prefix=".restore-") as folder:
        staged = Path(folder) / "staged.sqlite"
        _copy_sqlite(source_path, staged, read_only=True)
        check_tables(staged, revision)  # before any write: no trigger of the file's can fire
        cleared = sqlite3.connect(staged)
        try:
            with cleared:
                cleared.execute(f"DELETE FROM {cache_entries.name}")
        finally:
            cleared.close()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        safety = store.path.with_name(f"{store.path.stem}.before-restore-{stamp}.sqlite")
        backup(store, safety)
        store.close()  # no pooled connection keeps an old snapshot
        source = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
        live = sqlite3.connect(store.path, timeout=60)
        try:
            source.backup(live)
            result = [r[0] for r in live.execute("PRAGMA integrity_check")]
        finally:
            live.close()
            source.close()
    if result != ["ok"]:
        raise StorageError(f"the restored database fails the integrity check; copy: {safety}")
    _after_restore(store, source_path)
    return safety


def _after_restore(store: Store, source: Path) -> None:
    """Schema to head, no cached result left, and the restore in the audit log."""
    store.migrate()
    store.cache_clear()
    with write_transaction(store.engine) as connection:
        write_audit(connection, "cli", "restore", file=source.name)


def _pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    tool = found[-1] if found else shutil.which(name)
    if tool is None:
        raise ConfigurationError(
            f"{name} is needed for PostgreSQL backups; install postgresql-client"
        )
    return tool


def _version_key(path: str) -> int:
    version = Path(path).parent.parent.name
    return int(version) if version.isdigit() else 0


def _libpq(store: Store) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment."""
    url = store.url
    args = ["--dbname", url.database or "postgres", "--no-password"]
    host = url.host or url.query.get("host")
    port = url.port or url.query.get("port")
    if host:
        args += ["--host", str(host)]
    if port:
        args += ["--port", str(port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StorageError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-800:]}")
    return done.stdout


def _pg_dump(store: Store, target: Path) -> None:
    args, env = _libpq(store)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    private_file(partial)  # pg_dump writes into it and keeps its mode
    _run([_pg_tool("pg_dump"), "--format=custom", "--file", str(partial), *args], env)
    _run([_pg_tool("pg_restore"), "--list", str(partial)], env)
    os.chmod(partial, PRIVATE_MODE)
    os.replace(partial, target)


def restore_list(listing: str) -> str:
    """The entries of a dump's ``pg_restore --list`` to restore: all but the cache table's
    rows. Refuses (StorageError) an entry that is not a table, sequence, default, constraint
    or index of the store's own tables in schema ``public``."""
    tables = {*metadata.tables, "alembic_version"}
    kept = []
    for line in listing.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        match = _PG_ENTRY.match(line)
        kind = next(
            (k for k in PG_ENTRY_TYPES if match and match["rest"].startswith(k + " ")), None
        )
        if match is None or kind is None:
            raise StorageError(f"the dump holds an entry a store backup never has: {line!r}")
        schema, _, rest = match["rest"][len(kind) + 1 :].partition(" ")
        name = rest.split(" ")[0]
        of_table = kind in ("TABLE", "TABLE DATA", "CONSTRAINT", "FK CONSTRAINT", "DEFAULT")
        if schema != "public" or (of_table and name not in tables):
            raise StorageError(f"the dump holds an entry a store backup never has: {line!r}")
        if kind == "TABLE DATA" and name == cache_entries.name:
            continue  # cached results are recomputed, never restored
        kept.append(line)
    return "\n".join(kept) + "\n"


def _pg_revision(source: Path, env: dict[str, str]) -> str | None:
    """The schema revision stored in a dump (its alembic_version row)."""
    script = _run(
        [_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "-f", "-", str(source)],
        env,
    )
    lines = script.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("COPY ")), None)
    if start is None or start + 1 >= len(lines) or lines[start + 1] == "\\.":
        return None
    return lines[start + 1].strip()


def _pg_restore(store: Store, source: Path) -> None:
    args, env = _libpq(store)
    listing = restore_list(_run([_pg_tool("pg_restore"), "--list", str(source)], env))
    revision = _pg_revision(source, env)
    if revision not in _known_revisions():
        raise StorageError(
            f"{source} has schema revision {revision!r}, unknown to this version of "
            "Spendanalys (a backup from a newer release?)"
        )
    store.close()
    with tempfile.TemporaryDirectory(prefix="spendanalys-restore-") as folder:
        chosen = Path(folder) / "entries.list"
        chosen.write_text(listing, encoding="utf-8")
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                f"--use-list={chosen}",
                *args,
                str(source),
            ],
            env,
        )
