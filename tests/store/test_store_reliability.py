"""Nothing lost: SIGKILL during imports, concurrent importers, online backup and restore.

The kill test runs ``STRESS_KILLS`` kills per backend (5 by default; ``make stress`` sets 20),
each during an import of ``STRESS_KILL_ROWS`` invoice lines (10,000 by default). No timing is
involved: the child stops inside the import's write transaction (before one of its inserts, or
at COMMIT with every statement done), tells the parent, and the parent checks that the
transaction is open, sends SIGKILL and checks that the store holds the previous version whole
and nothing of the killed one. Child processes are forked from the test process, so they start
in milliseconds with the dataset already built; each opens its own connection after the fork.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from store_samples import checksum, sample_result

from spendanalys.cli import main
from spendanalys.errors import StorageError
from spendanalys.io.result import ReadResult
from spendanalys.store import database
from spendanalys.store.backup import backup, restore
from spendanalys.store.database import Store
from spendanalys.store.tables import dataset_versions, rejected_rows, row_tables

FORK = multiprocessing.get_context("fork")
KILLS = int(os.environ.get("STRESS_KILLS", "5"))
BIG = int(os.environ.get("STRESS_KILL_ROWS", "10000"))  # invoice lines per killed import
KILL_CHUNK = max(1, BIG // 10)  # INSERT_CHUNK in a killed child: about ten batches of rows

pytest_plugins = ["pg_server", "store_fixtures"]  # fixtures: store, store_url, postgres_url


def check_all_or_nothing(store: Store) -> pd.DataFrame:
    """The database invariants after any crash; returns the versions table."""
    assert store.integrity_check() == "ok"
    versions = store.versions()
    imported = versions[versions["status"] == "imported"]
    with store.engine.connect() as connection:
        for kind, table in row_tables.items():
            counts = dict(
                connection.execute(
                    sa.select(table.c.dataset_version_id, sa.func.count()).group_by(
                        table.c.dataset_version_id
                    )
                ).all()
            )
            of_kind = imported[imported["kind"] == kind]
            expected = dict(zip(of_kind["id"], of_kind["rows_accepted"], strict=True))
            assert {k: v for k, v in expected.items() if v} == counts, kind  # no partial batch
        rejected = dict(
            connection.execute(
                sa.select(rejected_rows.c.dataset_version_id, sa.func.count()).group_by(
                    rejected_rows.c.dataset_version_id
                )
            ).all()
        )
        assert rejected == {
            i: n for i, n in zip(imported["id"], imported["rows_rejected"], strict=True) if n
        }
        current = connection.execute(
            sa.select(dataset_versions.c.kind, sa.func.count())
            .where(dataset_versions.c.is_current)
            .group_by(dataset_versions.c.kind)
        ).all()
    assert all(n == 1 for _, n in current)
    return versions


def _child_import(url: str, result: ReadResult, seed: int, pipe: Pipe) -> None:
    store = Store(url, migrate=False)
    pipe.send("ready")
    store.import_dataset(
        "invoices", result, file_name=f"big-{seed}.csv", checksum=checksum(seed), user="child"
    )
    pipe.send("done")


def _fork(target: Callable[..., None], *args: Any) -> tuple[Any, Pipe]:
    ours, theirs = FORK.Pipe()
    process = FORK.Process(target=target, args=(*args, theirs))
    process.start()
    return process, ours


def _pause_points(result: ReadResult) -> int:
    """Where a killed import can stop: before each of its ``_insert_rows`` calls (data rows in
    KILL_CHUNK batches, then the rejected rows), and at COMMIT."""
    data, rejected = result.rows_accepted, len(result.rejected)
    return -(-data // KILL_CHUNK) + -(-rejected // KILL_CHUNK) + 1


def _child_import_paused(
    url: str, result: ReadResult, seed: int, pause_at: int, pipe: Pipe
) -> None:
    """Import ``result`` and stop inside its write transaction, then wait for the parent's SIGKILL.

    The stop is before ``_insert_rows`` call number ``pause_at`` (0: the version row is written,
    no data row yet), or, when ``pause_at`` is past the last call, at COMMIT: every statement of
    the import has run (row count check, new current version, audit row) and the COMMIT has not
    been sent (SQLAlchemy fires the ``commit`` event before the driver's commit). The child tells
    the parent where it stopped, with its PostgreSQL backend pid. All of this is test code in the
    forked child: the store's ``_insert_rows`` seam is wrapped on this instance only, and
    ``INSERT_CHUNK`` is lowered so that a kill can fall between two batches of data rows.
    """
    assert hasattr(database, "INSERT_CHUNK")
    database.INSERT_CHUNK = KILL_CHUNK  # this child only (forked)
    store = Store(url, migrate=False)
    calls = 0
    insert_rows = store._insert_rows

    def stop(connection: sa.Connection, where: str) -> None:
        backend_pid = None
        if connection.dialect.name == "postgresql":
            backend_pid = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
        pipe.send(("inside", where, backend_pid))
        while True:
            time.sleep(60)  # until the SIGKILL

    def paused_insert_rows(
        connection: sa.Connection, table: sa.Table, names: list[str], batch: list[tuple]
    ) -> None:
        nonlocal calls
        if calls == pause_at:
            stop(connection, f"before insert {calls + 1}")
        calls += 1
        insert_rows(connection, table, names, batch)

    def paused_commit(connection: sa.Connection) -> None:
        if calls:  # the import's transaction, not another of the store's
            stop(connection, "at COMMIT")

    store._insert_rows = paused_insert_rows  # type: ignore[method-assign]
    sa.event.listen(store.engine, "commit", paused_commit)
    pipe.send("ready")
    store.import_dataset(
        "invoices", result, file_name=f"big-{seed}.csv", checksum=checksum(seed), user="child"
    )
    pipe.send(("done", "the import committed: it never reached its pause point", None))


def _assert_in_write_transaction(store: Store, backend_pid: int | None) -> None:
    """The paused child holds its write transaction open: on PostgreSQL its backend is idle in
    transaction; on SQLite no other connection can take the write lock."""
    if store.backend == "postgresql":
        with store.engine.connect() as connection:
            state = connection.execute(
                sa.text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend_pid}
            ).scalar_one()
        assert state == "idle in transaction", state
        return
    probe = sqlite3.connect(str(store.path), timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")
    finally:
        probe.close()


def _wait_backend_gone(store: Store, backend_pid: int, timeout: float = 30.0) -> None:
    """PostgreSQL has ended the killed child's session (and so rolled its transaction back)."""
    deadline = time.monotonic() + timeout
    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    while True:
        with store.engine.connect() as connection:
            if not connection.execute(query, {"pid": backend_pid}).scalar_one():
                return
        assert time.monotonic() < deadline, f"backend {backend_pid} still there after the kill"
        time.sleep(0.01)


def test_sigkill_during_import_keeps_all_or_nothing(
    store: Store, record_property: Callable[[str, object], None]
) -> None:
    big = sample_result("invoices", BIG, seed=99, file_name="big.csv")
    started = time.perf_counter()
    first = store.import_dataset(
        "invoices", big, file_name="big.csv", checksum=checksum(0), user="anna"
    )
    duration = time.perf_counter() - started
    url = store.url.render_as_string(hide_password=False)
    points = _pause_points(big)
    # Before the first insert, at COMMIT, half-way, then every other point in turn.
    order = list(dict.fromkeys([0, points - 1, points // 2, *range(points)]))
    landed: list[str] = []
    kills_started = time.perf_counter()
    for attempt in range(1, KILLS + 1):
        pause_at = order[(attempt - 1) % len(order)]
        store.engine.dispose()  # never carry open connections across fork
        process, pipe = _fork(_child_import_paused, url, big, attempt, pause_at)
        try:
            assert pipe.poll(60) and pipe.recv() == "ready", "the importer did not start"
            assert pipe.poll(120), "the importer did not reach its pause point"
            message, where, backend_pid = pipe.recv()
            assert message == "inside", where
            _assert_in_write_transaction(store, backend_pid)
        finally:  # the kill under test; on a failed check above, no paused child is left behind
            os.kill(process.pid, signal.SIGKILL)  # not joined yet: the pid is still the child's
            process.join(60)
        assert process.exitcode == -signal.SIGKILL
        if backend_pid is not None:
            _wait_backend_gone(store, backend_pid)
        landed.append(where)
        versions = check_all_or_nothing(store)
        assert versions["file_name"].tolist() == ["big.csv"]  # no trace of the killed import
        assert store.current_version("invoices")["id"] == first
    kill_seconds = time.perf_counter() - kills_started
    assert len(store.version_table(first)) == BIG  # the first upload is still whole
    pd.testing.assert_frame_equal(store.current_table("invoices"), big.table)
    # After the crashes, the same file imports cleanly again.
    again = store.import_dataset(
        "invoices", big, file_name="big.csv", checksum=checksum(0), user="anna"
    )
    assert store.current_version("invoices")["id"] == again
    check_all_or_nothing(store)
    at_commit = landed.count("at COMMIT")
    stats = {"runs": KILLS, "killed": len(landed), "killed_mid_import": len(landed)}
    record_property("store_kills", {**stats, "committed": 0, "at_commit": at_commit})
    print(
        f"\n{store.backend}: {KILLS} runs, {len(landed)} killed inside the import's write "
        f"transaction ({len(landed) - at_commit} before one of its {points - 1} inserts, "
        f"{at_commit} at COMMIT), each leaving the previous version whole; import of {BIG} rows "
        f"{duration:.2f}s, {KILLS} kills {kill_seconds:.2f}s"
    )
    assert len(landed) == KILLS


def _child_importer(url: str, index: int, pipe: Pipe) -> None:
    store = Store(url, migrate=False)
    pipe.send("ready")
    pipe.poll(30)  # start together
    pipe.recv()
    errors = []
    for round_ in range(2):
        seed = 100 + index * 10 + round_
        kind = ("invoices", "contracts", "invoices", "trips")[index]
        try:
            store.import_dataset(
                kind,
                sample_result(kind, 1_000, seed=seed),
                file_name=f"{kind}-{seed}.csv",
                checksum=checksum(seed),
                user=f"worker{index}",
            )
            store.add_category_override("account", str(seed), "office", user=f"worker{index}")
        except Exception as exc:  # report, don't die: the parent asserts there were none
            errors.append(f"{type(exc).__name__}: {exc}")
    pipe.send(errors)


def test_four_concurrent_importers_never_see_database_is_locked(store: Store) -> None:
    store.engine.dispose()
    children = [
        _fork(_child_importer, store.url.render_as_string(hide_password=False), i) for i in range(4)
    ]
    for _, pipe in children:
        assert pipe.poll(60) and pipe.recv() == "ready"
    for _, pipe in children:
        pipe.send("go")
    reads = 0
    while any(p.is_alive() for p, _ in children):  # readers keep reading during the writes
        assert store.current_table("invoices").shape[0] in (0, 1_000)
        reads += 1
        time.sleep(0.05)
    errors = [pipe.recv() for _, pipe in children if pipe.poll(5)]
    for process, _ in children:
        process.join(30)
    assert errors == [[], [], [], []]
    versions = check_all_or_nothing(store)
    assert len(versions) == 8 and set(versions["status"]) == {"imported"}
    assert versions.groupby("kind")["is_current"].sum().to_dict() == {
        "contracts": 1,
        "invoices": 1,
        "trips": 1,
    }
    assert len(store.category_overrides()) == 8
    assert reads > 0


def test_backup_and_restore_round_trip(store: Store, tmp_path: Path) -> None:
    first = sample_result("contracts", 200, seed=1)
    store.import_dataset("contracts", first, file_name="a.csv", checksum=checksum(1), user="anna")
    store.add_user("anna", "ett långt lösenord", "procurement")
    saved = backup(store, tmp_path / "backups" / "store.backup")
    assert saved.is_file()
    store.import_dataset(
        "contracts",
        sample_result("contracts", 300, seed=2),
        file_name="b.csv",
        checksum=checksum(2),
        user="anna",
    )
    store.set_goal_settings(2019, 2030, 0.5, user="eva")
    store.remove_user("anna")

    safety = restore(store, saved)
    pd.testing.assert_frame_equal(store.current_table("contracts"), first.table)
    assert store.versions()["file_name"].tolist() == ["a.csv"]
    assert store.verify_user("anna", "ett långt lösenord") == "procurement"
    assert store.goal_settings().target_year == 2025
    check_all_or_nothing(store)
    if store.backend == "sqlite":
        assert safety is not None
        with Store(f"sqlite:///{safety}") as before:
            assert before.versions()["file_name"].tolist() == ["a.csv", "b.csv"]


def test_restore_refuses_damaged_or_foreign_files(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'live.sqlite'}") as store:
        store.import_dataset(
            "fte", sample_result("fte", 6), file_name="fte.csv", checksum=checksum(1), user="eva"
        )
        good = backup(store, tmp_path / "good.sqlite")
        truncated = tmp_path / "truncated.sqlite"
        truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        foreign = tmp_path / "foreign.sqlite"
        with sqlite3.connect(foreign) as connection:
            connection.execute("CREATE TABLE t(x)")
        text = tmp_path / "notes.sqlite"
        text.write_text("not a database")
        for bad in (truncated, foreign, text):
            with pytest.raises(StorageError):
                restore(store, bad)
        assert len(store.current_table("fte")) == 6
        assert store.integrity_check() == "ok"


def _child_slow_import(url: str, result: ReadResult, pipe: Pipe) -> None:
    _child_import(url, result, 7, pipe)


def test_online_backup_during_an_import(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    big = sample_result("invoices", BIG, seed=5)
    with Store(url) as store:
        store.import_dataset("invoices", big, file_name="a.csv", checksum=checksum(5), user="a")
        store.engine.dispose()
        process, pipe = _fork(_child_slow_import, url, big)
        assert pipe.poll(60) and pipe.recv() == "ready"
        saved = backup(store, tmp_path / "during.sqlite")
        process.join(60)
        assert process.exitcode == 0
    with Store(f"sqlite:///{saved}") as copy:
        versions = check_all_or_nothing(copy)
        assert len(versions) in (1, 2)  # before or after the import's commit, never between
        assert len(copy.current_table("invoices")) == BIG


def test_backup_and_restore_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    with Store(url) as store:
        store.import_dataset(
            "trips", sample_result("trips", 20), file_name="t.csv", checksum=checksum(3), user="e"
        )
    out = tmp_path / "cli-backup.sqlite"
    assert main(["backup", str(out), "--database", url]) == 0
    assert "skriven till" in capsys.readouterr().out
    assert main(["backup", str(out), "--database", url, "--lang", "en"]) == 0
    assert "written to" in capsys.readouterr().out
    with Store(url) as store:
        store.import_dataset(
            "trips", sample_result("trips", 5), file_name="u.csv", checksum=checksum(4), user="e"
        )
    assert main(["restore", str(out), "--database", url]) == 0
    assert "den tidigare databasen sparades som" in capsys.readouterr().out
    with Store(url) as store:
        assert len(store.current_table("trips")) == 20
    assert main(["restore", str(tmp_path / "missing.sqlite"), "--database", url]) == 2
