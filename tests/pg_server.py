"""A throwaway PostgreSQL server for the store tests, started with Debian's initdb/pg_ctl.

The server lives in a temporary directory (data directory and unix socket), listens on no TCP
address, runs with ``fsync=off`` (test data only) and is stopped and deleted at session end.
``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` system user
(created by Debian's ``postgresql`` package) or, failing that, ``nobody``, through ``runuser``;
the temporary directory is chown'ed to that user. Without the binaries the tests skip with the
reason. Each test gets its own fresh database (CREATE DATABASE is fast).

Usage in a test module (the fixtures are ``postgres_server`` and ``postgres_url``), registered
once per session so the server is shared by every module::

    pytest_plugins = ["pg_server"]
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "postgres"


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, else PATH's."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged_user() -> str | None:
    """Whom to run the server as when we are root: ``postgres`` if it exists, else ``nobody``."""
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


@dataclass
class PostgresServer:
    bin_dir: Path
    base: Path
    port: int
    run_as: str | None  # None: as the current (non-root) user
    _counter: itertools.count

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(
            command, check=check, capture_output=True, text=True, timeout=120, cwd=self.base
        )

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        )
        options = f"-k {self.base} -p {self.port} -c listen_addresses='' -c fsync=off"
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.base / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-m",
            "immediate",
            "stop",
            check=False,
        )

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of ``database`` through the unix socket."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.base}&port={self.port}"

    def create_database(self, template: str | None = None, name: str | None = None) -> str:
        """A new database, empty or a copy of ``template``; returns its URL."""
        import psycopg

        name = name or f"test_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(
            host=str(self.base), port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as connection:
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)


def start_server() -> PostgresServer:
    """Start a server, or raise pytest's Skipped with the reason it cannot."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed")
    run_as = None
    base = Path(tempfile.mkdtemp(prefix="spendanalys-pg-"))
    if os.geteuid() == 0:
        run_as = _unprivileged_user()
        if run_as is None or shutil.which("runuser") is None:
            shutil.rmtree(base, ignore_errors=True)
            pytest.skip("running as root without runuser or an unprivileged user for initdb")
        entry = pwd.getpwnam(run_as)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bin_dir, base, _free_port(), run_as, itertools.count(1))
    try:
        server.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = base / "server.log"
        detail = getattr(exc, "stderr", "") or (log.read_text() if log.exists() else "")
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL from {bin_dir}: {exc} {detail[-500:]}")
    return server


@pytest.fixture(scope="session", name="postgres_server")
def postgres_server_fixture() -> Iterator[PostgresServer]:
    """One server per test session (per xdist worker), removed at the end."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(name="postgres_url")
def postgres_url_fixture(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database on the session's server."""
    return postgres_server.create_database()
