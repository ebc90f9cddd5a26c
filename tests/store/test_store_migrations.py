"""Alembic migrations: an empty database reaches head, head matches the tables in code."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from spendanalys.store.database import Store
from spendanalys.store.engine import (
    alembic_config,
    current_revision,
    head_revision,
    write_transaction,
)
from spendanalys.store.tables import metadata

pytest_plugins = ["pg_server", "store_fixtures"]  # fixtures: store, store_url, postgres_url


@pytest.fixture(
    name="empty_url", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def empty_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


def test_empty_database_migrates_to_head_and_matches_the_models(empty_url: str) -> None:
    with Store(empty_url, migrate=False) as store:
        assert current_revision(store.engine) is None
        store.migrate()
        assert current_revision(store.engine) == head_revision() is not None
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        store.migrate()  # at head: nothing to do, no error
        assert current_revision(store.engine) == head_revision()


def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    with Store(empty_url) as store:
        with write_transaction(store.engine) as connection:
            command.downgrade(alembic_config(connection=connection), "base")
        assert current_revision(store.engine) is None
        with store.engine.connect() as connection:
            tables = set(store.engine.dialect.get_table_names(connection))
        assert tables <= {"alembic_version"}
        store.migrate()
        assert not store.versions().shape[0]


def _open(url: str) -> None:
    Store(url).close()


def test_several_processes_starting_on_a_new_database(tmp_path: Path) -> None:
    """Gunicorn workers start together: the first migrates, the others wait and find head."""
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_open, args=(url,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    with Store(url, migrate=False) as store:
        assert current_revision(store.engine) == head_revision()
        assert store.integrity_check() == "ok"
