"""Issue 17 in the store, on SQLite and PostgreSQL: staged versions become current only when
confirmed, invoices and trips are current per year (an upload adds its years or replaces the
ones it covers), any version can be made current again, and nothing is half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from spendanalys import io as readers
from spendanalys.errors import ConfigurationError
from spendanalys.io.result import ReadResult
from spendanalys.store.database import Store
from spendanalys.store.engine import migrate
from spendanalys.store.selections import replace_years

pytest_plugins = ["pg_server", "store_fixtures"]

TRIPS_HEADER = "Resedatum;Färdsätt;Från;Till;Avstånd (km);Antal resenärer\n"


def _trips(*days: str) -> ReadResult:
    """A trip export with one train trip on each of ``days`` (ISO dates)."""
    body = "".join(f"{day};Tåg;Stockholm;Göteborg;455;1\n" for day in days)
    return readers.read_input((TRIPS_HEADER + body).encode(), "trips", name="resor.csv")


def _stage(store: Store, result: ReadResult, name: str, *, stage: bool = True) -> int:
    return store.import_dataset(
        "trips", result, file_name=name, checksum="a" * 64, user="eva", stage=stage
    )


def _years(store: Store) -> dict[int, int]:
    """Trips per year in the current data."""
    years = store.current_table("trips")["date"].dt.year
    return {int(k): int(v) for k, v in years.value_counts().sort_index().items()}


def test_a_staged_version_is_current_only_once_confirmed(store: Store) -> None:
    first = _stage(store, _trips("2023-03-01", "2024-03-01"), "2023_2024.csv", stage=False)
    token = store.state_token()
    staged = _stage(store, _trips("2025-01-10", "2025-02-10", "2025-03-10"), "2025.csv")
    assert store.versions("trips").set_index("id").loc[staged, "status"] == "staged"
    assert store.state_token() == token  # nothing the analyses read has changed
    assert _years(store) == {2023: 1, 2024: 1}

    assert store.preview_selection(staged)[1] == []  # 2025 is new: nothing replaced
    assert store.confirm_version(staged, user="eva") == []
    assert _years(store) == {2023: 1, 2024: 1, 2025: 3}  # 2025 added beside 2023–2024
    assert store.versions("trips")["is_current"].tolist() == [True, True]
    assert store.state_token() != token
    with pytest.raises(ConfigurationError, match="not waiting for a confirmation"):
        store.confirm_version(staged, user="eva")
    assert [p["version_id"] for p in store.current_parts("trips")] == [first, staged]


def test_an_upload_replaces_the_years_it_covers_and_any_version_comes_back(store: Store) -> None:
    whole = _stage(store, _trips("2023-03-01", "2024-03-01", "2024-04-01"), "a.csv", stage=False)
    later = _stage(store, _trips("2025-01-10"), "b.csv", stage=False)
    fixed = _stage(store, _trips("2024-05-05"), "rattad_2024.csv")
    assert store.preview_selection(fixed)[1] == [2024]
    assert store.confirm_version(fixed, user="eva") == [2024]
    assert _years(store) == {2023: 1, 2024: 1, 2025: 1}  # 2024 now from the corrected file
    assert store.current_parts("trips") == [
        {"version_id": whole, "years": [2023]},
        {"version_id": later, "years": None},
        {"version_id": fixed, "years": None},
    ]
    # Back to the first upload: it takes 2024 back from the corrected file; 2025 stays.
    assert store.set_current(whole, user="admin") == [2024]
    assert _years(store) == {2023: 1, 2024: 2, 2025: 1}
    store.withdraw_version(later, user="admin")
    assert _years(store) == {2023: 1, 2024: 2}
    actions = store.audit()["action"].tolist()
    assert actions[:3] == ["withdraw_version", "set_current", "set_current"]
    assert "confirm" in actions and "stage" in actions


def test_the_register_is_replaced_as_a_whole(store: Store, sample_dir: Path) -> None:
    register = readers.read_input(sample_dir / "avtalsforteckning.xlsx", "contracts")
    first = store.import_dataset(
        "contracts", register, file_name="a.xlsx", checksum="b" * 64, user="ola"
    )
    second = store.import_dataset(
        "contracts", register, file_name="b.xlsx", checksum="c" * 64, user="ola"
    )
    assert store.current_parts("contracts") == [{"version_id": second, "years": None}]
    assert len(store.current_table("contracts")) == register.rows_accepted
    store.set_current(first, user="admin")
    assert store.current_version("contracts")["id"] == first
    with pytest.raises(ConfigurationError, match="only be replaced"):
        store.withdraw_version(first, user="admin")


def test_a_discarded_version_leaves_nothing_behind_but_its_record(store: Store) -> None:
    _stage(store, _trips("2024-03-01"), "a.csv", stage=False)
    token = store.state_token()
    staged = _stage(store, _trips("2024-06-01", "2024-07-01"), "b.csv")
    store.discard_version(staged, user="eva")
    assert store.state_token() == token and _years(store) == {2024: 1}
    row = store.versions("trips").set_index("id").loc[staged]
    assert row["status"] == "discarded" and not row["is_current"]
    with store.engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT count(*) FROM rows_trips WHERE dataset_version_id = :v"),
            {"v": staged},
        ).scalar_one()
    assert left == 0
    with pytest.raises(ConfigurationError):
        store.confirm_version(staged, user="eva")


def test_a_confirm_that_fails_half_way_changes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stage(store, _trips("2024-03-01"), "a.csv", stage=False)
    staged = _stage(store, _trips("2024-06-01"), "b.csv")
    token, parts = store.state_token(), store.current_parts("trips")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Store, "_write_selection", staticmethod(broken))
    with pytest.raises(RuntimeError):
        store.confirm_version(staged, user="eva")
    monkeypatch.undo()
    assert store.state_token() == token and store.current_parts("trips") == parts
    assert store.versions("trips").set_index("id").loc[staged, "status"] == "staged"  # rolled back


YEARS = st.lists(st.integers(2015, 2026), min_size=1, max_size=6, unique=True).map(sorted)


@given(st.lists(YEARS, min_size=0, max_size=4), YEARS)
def test_replacing_years_keeps_every_other_year_and_gives_the_new_ones_to_the_new_version(
    earlier: list[list[int]], new: list[int]
) -> None:
    parts = []
    years_of: dict[int, list[int]] = {}
    for version_id, years in enumerate(earlier, start=1):
        years_of[version_id] = years
        parts, _ = replace_years(parts, version_id, years, years_of)
    before = {y for p in parts for y in (p["years"] or years_of[p["version_id"]])}
    chosen, replaced = replace_years(parts, 99, new, years_of)
    years_of[99] = new
    in_use = [
        (p["version_id"], y) for p in chosen for y in (p["years"] or years_of[p["version_id"]])
    ]
    covered = [y for _, y in in_use]
    assert len(covered) == len(set(covered))  # every year from one version only
    assert set(covered) == before | set(new)
    assert {y for v, y in in_use if v == 99} == set(new)
    assert replaced == sorted(before & set(new))


def test_migration_0005_makes_each_current_version_a_selection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with Store(url, migrate=False) as store:
        migrate(store.engine, "0004")
        with store.engine.begin() as connection:
            for vid, kind, current in ((1, "trips", False), (2, "trips", True), (3, "fte", True)):
                connection.execute(
                    sa.text(
                        "INSERT INTO dataset_versions (id, kind, file_name, checksum, uploaded_by,"
                        " uploaded_at, rows_accepted, rows_rejected, status, is_current,"
                        " reader_info) VALUES (:id, :kind, 'f.csv', :c, 'eva',"
                        " '2026-01-01 00:00:00', 0, 0, 'imported', :cur, '{}')"
                    ),
                    {"id": vid, "kind": kind, "c": "d" * 64, "cur": current},
                )
        store.migrate()
        assert store.current_parts("trips") == [{"version_id": 2, "years": None}]
        assert store.current_parts("fte") == [{"version_id": 3, "years": None}]
        assert set(store.state().versions) == {"trips", "fte"}  # each kind's selection
        assert [bool(c) for c in store.versions()["is_current"]] == [False, True, True]
