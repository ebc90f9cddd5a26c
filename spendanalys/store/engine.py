"""Connecting to the database: URL, SQLite settings, write transactions and migrations.

SQLite (the embedded default) runs in WAL mode (readers never block the writer) with
``synchronous=FULL`` (a committed import survives a power cut), foreign keys on and a busy
timeout. Every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up
front, so a transaction never has to upgrade a read lock to a write lock, the case in which
SQLite returns "database is locked" at once instead of waiting. pysqlite's own implicit BEGIN is
switched off (``isolation_level = None``) and SQLAlchemy's ``begin`` event emits ours, the
documented recipe for controlling BEGIN with pysqlite.

On PostgreSQL, writes take one transaction-scoped advisory lock, so writers are serialised the
same way on both backends (imports are rare; a single writer keeps "current version" simple).

The SQLite file holds the password hashes: it is created mode 0600 before SQLite opens it, and
an existing one of ours is narrowed to 0600 (SQLite gives its ``-wal`` and ``-shm`` files the
database file's mode), whatever the umask. ``journal_size_limit`` truncates the WAL after a
checkpoint, so one large import does not leave a WAL file of its size behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url

from spendanalys.errors import ConfigurationError
from spendanalys.settings import settings

DEFAULT_SQLITE = Path("var") / "spendanalys.sqlite"
BUSY_TIMEOUT_S = 60.0
PRIVATE_MODE = 0o600  # the database, its -wal and -shm, and backups: owner only
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # bytes a WAL file is truncated to after a checkpoint
# Arbitrary constant identifying the store's writer lock among PostgreSQL advisory locks.
PG_WRITE_LOCK = 0x5350_454E  # "SPEN"
_IMMEDIATE = "spendanalys_immediate"


def resolve_url(url: str | None = None) -> URL:
    """The database URL: ``url``, else $SPENDANALYS_DATABASE_URL, else ./var/spendanalys.sqlite.

    A plain ``postgresql://`` URL uses the psycopg (3) driver. A relative SQLite path is taken
    from the working directory and its parent directory is created.
    """
    text = url or settings().database_url or f"sqlite:///{DEFAULT_SQLITE}"
    try:
        parsed = make_url(text)
    except sa.exc.ArgumentError as exc:
        raise ConfigurationError(f"not a database URL: {text!r}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"unsupported database {backend!r}; use SQLite or PostgreSQL")
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise ConfigurationError(
                "an in-memory SQLite database cannot be shared between connections; use a file"
            )
        path = Path(database).expanduser().absolute()
        path.parent.mkdir(parents=True, exist_ok=True)
        parsed = parsed.set(database=str(path))
    return parsed


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist, else narrow it to 0600 when
    this user owns it; the same for its ``-wal`` and ``-shm`` files if present. The mode is
    set with chmod, so the umask plays no part."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        try:
            status = file.stat()
        except FileNotFoundError:
            continue
        if status.st_uid == os.getuid() and status.st_mode & 0o777 != PRIVATE_MODE:
            os.chmod(file, PRIVATE_MODE)


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a SQLite engine, else None."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(engine.url.database)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _install_fork_guard(engine: Engine) -> None:
    """Never hand a pooled connection to a forked child (gunicorn ``--preload``, background
    jobs): a connection opened in another process is discarded at checkout, the pattern
    SQLAlchemy documents for pools and ``os.fork()``."""

    @event.listens_for(engine, "connect")
    def _remember_pid(_dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _check_pid(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise sa.exc.DisconnectionError("connection opened in another process")


def create_store_engine(url: URL) -> Engine:
    """An engine for ``url`` with the settings described in the module docstring."""
    if url.get_backend_name() == "sqlite":
        if url.database:
            private_file(Path(url.database))
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        _install_sqlite_hooks(engine)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    _install_fork_guard(engine)
    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back on any exception."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{_IMMEDIATE: True})
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_WRITE_LOCK)))
            yield connection


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """One read transaction: a consistent snapshot for several queries (never blocks writers)."""
    with engine.connect() as connection, connection.begin():
        yield connection


@contextmanager
def computation_lock(engine: Engine, key: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the installation-wide lock for computing the result ``key``; yields True.

    Every process of the installation (web workers, job processes) computing the same result
    waits for the first one, then finds it in the cache instead of computing it again: after an
    upload, the job process and every worker asked for the new analysis would otherwise all
    compute it at once. PostgreSQL: a session advisory lock; SQLite: ``flock`` on a file beside
    the database (one host, like SQLite itself). Either is released if its holder dies.
    With ``wait`` False it does not wait: it yields False, holding nothing, when another
    process holds the lock (a page view that has an older result to show meanwhile).
    """
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    if engine.dialect.name == "postgresql":
        lock_id = int(digest[:15], 16)  # within a signed 64-bit advisory key
        with engine.connect() as connection:
            take = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            got = connection.execute(sa.text(f"SELECT {take}(:k)"), {"k": lock_id}).scalar()
            connection.commit()
            if got is False:
                yield False
                return
            try:
                yield True
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_id})
                connection.commit()
        return
    path = sqlite_path(engine)
    if path is None:  # an in-memory database lives in one process: its own locks suffice
        yield True
        return
    folder = path.parent / f"{path.name}.locks"
    folder.mkdir(exist_ok=True)
    lock_file = folder / f"{digest}.lock"
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            os.utime(lock_file)
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    _remove_old_lock_files(folder)


def _remove_old_lock_files(folder: Path, older_than_s: float = 24 * 3600) -> None:
    """Lock files of results nobody has computed for a day (each state has its own keys)."""
    cutoff = time.time() - older_than_s
    for old in folder.glob("*.lock"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()


def alembic_config(url: URL | str | None = None, connection: Connection | None = None) -> Any:
    """An Alembic Config built in code: no alembic.ini is needed at run time.

    To write a new migration during development::

        from alembic import command
        command.revision(alembic_config("sqlite:///var/dev.sqlite"), "what changed",
                         autogenerate=True)
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "spendanalys.store:migrations")
    if url is not None:
        rendered = url if isinstance(url, str) else url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one write transaction.

    Several processes may start at once against a new database: the write lock (BEGIN
    IMMEDIATE, or the advisory lock on PostgreSQL) makes the others wait and then find the
    schema already at head.
    """
    from alembic import command

    with write_transaction(engine) as connection:
        command.upgrade(alembic_config(connection=connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with read_transaction(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision among the packaged migrations."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
