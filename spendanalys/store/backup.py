"""Online backup and checked restore of the store.

SQLite: the backup is taken with SQLite's online backup API (``sqlite3.Connection.backup``),
which copies a consistent snapshot while the app keeps running (a raw file copy of a live WAL
database can miss committed pages still in the ``-wal`` file). The copy is written to a
temporary file, switched to a single-file journal mode, checked with ``PRAGMA integrity_check``
and only then renamed to the requested name.

Restore checks the file first (SQLite header, integrity check, a known schema revision), keeps a
safety copy of the current database beside it, then copies the backup *into* the live database
with the same backup API: it takes the write lock, so running readers see either the old or the
restored database, never a mix, and no stale ``-wal``/``-shm`` file can survive the swap. The
schema is then migrated to head, so a backup from an older release is usable.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--single-transaction`` (the documented tools; the client version must not be older than the
server). The dump is checked with ``pg_restore --list`` before anything is dropped.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory

from spendanalys.errors import ConfigurationError, StorageError
from spendanalys.store.database import Store
from spendanalys.store.engine import alembic_config

SQLITE_MAGIC = b"SQLite format 3\x00"


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
    source = sqlite3.connect(store.path, timeout=60)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    try:
        check_sqlite_file(partial)
    except StorageError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target


def restore(store: Store, file: str | os.PathLike[str]) -> Path | None:
    """Replace the database's content with the backup ``file`` after checking it.

    Returns the safety copy of the replaced database (SQLite), or None (PostgreSQL).
    """
    source_path = Path(file).expanduser().absolute()
    if not source_path.is_file():
        raise ConfigurationError(f"no backup file {source_path}")
    if store.backend == "postgresql":
        _pg_restore(store, source_path)
        store.migrate()
        return None
    revision = check_sqlite_file(source_path)
    if revision not in _known_revisions():
        raise StorageError(
            f"{source_path} has schema revision {revision!r}, unknown to this version of "
            "Spendanalys (a backup from a newer release?)"
        )
    assert store.path is not None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safety = store.path.with_name(f"{store.path.stem}.before-restore-{stamp}.sqlite")
    backup(store, safety)
    store.close()  # no pooled connection keeps an old snapshot
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    live = sqlite3.connect(store.path, timeout=60)
    try:
        source.backup(live)
        result = [r[0] for r in live.execute("PRAGMA integrity_check")]
    finally:
        live.close()
        source.close()
    if result != ["ok"]:
        raise StorageError(f"the restored database fails the integrity check; copy: {safety}")
    store.migrate()
    return safety


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


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StorageError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-800:]}")


def _pg_dump(store: Store, target: Path) -> None:
    args, env = _libpq(store)
    partial = target.with_name(f".{target.name}.partial")
    _run([_pg_tool("pg_dump"), "--format=custom", "--file", str(partial), *args], env)
    _run([_pg_tool("pg_restore"), "--list", str(partial)], env)
    os.replace(partial, target)


def _pg_restore(store: Store, source: Path) -> None:
    args, env = _libpq(store)
    _run([_pg_tool("pg_restore"), "--list", str(source)], env)  # readable before dropping
    store.close()
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",
            *args,
            str(source),
        ],
        env,
    )
