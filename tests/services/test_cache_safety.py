"""Cached analyses are data: identical to a fresh computation, and never code.

Issue 21: a backup whose cache rows held a pickled ``os.system(...)`` ran it on the first page
view after ``spendanalys restore``, and anyone able to write to the database could do the
same. Here the cache of a store holding the sample data is read back and compared with fresh
computations, then filled with such pickles, directly and through a crafted backup restored
with the command line, and the pages are read through ``spendanalys.services``.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from spendanalys import services
from spendanalys.cli import main
from spendanalys.services import cache
from spendanalys.store.database import Store
from spendanalys.store.small_tables import CACHE_HEADER

AS_OF = date(2025, 1, 15)


class Touch:
    """Unpickling this runs ``touch`` on a file: the crafted cache entry of the finding."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.path}",))


def forget_memo() -> None:
    """As a web worker starting afresh: nothing decoded in this process."""
    for entries in cache._MEMO.values():
        entries.clear()


def read_pages(store: Store) -> dict[str, Any]:
    """What the overview, procurement and travel pages read."""
    summary = services.spend_summary(store, as_of=AS_OF)
    assert summary is not None
    top = str(summary.agreements["agreement_id"].iloc[0])
    lines = services.agreement_lines_of(store, top, as_of=AS_OF)
    view = services.spend_view(store, as_of=AS_OF)
    travel = services.travel_view(store)
    assert lines is not None and view is not None and travel is not None
    return {"summary": summary, "lines": lines, "view": view, "travel": travel}


def assert_same(got: Any, want: Any, where: str = "value") -> None:
    """Deep equality: frames with their dtypes (and categories' dtype), dataclasses field by
    field, containers item by item, scalars of the same type."""
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=where)
        for (name, a), (_, b) in zip(got.items(), want.items(), strict=True):
            if isinstance(b.dtype, pd.CategoricalDtype):
                assert a.cat.categories.dtype == b.cat.categories.dtype, (where, name)
            if b.dtype == object:
                assert [type(v) for v in a] == [type(v) for v in b], (where, name)
    elif dataclasses.is_dataclass(want):
        assert type(got) is type(want), where
        for f in dataclasses.fields(want):
            assert_same(getattr(got, f.name), getattr(want, f.name), f"{where}.{f.name}")
    elif isinstance(want, dict):
        assert list(got) == list(want), where
        for key in want:
            assert_same(got[key], want[key], f"{where}[{key!r}]")
    elif isinstance(want, list | tuple):
        assert type(got) is type(want) and len(got) == len(want), where
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert type(got) is type(want), (where, type(got), type(want))
        assert got == want or (got != got and want != want), (where, got, want)


@pytest.fixture(scope="module")
def warmed_db(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data stored and its analyses cached (computed once for the module)."""
    folder = samples
    path = tmp_path_factory.mktemp("warmed") / "w.sqlite"
    with Store(f"sqlite:///{path}") as store:
        assert len(services.seed_sample_data(store, folder)) == 4
        read_pages(store)
        whole = path.with_name("whole.sqlite")  # one self-contained file (no -wal beside it)
        assert main(["backup", str(whole), "--database", f"sqlite:///{path}"]) == 0
    forget_memo()
    return whole


@pytest.fixture()
def store(warmed_db: Path, tmp_path: Path) -> Store:
    target = tmp_path / "live.sqlite"
    target.write_bytes(warmed_db.read_bytes())
    forget_memo()
    with Store(f"sqlite:///{target}") as opened:
        yield opened
    forget_memo()


def cache_rows(path: Path) -> list[tuple[str, str, bytes]]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT key, state, payload FROM cache_entries").fetchall()


def test_cached_analyses_equal_fresh_computations(store: Store) -> None:
    assert store.path is not None
    keys = {key for key, _, _ in cache_rows(store.path)}
    assert any(k.startswith("spend:") for k in keys) and any(k.startswith("travel:") for k in keys)
    assert all(payload.startswith(CACHE_HEADER) for _, _, payload in cache_rows(store.path))
    from_cache = read_pages(store)  # decoded from the store's cache table
    assert {key for key, _, _ in cache_rows(store.path)} == keys  # nothing was recomputed
    store.cache_clear()
    forget_memo()
    fresh = read_pages(store)
    for name in ("view", "travel", "summary", "lines"):
        assert_same(from_cache[name], fresh[name], name)


def test_drilldown_entries_equal_the_lines_of_the_fresh_analysis(store: Store) -> None:
    summary = services.spend_summary(store, as_of=AS_OF)
    view = services.spend_view(store, as_of=AS_OF)
    assert summary is not None and view is not None
    lines = view.analysis.lines
    for agreement in summary.agreements["agreement_id"].head(10):
        stored = services.agreement_lines_of(store, agreement, as_of=AS_OF)
        mine = lines[lines["linked_agreement_id"].astype("string") == agreement]
        columns = [c for c in services.LINE_COLUMNS if c in mine]
        want = mine.sort_values("kg_co2e", ascending=False, kind="stable")[columns].head(500)
        assert_same(stored, want.reset_index(drop=True), f"lines of {agreement}")


def test_a_pickle_in_the_cache_is_never_run_by_a_page_read(store: Store, tmp_path: Path) -> None:
    assert store.path is not None
    expected = read_pages(store)
    marker = tmp_path / "ran"
    with sqlite3.connect(store.path) as connection:  # anyone with write access to the file
        connection.execute("UPDATE cache_entries SET payload = ?", (pickle.dumps(Touch(marker)),))
    forget_memo()
    pages = read_pages(store)  # every entry is a miss: recomputed
    assert not marker.exists()
    assert pages["summary"].totals == expected["summary"].totals
    assert_same(pages["lines"], expected["lines"], "lines")
    assert_same(pages["travel"].years, expected["travel"].years, "travel years")
    rewritten = [payload for key, _, payload in cache_rows(store.path) if ":" in key]
    assert rewritten and all(p.startswith(CACHE_HEADER) for p in rewritten)


def test_restoring_a_crafted_backup_runs_nothing(store: Store, tmp_path: Path) -> None:
    """The backup is made with ``spendanalys backup``, its cache rows replaced by pickles
    (and more added under the keys the pages will ask for), then ``spendanalys restore``."""
    assert store.path is not None
    url = f"sqlite:///{store.path}"
    expected = read_pages(store)["summary"].totals
    saved = tmp_path / "backup.sqlite"
    assert main(["backup", str(saved), "--database", url]) == 0
    marker = tmp_path / "ran"
    poison = pickle.dumps(Touch(marker))
    with sqlite3.connect(saved) as connection:
        connection.execute("UPDATE cache_entries SET payload = ?", (poison,))
        states = [s for (s,) in connection.execute("SELECT DISTINCT state FROM cache_entries")]
        connection.executemany(
            "INSERT INTO cache_entries (key, state, payload, created_at) VALUES (?, ?, ?, ?)",
            [(f"spend-lines:extra:{i}", s, poison, "2025-01-15") for i, s in enumerate(states)],
        )
    services.import_upload(
        store, "fte", "aa.csv", "År;Årsarbetskrafter\n2019;1\n".encode(), user="e", role="admin"
    )
    store.close()
    assert main(["restore", str(saved), "--database", url]) == 0
    assert cache_rows(store.path) == []  # nothing of the backup's cache was restored
    forget_memo()
    with Store(url) as reopened:
        pages = read_pages(reopened)
    assert not marker.exists()
    assert pages["summary"].totals == expected
    assert all(payload.startswith(CACHE_HEADER) for _, _, payload in cache_rows(store.path))


def test_opening_the_store_drops_entries_it_could_never_serve(store: Store) -> None:
    assert store.path is not None
    spend = store.state_token("spend")
    store.cache_put("foreign", b"\x80\x05not ours", spend)
    store.cache_put("old format", b"SPENDANALYS-CACHE/0\n...", spend)
    store.cache_put("ours", cache.encode({"a": 1}), spend)
    with sqlite3.connect(store.path) as connection:  # an entry of a state long gone
        connection.execute(
            "INSERT INTO cache_entries VALUES ('stale', 'contracts=999;o=0;f=0', ?, '2025-01-15')",
            (cache.encode({"a": 2}),),
        )
    keys = {key for key, _, _ in cache_rows(store.path)}
    assert {"foreign", "old format", "ours", "stale"} <= keys
    with Store(f"sqlite:///{store.path}"):
        pass
    keys = {key for key, _, _ in cache_rows(store.path)}
    assert "ours" in keys and not keys & {"foreign", "old format", "stale"}
    assert re.match(rb"SPENDANALYS-CACHE/\d+\n", CACHE_HEADER)
