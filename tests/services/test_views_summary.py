"""The dashboard's small per-version results: summary, drill-down entries, server-side paging.

The summary and the drill-down entries must equal what the full analysis says (they replace
it on every page interaction); ``page_rows`` must filter, sort and page like AG Grid would.
Runs on the sample data stored in a temporary SQLite database.
"""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys import services
from spendanalys.services import cache
from spendanalys.store.database import Store
from spendanalys.store.state import StoreState

AS_OF = date(2025, 1, 15)


@pytest.fixture(scope="module")
def seeded_db(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = samples
    path = tmp_path_factory.mktemp("summary") / "s.sqlite"
    store = Store(f"sqlite:///{path}")
    assert len(services.seed_sample_data(store, folder)) == 4
    store.close()
    return path


@pytest.fixture(scope="module")
def seeded(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One copy for the tests that only read (the analysis is computed once for them)."""
    target = tmp_path_factory.mktemp("read") / "r.sqlite"
    target.write_bytes(seeded_db.read_bytes())
    return Store(f"sqlite:///{target}")


@pytest.fixture()
def store(seeded_db: Path, tmp_path: Path) -> Store:
    """A private copy for a test that writes."""
    target = tmp_path / "w.sqlite"
    target.write_bytes(seeded_db.read_bytes())
    return Store(f"sqlite:///{target}")


def test_summary_equals_the_full_analysis(seeded: Store) -> None:
    store = seeded
    summary = services.spend_summary(store, as_of=AS_OF)
    full = services.spend_view(store, as_of=AS_OF).analysis
    assert summary is not None
    assert summary.totals == full.totals
    ranked = full.agreements.sort_values("rank")
    assert summary.agreements["agreement_id"].tolist() == ranked["agreement_id"].tolist()
    assert summary.agreements["kg_co2e"].tolist() == pytest.approx(
        ranked["kg_co2e"].tolist(), nan_ok=True
    )
    assert summary.pareto["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert len(summary.priority) == len(full.priority)
    # Small: no invoice lines in it (the point of the summary).
    assert len(pickle.dumps(summary)) < len(pickle.dumps(full)) / 5


def test_summary_is_stored_and_read_back_by_a_fresh_process(seeded: Store) -> None:
    store = seeded
    first = services.spend_summary(store, as_of=AS_OF)
    cache._MEMO["pages"].clear()  # as a new worker would start
    again = services.spend_summary(store, as_of=AS_OF)
    assert again is not first and again is not None and first is not None
    assert again.totals == first.totals and again.state == first.state


def test_drilldown_entries_equal_the_full_analysis(seeded: Store) -> None:
    store = seeded
    summary = services.spend_summary(store, as_of=AS_OF)
    view = services.spend_view(store, as_of=AS_OF)
    assert summary is not None and view is not None
    for agreement in summary.agreements["agreement_id"].head(5):
        stored = services.agreement_lines_of(store, agreement, 50, as_of=AS_OF)
        direct = services.agreement_lines(view, agreement, 50)
        assert stored is not None
        assert stored["invoice_id"].tolist() == direct["invoice_id"].tolist()
        assert stored["kg_co2e"].tolist() == pytest.approx(direct["kg_co2e"].tolist())
        raw = store.cache_get(f"{summary.lines_key}{agreement}", summary.state)
        assert raw is not None  # read from its own entry, not from the whole analysis


def test_an_edit_gives_a_new_summary_and_new_drilldown_entries(store: Store) -> None:
    before = services.spend_summary(store, as_of=AS_OF)
    assert before is not None
    agreement = str(before.agreements["agreement_id"].iloc[0])
    lines = services.agreement_lines_of(store, agreement, as_of=AS_OF)
    assert lines is not None and len(lines)
    services.add_category_override(
        store,
        scope="agreement_id",
        key=agreement,
        category_id=sorted(services.spend_view(store, as_of=AS_OF).rules.category_ids)[0],
        user="p",
        role="procurement",
    )
    after = services.spend_summary(store, as_of=AS_OF)
    assert after is not None and after.state != before.state
    assert store.cache_get(f"{after.lines_key}{agreement}", after.state) is not None
    assert store.cache_get(f"{before.lines_key}{agreement}", before.state) is None
    changed = services.agreement_lines_of(store, agreement, as_of=AS_OF)
    assert changed is not None
    assert set(changed["category_rule"].astype(str)) == {"user_override"}


def test_cache_replace_prefix_replaces_only_its_set(seeded: Store) -> None:
    store = seeded
    state = store.state_token()
    store.cache_put("other", b"keep", state)
    store.cache_replace_prefix("a_b:", {"a_b:1": b"x", "a_b:2": b"y"}, state)
    store.cache_put("aXb:3", b"not under the prefix", state)  # '_' is not a wildcard
    store.cache_replace_prefix("a_b:", {"a_b:9": b"z"}, state)
    assert store.cache_get("a_b:1", state) is None and store.cache_get("a_b:9", state) == b"z"
    assert store.cache_get("aXb:3", state) is not None
    assert store.cache_get("other", state) == b"keep"
    with pytest.raises(ValueError):
        store.cache_replace_prefix("a_b:", {"elsewhere": b"x"}, state)


def test_version_ids_are_read_from_the_state_token(seeded: Store) -> None:
    store = seeded
    ids = StoreState.parse(store.state_token()).versions
    fresh = services.freshness(store)
    assert ids == {str(k): int(v) for k, v in zip(fresh["kind"], fresh["id"], strict=True)}
    assert StoreState.parse("contracts=3;o=0;f=0;g=0").version_ids() == {
        "contracts": 3,
        "invoices": None,
        "trips": None,
        "fte": None,
    }


# --- page_rows: AG Grid's infinite row model on the server ---------------------------------

SHOWN = pd.DataFrame(
    {
        "agreement_id": ["A-1", "A-2", "B-3", "b-4", "C-5"],
        "kg_co2e": [50.0, None, 10.0, 30.0, 20.0],
        "end_date": ["5 Mar 2025", "1 Jan 2026", "9 Dec 2024", "", "2 Feb 2025"],
    }
)
RAW = SHOWN.assign(
    end_date=pd.to_datetime(["2025-03-05", "2026-01-01", "2024-12-09", None, "2025-02-02"])
)


def test_page_rows_blocks_and_count() -> None:
    rows, count = services.page_rows(SHOWN, 1, 3)
    assert rows["agreement_id"].tolist() == ["A-2", "B-3"] and count == 5
    rows, count = services.page_rows(SHOWN, 4, 100)
    assert rows["agreement_id"].tolist() == ["C-5"] and count == 5
    rows, _ = services.page_rows(pd.concat([SHOWN] * 500, ignore_index=True), 0, 5000)
    assert len(rows) == 1000  # capped per request


def test_page_rows_filters_like_the_grid() -> None:
    text = {"agreement_id": {"filterType": "text", "type": "startsWith", "filter": "b"}}
    rows, count = services.page_rows(SHOWN, 0, 100, filter_model=text)
    assert rows["agreement_id"].tolist() == ["B-3", "b-4"] and count == 2  # ignores case
    number = {"kg_co2e": {"filterType": "number", "type": "greaterThan", "filter": 15}}
    rows, count = services.page_rows(SHOWN, 0, 100, filter_model=number)
    assert rows["agreement_id"].tolist() == ["A-1", "b-4", "C-5"] and count == 3
    either = {
        "kg_co2e": {
            "filterType": "number",
            "operator": "OR",
            "conditions": [
                {"filterType": "number", "type": "lessThan", "filter": 15},
                {"filterType": "number", "type": "inRange", "filter": 45, "filterTo": 60},
            ],
        }
    }
    rows, _ = services.page_rows(SHOWN, 0, 100, filter_model=either)
    assert rows["agreement_id"].tolist() == ["A-1", "B-3"]
    blank = {"end_date": {"filterType": "text", "type": "blank"}}
    rows, _ = services.page_rows(SHOWN, 0, 100, filter_model=blank)
    assert rows["agreement_id"].tolist() == ["b-4"]
    unknown = {"nope": {"filterType": "text", "type": "contains", "filter": "x"}}
    assert services.page_rows(SHOWN, 0, 100, filter_model=unknown)[1] == 5


def test_page_rows_sorts_on_the_raw_values() -> None:
    by_date = [{"colId": "end_date", "sort": "asc"}]
    rows, _ = services.page_rows(SHOWN, 0, 100, by_date, sort_values=RAW)
    # By the real dates, not the English text; the missing date last.
    assert rows["agreement_id"].tolist() == ["B-3", "C-5", "A-1", "A-2", "b-4"]
    by_kg = [{"colId": "kg_co2e", "sort": "desc"}]
    rows, count = services.page_rows(SHOWN, 0, 2, by_kg, sort_values=RAW)
    assert rows["agreement_id"].tolist() == ["A-1", "b-4"] and count == 5


def test_records_are_json_ready() -> None:
    rows = services.records(SHOWN.head(2))
    assert rows[1] == {"agreement_id": "A-2", "kg_co2e": None, "end_date": "1 Jan 2026"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
GRID_KEYS = st.sampled_from(["agreement_id", "kg_co2e", "end_date", "colId", "sort", "type"])
CONDITION = st.fixed_dictionaries(
    {},
    optional={
        "filterType": st.sampled_from(["text", "number"]) | JSON,
        "type": st.sampled_from(["contains", "equals", "lessThan", "inRange", "blank"]) | JSON,
        "filter": JSON,
        "filterTo": JSON,
        "operator": JSON,
        "conditions": st.lists(JSON, max_size=2) | JSON,
    },
)


@settings(max_examples=200)
@given(
    start=JSON,
    end=JSON,
    sort_model=st.lists(
        st.fixed_dictionaries({}, optional={"colId": GRID_KEYS | JSON, "sort": JSON}) | JSON,
        max_size=3,
    )
    | JSON,
    filter_model=st.dictionaries(GRID_KEYS, CONDITION | JSON, max_size=3) | JSON,
)
def test_a_grid_request_from_the_browser_never_breaks_paging(start, end, sort_model, filter_model):
    """The getRowsRequest is the browser's to forge: junk parts are ignored, rows stay rows."""
    rows, count = services.page_rows(SHOWN, start, end, sort_model, filter_model, RAW)
    assert 0 <= len(rows) <= min(count, 1000) and count <= len(SHOWN)
    assert set(rows.index) <= set(SHOWN.index)
