"""The login brake in the store: parallel guesses, on one Store or two (two web workers), never
get more password checks than the configured count; a right password forgives; every failed
and refused login is in the audit log; the window passes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spendanalys import auth
from spendanalys.errors import AccessDenied
from spendanalys.store.database import Store
from spendanalys.store.tables import login_failures

pytest_plugins = ["pg_server", "store_fixtures"]  # fixtures: store, store_url, postgres_url

PASSWORD = "korrekt häst batteri"
BRAKE = auth.LoginBrake(per_account=5, per_client=12, window_s=600)
GUESSES = 40


def _actions(store: Store, action: str) -> list[dict[str, Any]]:
    """The audit entries ``action``, newest first: the attempted name and the detail."""
    rows = store.audit(limit=10_000).to_dict("records")
    return [{"name": r["user_name"], **r["detail"]} for r in rows if r["action"] == action]


def _guess_in_parallel(stores: list[Store], names: list[str], clients: list[str]) -> list[str]:
    """GUESSES wrong passwords at once, spread over ``stores``, ``names`` and ``clients``;
    what each attempt ended in ("failed", "refused" or "in")."""
    start = threading.Barrier(GUESSES)
    outcomes: list[str] = []

    def guess(i: int) -> None:
        store = stores[i % len(stores)]
        start.wait()
        try:
            found = store.log_in(
                names[i % len(names)], f"gissning nummer {i}", clients[i % len(clients)], BRAKE
            )
        except AccessDenied:
            outcomes.append("refused")
            return
        outcomes.append("failed" if found is None else "in")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == GUESSES
    return outcomes


def test_parallel_guesses_are_capped_at_the_configured_count(store: Store) -> None:
    store.add_user("anna", PASSWORD, "viewer")
    clients = [f"198.51.100.{i}" for i in range(GUESSES)]  # a new address for every guess
    outcomes = _guess_in_parallel([store], ["anna"], clients)
    assert outcomes.count("failed") == BRAKE.per_account
    assert outcomes.count("refused") == GUESSES - BRAKE.per_account
    assert len(_actions(store, "login_failed")) == BRAKE.per_account
    assert len(_actions(store, "login_refused")) == GUESSES - BRAKE.per_account
    with pytest.raises(AccessDenied):  # now even the right password waits for the window
        store.log_in("anna", PASSWORD, "203.0.113.1", BRAKE)


def test_two_workers_share_one_count(store_url: str) -> None:
    """Two Store objects on one database, as two gunicorn workers hold them."""
    with Store(store_url) as first, Store(store_url) as second:
        first.add_user("anna", PASSWORD, "viewer")
        outcomes = _guess_in_parallel([first, second], ["anna"], ["198.51.100.7"])
        assert outcomes.count("failed") == BRAKE.per_account
        assert len(_actions(second, "login_failed")) == BRAKE.per_account


def test_one_client_guessing_many_names_is_capped_per_client(store: Store) -> None:
    names = [f"namn{i}" for i in range(GUESSES)]  # a new name for every guess (spraying)
    outcomes = _guess_in_parallel([store], names, ["198.51.100.9"])
    assert outcomes.count("failed") == BRAKE.per_client
    refused = _actions(store, "login_refused")
    assert len(refused) == GUESSES - BRAKE.per_client
    assert all(r["limit"] == ["client"] and r["client"] == "198.51.100.9" for r in refused)


def test_failed_logins_and_the_lockout_are_in_the_audit_log(store: Store) -> None:
    store.add_user("anna", PASSWORD, "viewer")
    for _ in range(BRAKE.per_account):
        assert store.log_in("anna", "fel lösenord", "192.0.2.5", BRAKE) is None
    assert store.log_in("nobody", "fel lösenord", "192.0.2.5", BRAKE) is None  # counted too
    failed = _actions(store, "login_failed")
    assert [f["name"] for f in failed] == ["nobody"] + ["anna"] * BRAKE.per_account
    assert {f["client"] for f in failed} == {"192.0.2.5"}
    (lockout,) = _actions(store, "login_lockout")
    assert lockout["name"] == "anna" and lockout["limit"] == ["account"]
    assert PASSWORD not in str(store.audit(limit=100)["detail"].tolist())


def test_the_lock_ends_with_the_window(store: Store) -> None:
    store.add_user("anna", PASSWORD, "viewer")
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for minute in range(BRAKE.per_account):
        store.log_in(
            "anna", "fel lösenord", "192.0.2.5", BRAKE, now=start + timedelta(minutes=minute)
        )
    later = start + timedelta(seconds=BRAKE.window_s - 1)
    with pytest.raises(AccessDenied):
        store.log_in("anna", PASSWORD, "192.0.2.5", BRAKE, now=later)
    # The first failure has left the window: one attempt is free again, and it is right.
    after = start + timedelta(seconds=BRAKE.window_s + 1)
    found = store.log_in("anna", PASSWORD, "192.0.2.5", BRAKE, now=after)
    assert found is not None and found.role == "viewer"


def test_a_right_password_forgives_the_failures_from_that_address(store: Store) -> None:
    store.add_user("anna", PASSWORD, "viewer")
    for _ in range(BRAKE.per_account - 2):
        store.log_in("anna", "fel lösenord", "192.0.2.5", BRAKE)
    store.log_in("anna", "fel lösenord", "192.0.2.99", BRAKE)  # someone else's guess stays
    assert store.log_in("anna", PASSWORD, "192.0.2.5", BRAKE) is not None
    with store.engine.connect() as connection:
        left = connection.execute(login_failures.select()).all()
    assert [row.client for row in left] == ["192.0.2.99"]
    (login,) = _actions(store, "login")
    assert login["name"] == "anna" and login["client"] == "192.0.2.5"
