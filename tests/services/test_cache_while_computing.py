"""A page view does not wait for a result another process is computing (issue 20).

While a result of a new state is computed elsewhere (the job process after a confirmed upload),
``cache.compute_once`` gives a page view this process's earlier result of the same family at
once; the memo does not keep it as the new state's, so the view after the computation reads the
new result; ``fresh_only`` (the computation after a change) always waits for the new one. The
lock is tried without waiting on SQLite (``flock``) and PostgreSQL (``pg_try_advisory_lock``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spendanalys.services import cache
from spendanalys.store.database import Store

pytest_plugins = ["pg_server"]  # fixture: postgres_url

FAMILY = "result:"


@pytest.fixture(autouse=True)
def forget_memo() -> Iterator[None]:
    for entries in cache._MEMO.values():
        entries.clear()
    yield
    for entries in cache._MEMO.values():
        entries.clear()


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'c.sqlite'}")
    yield opened
    opened.close()


def view(store: Store, state: str, compute: Any, stored: Any = lambda: None) -> Any:
    """What a page view of ``state`` gets: memo, then ``compute_once`` (as ``cache.cached``)."""
    key = f"{FAMILY}{state}"
    return cache.memo(
        store,
        key,
        lambda: cache.compute_once(store, key, state, stored, compute, FAMILY, "analyses"),
        state,
        pool="analyses",
    )


def must_not_compute() -> Any:
    raise AssertionError("computed although another process holds the lock")


def test_while_another_process_computes_the_earlier_result_is_shown(store: Store) -> None:
    assert view(store, "s1", lambda: "first") == "first"
    with store.computing(f"{FAMILY}s2|s2"):  # another handle: as another process holds it
        assert view(store, "s2", must_not_compute) == "first"
        assert view(store, "s2", must_not_compute) == "first"
    # Not kept as the new state's result: once the lock is free the new one is read.
    assert view(store, "s2", lambda: "second") == "second"
    assert view(store, "s2", must_not_compute) == "second"  # now memoised


def test_a_page_built_on_an_earlier_result_is_not_kept_for_the_new_state(store: Store) -> None:
    def page(state: str, compute: Any) -> Any:
        return cache.memo(store, "page", lambda: f"page of {view(store, state, compute)}", state)

    assert page("s1", lambda: "first") == "page of first"
    with store.computing(f"{FAMILY}s2|s2"):
        assert page("s2", must_not_compute) == "page of first"
    assert page("s2", lambda: "second") == "page of second"


def test_without_an_earlier_result_a_view_waits_for_the_new_one(store: Store) -> None:
    saved: dict[str, str] = {}
    held, release = threading.Event(), threading.Event()

    def other_process() -> None:
        with store.computing(f"{FAMILY}s1|s1"):
            held.set()
            release.wait(10)
            saved["s1"] = "computed elsewhere"

    worker = threading.Thread(target=other_process)
    worker.start()
    held.wait(10)
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    assert view(store, "s1", must_not_compute, lambda: saved.get("s1")) == "computed elsewhere"
    assert time.monotonic() - started >= 0.25
    worker.join(10)


def test_fresh_only_waits_for_the_new_result_even_with_an_earlier_one(store: Store) -> None:
    assert view(store, "s1", lambda: "first") == "first"
    saved: dict[str, str] = {}
    held, release = threading.Event(), threading.Event()

    def other_process() -> None:
        with store.computing(f"{FAMILY}s2|s2"):
            held.set()
            release.wait(10)
            saved["s2"] = "second"

    worker = threading.Thread(target=other_process)
    worker.start()
    held.wait(10)
    threading.Timer(0.3, release.set).start()
    with cache.fresh_only():
        assert view(store, "s2", must_not_compute, lambda: saved.get("s2")) == "second"
    worker.join(10)


def test_what_a_computation_reads_is_the_new_state_s(store: Store) -> None:
    """The process that computes a result (and stores it) never builds it on an earlier
    result of another family: under the lock, nested reads wait (``fresh_only``)."""
    inner = "inner:"
    saved: dict[str, str] = {}

    def inner_view(state: str, compute: Any) -> Any:
        key = f"{inner}{state}"
        return cache.memo(
            store,
            key,
            lambda: cache.compute_once(
                store, key, state, lambda: saved.get(key), compute, inner, "analyses"
            ),
            state,
            pool="analyses",
        )

    assert inner_view("s1", lambda: "old inner") == "old inner"
    held, release = threading.Event(), threading.Event()

    def other_process() -> None:
        with store.computing(f"{inner}s2|s2"):
            held.set()
            release.wait(10)
            saved[f"{inner}s2"] = "new inner"

    worker = threading.Thread(target=other_process)
    worker.start()
    held.wait(10)
    threading.Timer(0.3, release.set).start()
    outer = view(store, "s2", lambda: f"built on {inner_view('s2', must_not_compute)}")
    assert outer == "built on new inner"
    worker.join(10)


@pytest.mark.postgres
def test_the_lock_is_tried_without_waiting_on_postgresql(postgres_url: str) -> None:
    store = Store(postgres_url)
    other = Store(postgres_url)  # another process's connection
    try:
        with other.computing("k|s") as held:
            assert held is True
            with store.computing("k|s", wait=False) as mine:
                assert mine is False
        with store.computing("k|s", wait=False) as mine:
            assert mine is True
    finally:
        store.close()
        other.close()


def test_the_lock_is_tried_without_waiting_on_sqlite(store: Store) -> None:
    with store.computing("k|s") as held:
        assert held is True
        with store.computing("k|s", wait=False) as mine:
            assert mine is False
    with store.computing("k|s", wait=False) as mine:
        assert mine is True
