"""The store on SQLite and PostgreSQL: round trips, versions, all-or-nothing, settings, cache."""

from __future__ import annotations

import json
import multiprocessing
import os
import time

import pandas as pd
import pytest
from store_samples import checksum, sample_result

from spendanalys.errors import ConfigurationError, StorageError, UnitError
from spendanalys.io.result import ReadResult
from spendanalys.schema import KINDS, PANDAS_DTYPES, SCHEMAS, canonical_columns
from spendanalys.store.database import Store
from spendanalys.store.frames import as_read_back
from spendanalys.store.state import StoreState

pytest_plugins = ["pg_server", "store_fixtures"]  # fixtures: store, store_url, postgres_url


def _import(store: Store, kind, n: int, seed: int, user: str = "anna") -> int:
    result = sample_result(kind, n, seed, file_name=f"{kind}-{seed}.csv")
    return store.import_dataset(
        kind, result, file_name=f"{kind}-{seed}.csv", checksum=checksum(seed), user=user
    )


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_keeps_values_and_dtypes(store: Store, kind) -> None:
    result = sample_result(kind, 500, seed=1)
    store.import_dataset(kind, result, file_name="a.csv", checksum=checksum(1), user="anna")
    back = store.current_table(kind)
    assert list(back.columns) == canonical_columns(kind)
    for f in SCHEMAS[kind].fields:
        assert str(back[f.name].dtype) == PANDAS_DTYPES[f.type]
    pd.testing.assert_frame_equal(back, result.table, check_exact=True)


def test_empty_store_has_empty_canonical_tables(store: Store) -> None:
    for kind in KINDS:
        table = store.current_table(kind)
        assert table.empty and list(table.columns) == canonical_columns(kind)
        assert str(table.dtypes.iloc[-1]) == "Int64"
    assert store.versions().empty
    assert store.current_version("invoices") is None


def test_versions_current_and_rollback(store: Store) -> None:
    first = _import(store, "invoices", 50, seed=1)
    second = _import(store, "invoices", 70, seed=2, user="bo")
    trips = _import(store, "trips", 10, seed=3)
    versions = store.versions()
    assert versions["id"].tolist() == [first, second, trips]
    assert versions["is_current"].tolist() == [False, True, True]
    assert versions["uploaded_by"].tolist() == ["anna", "bo", "anna"]
    assert versions["rows_accepted"].tolist() == [50, 70, 10]
    assert versions["rows_rejected"].tolist() == [3, 3, 3]
    assert str(versions["uploaded_at"].dt.tz) == "UTC"
    assert versions.loc[0, "reader_info"]["delimiter"] == ";"
    assert len(store.current_table("invoices")) == 70
    assert len(store.version_table(first)) == 50  # the earlier upload is still stored

    store.set_current(first, user="admin")
    assert len(store.current_table("invoices")) == 50
    assert store.current_version("invoices")["id"] == first
    assert store.current_version("trips")["id"] == trips  # other kinds untouched
    assert store.versions("invoices")["is_current"].tolist() == [True, False]
    with pytest.raises(ConfigurationError):
        store.set_current(9999, user="admin")
    assert [a for a in store.audit()["action"]][:2] == ["set_current", "import"]


def test_rejected_rows_are_stored_with_reasons(store: Store) -> None:
    version = _import(store, "contracts", 5, seed=4)
    rejected = store.rejected_rows(version)
    assert rejected.columns.tolist() == ["file", "row", "column", "reason"]
    assert rejected["row"].tolist() == [7, 8, 9]
    assert rejected["reason"].iloc[0] == "not a number: 'x0' – åäö"


def test_failure_mid_insert_leaves_previous_version_intact(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sample_result("invoices", 300, seed=5)
    store.import_dataset("invoices", first, file_name="a.csv", checksum=checksum(5), user="anna")
    monkeypatch.setattr("spendanalys.store.database.INSERT_CHUNK", 100)
    real_insert = Store._insert_rows
    calls = {"n": 0}

    def failing_insert(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:  # two chunks of the new version are already written
            raise RuntimeError("disk on fire")
        return real_insert(self, *args)

    monkeypatch.setattr(Store, "_insert_rows", failing_insert)
    with pytest.raises(StorageError, match="previous data is unchanged"):
        store.import_dataset(
            "invoices",
            sample_result("invoices", 1000, seed=6),
            file_name="b.csv",
            checksum=checksum(6),
            user="anna",
        )
    assert calls["n"] == 3
    pd.testing.assert_frame_equal(store.current_table("invoices"), first.table)
    versions = store.versions("invoices")
    assert versions["status"].tolist() == ["imported", "failed"]
    assert "disk on fire" in versions["error"].iloc[1]
    assert len(store.version_table(versions["id"].iloc[1])) == 0  # no partial rows
    assert store.integrity_check() == "ok"


def test_a_wrong_value_in_a_later_batch_writes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are encoded batch by batch inside the transaction: a value that does not fit its
    column in the third batch rolls back the two batches written before it."""
    first = sample_result("invoices", 300, seed=5)
    store.import_dataset("invoices", first, file_name="a.csv", checksum=checksum(5), user="anna")
    monkeypatch.setattr("spendanalys.store.database.INSERT_CHUNK", 100)
    bad = sample_result("invoices", 1000, seed=6)
    bad.table["amount_sek"] = bad.table["amount_sek"].astype(object)
    bad.table.loc[250, "amount_sek"] = "many"
    with pytest.raises(StorageError, match="'amount_sek' is not float"):
        store.import_dataset("invoices", bad, file_name="b.csv", checksum=checksum(6), user="anna")
    pd.testing.assert_frame_equal(store.current_table("invoices"), first.table)
    versions = store.versions("invoices")
    assert versions["status"].tolist() == ["imported", "failed"]
    assert len(store.version_table(versions["id"].iloc[1])) == 0  # no partial rows
    assert store.integrity_check() == "ok"


def test_import_refuses_bad_input_before_writing(store: Store) -> None:
    result = sample_result("fte", 5)
    with pytest.raises(ConfigurationError):
        store.import_dataset("fte", result, file_name="x", checksum="not-a-hash", user="a")
    with pytest.raises(ConfigurationError):
        store.import_dataset("budget", result, file_name="x", checksum=checksum(1), user="a")  # type: ignore[arg-type]
    result.table["fte"] = result.table["fte"].astype(object)
    result.table.loc[2, "fte"] = "many"
    with pytest.raises(StorageError, match="'fte' is not float"):
        store.import_dataset("fte", result, file_name="x", checksum=checksum(1), user="a")
    assert store.current_version("fte") is None


def test_an_upload_with_no_accepted_rows_does_not_replace_the_data(store: Store) -> None:
    kept = _import(store, "trips", 20, seed=1)
    nothing = sample_result("trips", 0, seed=2, rejected=4)
    empty = store.import_dataset(
        "trips", nothing, file_name="bad.csv", checksum=checksum(2), user="eva"
    )
    assert store.current_version("trips")["id"] == kept
    assert store.versions("trips")["status"].tolist() == ["imported", "empty"]
    assert len(store.rejected_rows(empty)) == 4
    with pytest.raises(ConfigurationError, match="status empty"):
        store.set_current(empty, user="eva")


def test_category_overrides_latest_wins_and_withdrawal(store: Store) -> None:
    store.add_category_override("org_number", "5566778899", "it.hardware", user="anna")
    store.add_category_override("account", "4010", "office", user="anna", note="kontorsmaterial")
    store.add_category_override("org_number", "5566778899", "it.services", user="bo")
    store.add_category_override("account", "4010", None, user="bo")
    table = store.category_overrides()
    assert table[["scope", "key", "category_id", "created_by"]].values.tolist() == [
        ["org_number", "5566778899", "it.services", "bo"]
    ]
    with pytest.raises(ConfigurationError):
        store.add_category_override("colour", "blue", "x", user="anna")


def test_supplier_factors_with_units(store: Store) -> None:
    store.add_supplier_factor("5566778899", 0.05, "kg CO2e/SEK", user="anna", price_year=2023)
    store.add_supplier_factor("5560001111", 40.0, "t CO2e/MSEK", user="anna", source="EPD 2024")
    store.add_supplier_factor("5566778899", 0.04, "kg CO2e/SEK", user="bo", price_year=2024)
    table = store.supplier_factors()
    assert table["org_number"].tolist() == ["5560001111", "5566778899"]
    assert table["factor"].tolist() == [40.0, 0.04]
    assert table["price_year"].tolist() == [pd.NA, 2024]
    with pytest.raises(UnitError):
        store.add_supplier_factor("1", 1.0, "kg CO2e/km", user="anna")
    with pytest.raises(ConfigurationError):
        store.add_supplier_factor("1", float("nan"), "kg CO2e/SEK", user="anna")
    store.add_supplier_factor("5560001111", None, user="anna")
    assert store.supplier_factors()["org_number"].tolist() == ["5566778899"]


def test_goal_settings_default_then_latest(store: Store) -> None:
    assert (store.goal_settings().baseline_year, store.goal_settings().reduction) == (2019, 0.25)
    store.set_goal_settings(2019, 2030, 0.5, user="eva")
    goal = store.set_goal_settings(2022, 2030, 0.4, user="eva")
    assert (goal.baseline_year, goal.target_year, goal.reduction, goal.set_by) == (
        2022,
        2030,
        0.4,
        "eva",
    )
    with pytest.raises(ConfigurationError):
        store.set_goal_settings(2025, 2019, 0.25, user="eva")
    with pytest.raises(ConfigurationError):
        store.set_goal_settings(2019, 2025, 25, user="eva")


def test_cache_is_invalidated_by_imports_and_settings(store: Store) -> None:
    _import(store, "contracts", 5, seed=1)
    state = store.state_token()
    payload = json.dumps({"total": 1.5}).encode()
    store.cache_put("ranking", payload, state=state)
    assert store.cache_get("ranking") == payload
    store.cache_put("ranking", b"newer")
    assert store.cache_get("ranking") == b"newer"
    store.add_category_override("account", "4010", "office", user="anna")
    assert store.cache_get("ranking") is None
    store.cache_put("ranking", b"again")
    _import(store, "contracts", 5, seed=2)
    assert store.cache_get("ranking") is None
    assert store.cache_get("never stored") is None
    with pytest.raises(TypeError):
        store.cache_put("x", "text")  # type: ignore[arg-type]


def test_default_url_is_a_sqlite_file_under_the_working_directory(
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPENDANALYS_DATABASE_URL", raising=False)
    with Store() as default:
        assert default.path == tmp_path / "var" / "spendanalys.sqlite"
        assert default.path.is_file()
        with default.engine.connect() as connection:
            pragmas = {
                p: connection.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 2,
        "busy_timeout": 60000,
    }
    monkeypatch.setenv("SPENDANALYS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    with Store() as from_env:
        assert from_env.path == tmp_path / "env.sqlite"
    with pytest.raises(ConfigurationError):
        Store("sqlite://")
    with pytest.raises(ConfigurationError):
        Store("mysql://x@localhost/db")


def test_a_scoped_state_keeps_only_what_its_analysis_depends_on() -> None:
    def scoped(token: str, scope: str | None) -> str:
        return StoreState.parse(token).scoped(scope).token

    state = "contracts=1,fte=4,invoices=2,trips=3;o=5;f=6;g=7"
    assert scoped(state, "spend") == "contracts=1,invoices=2;o=5;f=6"
    assert scoped(state, "travel") == "fte=4,trips=3;g=7"
    assert scoped(state, None) == state
    assert scoped(";o=0;f=0;g=0", "travel") == ";g=0"


def test_the_state_reads_back_what_it_wrote() -> None:
    state = StoreState.parse("contracts=3;o=0;f=1;g=0")
    assert state.version_ids() == {"contracts": 3, "invoices": None, "trips": None, "fte": None}
    assert state.version_id("contracts") == 3 and state.version_id("trips") is None
    assert StoreState.parse(state.token) == state
    assert StoreState.parse("garbage;x=1") == StoreState()


def _compute_once(url: str, log: str) -> None:
    from spendanalys import services

    child = Store(url, migrate=False)

    def compute() -> dict[str, int]:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        time.sleep(0.5)
        return {"answer": 42}

    assert services.cached(child, "analysis:v1", compute) == {"answer": 42}


def test_a_result_is_computed_once_however_many_processes_ask(store: Store, tmp_path) -> None:
    """After an upload, the job process and every web worker want the new analysis at once:
    one computes it, the others wait and read it from the cache."""
    log = tmp_path / "computed.log"
    store.engine.dispose()  # no open connections across fork
    fork = multiprocessing.get_context("fork")
    url = store.url.render_as_string(hide_password=False)
    children = [fork.Process(target=_compute_once, args=(url, str(log))) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [c.exitcode for c in children] == [0, 0, 0, 0]
    assert len(log.read_text().splitlines()) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_current_table_of_some_columns_is_those_columns_of_the_whole(
    store: Store, kind
) -> None:
    """Reading only some columns gives exactly those columns of the whole current table, also
    when a version is current for some of its years only (the year column cuts it, unasked)."""
    first = sample_result(kind, 400, seed=3)
    store.import_dataset(kind, first, file_name="a.csv", checksum=checksum(3), user="anna")
    if kind in ("invoices", "trips"):  # a later upload takes 2020 over: the first is cut
        table = first.table[first.table["date"].dt.year == 2020].reset_index(drop=True)
        later = ReadResult(table, [], first.info)
        store.import_dataset(kind, later, file_name="b.csv", checksum=checksum(4), user="anna")
        assert [p["years"] is not None for p in store.current_parts(kind)] == [True, False]
    whole = store.current_table(kind)
    dated = [c for c in ("date", "source_row") if c in whole]  # the year column asked for
    for columns in (["source_row"], list(reversed(SCHEMAS[kind].names[:3])), dated):
        pd.testing.assert_frame_equal(
            store.current_table(kind, columns), whole[columns], check_exact=True
        )
    with pytest.raises(ConfigurationError, match="no column"):
        store.current_table(kind, ["no_such_column"])


@pytest.mark.parametrize("kind", KINDS)
def test_a_table_just_imported_is_taken_as_read_back_only_when_it_is(store: Store, kind) -> None:
    """``as_read_back`` gives the frame reading the version back gives (plain int64 source
    rows as the readers make them included), and None for what the store would change."""
    result = sample_result(kind, 500, seed=5)
    version_id = store.import_dataset(
        kind, result, file_name="a.csv", checksum=checksum(5), user="anna"
    )
    stored = store.version_table(version_id)
    plain = result.table.assign(source_row=result.table["source_row"].astype("int64"))
    for table in (result.table, plain):
        back = as_read_back(kind, table)
        assert back is not None
        pd.testing.assert_frame_equal(back, stored, check_exact=True)
    table = result.table
    changed = [
        table.iloc[::-1],  # not the default index
        table[list(reversed(table.columns))],
        table.drop(columns=["source_file"]),
        table.assign(source_file=table["source_file"].astype(object)),
    ]
    floats = [f.name for f in SCHEMAS[kind].fields if f.type == "float"]
    dates = [f.name for f in SCHEMAS[kind].fields if f.type == "date"]
    if floats:  # SQLite keeps -0.0 as 0
        negative_zero = table[floats[0]].where(table.index != 3, -0.0)
        changed.append(table.assign(**{floats[0]: negative_zero}))
        changed.append(table.assign(**{floats[0]: table[floats[0]].astype("float32")}))
    if dates:  # the store keeps the calendar date
        changed.append(table.assign(**{dates[0]: table[dates[0]] + pd.Timedelta(hours=1)}))
    for other in changed:
        assert as_read_back(kind, other) is None
