"""Store fixtures, registered as a plugin so that every test module shares one PostgreSQL
server per session::

    pytest_plugins = ["pg_server", "store_fixtures"]

``store_url`` (parametrised: ``sqlite``, and ``postgresql`` when the binaries exist) is an
empty database at schema head; ``store`` is a ``Store`` on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_server import PostgresServer

from spendanalys.store.database import Store
from spendanalys.store.tables import metadata


@pytest.fixture(scope="session", name="postgres_store_url")
def postgres_store_url_fixture(postgres_server: PostgresServer) -> str:
    """One database per session, migrated to head once; ``store_url`` empties it per test
    (TRUNCATE is much faster than creating a database for every test)."""
    url = postgres_server.create_database(name=f"store_{os.getpid()}")
    with Store(url):
        pass
    return url


def empty_all_tables(url: str) -> None:
    """Delete every row of the store's tables (the schema and its revision stay)."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with Store(url, migrate=False) as opened, opened.engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(
    name="store_url",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def store_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database at schema head, on each backend (PostgreSQL skips when its
    binaries are absent)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    url: str = request.getfixturevalue("postgres_store_url")
    empty_all_tables(url)
    return url


@pytest.fixture(name="store")
def store_fixture(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened
