"""The store stays bounded and private (issue 21).

Six uploads of a 15 MiB register had grown SQLite from 5 MB to 757 MB plus a 185 MB WAL: cache
entries were never evicted and every version was kept. Now superseded cache entries go as new
ones are written, dataset versions beyond the retention rule lose their rows, and the database,
its WAL and its backups are readable by their owner only.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_samples import checksum, sample_result

from spendanalys import services
from spendanalys.errors import ConfigurationError, StorageError
from spendanalys.services import cache
from spendanalys.store.backup import backup, restore
from spendanalys.store.database import Store
from spendanalys.store.tables import cache_entries, rejected_rows, row_tables

pytest_plugins = ["pg_server", "store_fixtures"]  # fixtures: store, store_url, postgres_url


def _upload(store: Store, seed: int, n: int = 40, kind: str = "contracts") -> int:
    result = sample_result(kind, n, seed=seed)  # type: ignore[arg-type]
    return store.import_dataset(
        kind,  # type: ignore[arg-type]
        result,
        file_name=f"{kind}-{seed}.csv",
        checksum=checksum(seed),
        user="anna",
    )


def _rows(store: Store, kind: str, version_id: int) -> tuple[int, int]:
    table = row_tables[kind]  # type: ignore[index]
    with store.engine.connect() as connection:
        canonical = connection.execute(
            sa.select(sa.func.count()).where(table.c.dataset_version_id == version_id)
        ).scalar_one()
        rejected = connection.execute(
            sa.select(sa.func.count()).where(rejected_rows.c.dataset_version_id == version_id)
        ).scalar_one()
    return int(canonical), int(rejected)


def test_versions_beyond_the_retention_rule_lose_their_rows_not_their_record(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPENDANALYS_KEEP_VERSIONS", "2")
    ids = [_upload(store, seed) for seed in range(6)]
    trips = _upload(store, 99, kind="trips")
    versions = store.versions("contracts").set_index("id")
    assert versions.loc[ids, "status"].tolist() == ["pruned"] * 3 + ["imported"] * 3
    assert versions.loc[ids[-1], "is_current"]
    for pruned in ids[:3]:
        assert _rows(store, "contracts", pruned) == (0, 0)
        with pytest.raises(ConfigurationError, match="pruned"):
            store.version_table(pruned)
        with pytest.raises(ConfigurationError, match="status pruned"):
            store.set_current(pruned, user="anna")
    for kept in ids[3:]:
        assert _rows(store, "contracts", kept) == (40, 3)
    assert _rows(store, "trips", trips) == (40, 3)  # another kind is not counted with these
    assert versions.loc[ids[0], "checksum"] == checksum(0)  # who, when and what stay known
    audit = store.audit()
    prunes = audit[audit["action"] == "prune"]
    assert [d["version_ids"] for d in prunes["detail"]][::-1] == [[ids[0]], [ids[1]], [ids[2]]]


def test_pruning_never_touches_a_current_version(store: Store) -> None:
    ids = [_upload(store, seed) for seed in range(3)]
    store.set_current(ids[0], user="anna")  # back to the oldest one
    assert store.prune_versions(0) == {"contracts": [ids[2], ids[1]]}
    assert store.current_version("contracts")["id"] == ids[0]  # type: ignore[index]
    assert _rows(store, "contracts", ids[0]) == (40, 3)
    assert len(store.current_table("contracts")) == 40


def test_keep_all_and_a_wrong_setting(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDANALYS_KEEP_VERSIONS", "all")
    for seed in range(8):
        _upload(store, seed)
    assert set(store.versions("contracts")["status"]) == {"imported"}
    monkeypatch.setenv("SPENDANALYS_KEEP_VERSIONS", "five")
    with pytest.raises(ConfigurationError, match="SPENDANALYS_KEEP_VERSIONS"):
        _upload(store, 9)
    assert len(store.versions("contracts")) == 8  # refused before anything was written


def test_the_store_stays_bounded_over_twenty_uploads(tmp_path: Path) -> None:
    """The same register uploaded 20 times, the analysis cached after each upload as the upload
    job does: the database stops growing once the retention rule is reached (the current
    version and five more), the WAL stays at its checkpoint size, and the cache holds the
    entries of the current analysis only."""
    path = tmp_path / "store.sqlite"
    pages, wal, entries = [], [], []
    with Store(f"sqlite:///{path}") as store:
        for _ in range(20):
            _upload(store, 1, n=100)
            services.warm(store, "contracts")
            with store.engine.connect() as connection:
                pages.append(connection.exec_driver_sql("PRAGMA page_count").scalar_one())
                entries.append(
                    connection.execute(
                        sa.select(sa.func.count()).select_from(cache_entries)
                    ).scalar_one()
                )
            wal.append(path.with_name(f"{path.name}-wal").stat().st_size)
    cache._MEMO["analyses"].clear()
    cache._MEMO["pages"].clear()
    assert len(set(entries)) == 1, entries  # one analysis, its summary and its drill-downs
    assert pages[-1] <= 1.1 * pages[6], pages  # only the audit log and version rows still grow
    assert pages[-1] <= 2 * pages[1], pages
    assert wal[-1] <= 1.1 * max(wal[:8]), wal


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def open_umask() -> Iterator[None]:
    """Files would be world-readable and writable if the mode were left to the umask."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_database_wal_and_backups_are_private_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "store.sqlite"
    with Store(f"sqlite:///{path}") as store:
        _upload(store, 1)
        names = {p.name for p in tmp_path.iterdir() if p.is_file()}
        assert {"store.sqlite", "store.sqlite-wal", "store.sqlite-shm"} <= names
        for name in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm"):
            assert _mode(tmp_path / name) == 0o600, name
        saved = backup(store, tmp_path / "backups" / "b.sqlite")
        assert _mode(saved) == 0o600
        safety = restore(store, saved)
        assert safety is not None and _mode(safety) == 0o600
    older = tmp_path / "older.sqlite"  # made by an earlier release, readable by everyone
    sqlite3.connect(older).close()
    older.chmod(0o644)
    with Store(f"sqlite:///{older}"):
        assert _mode(older) == 0o600


@pytest.mark.postgres
def test_a_postgresql_dump_is_private(postgres_url: str, tmp_path: Path, open_umask: None) -> None:
    with Store(postgres_url) as store:
        assert _mode(backup(store, tmp_path / "pg.dump")) == 0o600


class Touch:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.path}",))


def test_a_restore_never_brings_back_cache_rows(store: Store, tmp_path: Path) -> None:
    """On both backends: the backup's cache rows (here pickles) are not restored, and the
    result they claimed to be is computed again."""
    _upload(store, 1)
    marker = tmp_path / "ran"
    state = store.state_token()
    store.cache_put("analysis:v1", pickle.dumps(Touch(marker)), state)
    saved = backup(store, tmp_path / "store.backup")
    restore(store, saved)
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(cache_entries.c.key)).all() == []
    assert services.cached(store, "analysis:v1", lambda: {"answer": 42}) == {"answer": 42}
    assert not marker.exists()
    assert store.audit()["action"].iloc[0] == "restore"


@pytest.mark.parametrize(
    "change",
    [
        "CREATE TRIGGER t AFTER INSERT ON audit_log BEGIN DELETE FROM users; END",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TABLE extra (x)",
        "DROP INDEX ix_dataset_selections_kind",
        "UPDATE rows_contracts SET row_index = 'first' WHERE row_index = 0",
        "UPDATE dataset_versions SET is_current = 7",
        "UPDATE dataset_versions SET reader_info = '{not json'",
        "UPDATE dataset_versions SET uploaded_at = x'00ff'",
        "UPDATE rejected_rows SET dataset_version_id = 999",
    ],
)
def test_restore_refuses_a_backup_whose_tables_are_not_the_stores(
    tmp_path: Path, change: str
) -> None:
    with Store(f"sqlite:///{tmp_path / 'live.sqlite'}") as store:
        _upload(store, 1)
        saved = backup(store, tmp_path / "tampered.sqlite")
        with sqlite3.connect(saved) as connection:
            connection.execute("PRAGMA foreign_keys = OFF")
            connection.execute(change)
        connection.close()
        _upload(store, 2)
        with pytest.raises(StorageError, match="not a backup this version can restore"):
            restore(store, saved)
        assert store.current_version("contracts")["file_name"] == "contracts-2.csv"  # type: ignore[index]
        assert len(store.versions()) == 2
