"""Guessing passwords through the dashboard's login form: 40 parallel guesses get exactly the
configured number of password checks; X-Forwarded-For counts only from a trusted proxy, so a
client rotating it is still braked; every failed and refused login is in the audit log.

Hand-made login requests (``access_app.login_body``) against ``create_app``'s Flask server.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from access_app import ORIGIN, login_body

from spendanalys.dashboard import security
from spendanalys.dashboard.app_factory import create_app
from spendanalys.dashboard.proxies import ForwardedHeaders
from spendanalys.store.database import Store
from spendanalys.store.tables import login_failures

PASSWORD = "korrekt häst batteri"
GUESSES = 40
PROXY = "10.0.0.1"
OUTSIDER = "203.0.113.7"
STORES: dict[int, Store] = {}  # each app's store, for the assertions


def _app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **environ: str) -> Any:
    store = Store(f"sqlite:///{tmp_path / 'g.sqlite'}")
    store.add_user("anna", PASSWORD, "viewer")
    monkeypatch.setenv("SPENDANALYS_SECRET_KEY", "test-secret-" + "g" * 40)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    app = create_app(store, host="127.0.0.1", seed=False, job_dir=tmp_path / "jobs")
    STORES[id(app)] = store
    return app


def _shown(response: Any) -> str:
    """The login form's message (empty when the login went through)."""
    assert response.status_code == 200, response.data
    message = response.get_json()["response"]["login-message"]["children"]
    return str(message["props"]["children"]) if message else ""


def _audit(app: Any, action: str) -> list[dict[str, Any]]:
    """The audit entries ``action`` of the app's store, newest first."""
    rows = STORES[id(app)].audit(limit=10_000).to_dict("records")
    return [{"name": r["user_name"], **r["detail"]} for r in rows if r["action"] == action]


def test_parallel_guesses_get_only_the_configured_number_of_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(tmp_path, monkeypatch, SPENDANALYS_LOGIN_FAILURES="5")
    assert security.config_of(app.server).brake.per_account == 5
    start = threading.Barrier(GUESSES)
    shown: list[str] = []

    def guess(i: int) -> None:
        client = app.server.test_client()
        request = login_body(app, "anna", f"gissning nummer {i}")
        start.wait()
        response = client.post("/_dash-update-component", json=request, headers={"Origin": ORIGIN})
        shown.append(_shown(response))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(set(shown)) == [
        "Fel användarnamn eller lösenord.",
        "För många misslyckade inloggningar. Vänta några minuter och försök igen.",
    ]
    assert shown.count("Fel användarnamn eller lösenord.") == 5
    assert len(_audit(app, "login_failed")) == 5
    assert len(_audit(app, "login_refused")) == GUESSES - 5
    assert len(_audit(app, "login_lockout")) == 1


def test_right_passwords_never_count_against_the_brake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The brake counts failures: an attempt counts from before its check until the check
    succeeds, so logins one after another from one address (the office behind one NAT, the
    load test on 127.0.0.1) are never refused, however many, and a right password after
    failures still gets in while below the limit. (Logins *at the same moment* to one name do
    count while their checks run: that is what caps parallel guessing, above.)"""
    app = _app(
        tmp_path,
        monkeypatch,
        SPENDANALYS_LOGIN_FAILURES="2",
        SPENDANALYS_LOGIN_CLIENT_FAILURES="3",
    )
    store = STORES[id(app)]
    for name in ("bertil", "cecilia"):
        store.add_user(name, PASSWORD, "viewer")

    def log_in(name: str, password: str = PASSWORD) -> str:
        request = login_body(app, name, password)
        client = app.server.test_client()
        return _shown(
            client.post("/_dash-update-component", json=request, headers={"Origin": ORIGIN})
        )

    assert [log_in(name) for name in ["anna", "bertil", "cecilia"] * 3] == [""] * 9
    assert log_in("anna", "fel lösenord") == "Fel användarnamn eller lösenord."
    assert [log_in(name) for name in ["anna", "bertil"] * 3] == [""] * 6
    assert len(_audit(app, "login")) == 15
    assert not _audit(app, "login_refused")
    with store.engine.connect() as connection:  # the right password forgave the failure
        assert not connection.execute(login_failures.select()).all()


def test_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_reset_the_brake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(
        tmp_path,
        monkeypatch,
        SPENDANALYS_BEHIND_PROXY="1",
        SPENDANALYS_TRUSTED_PROXIES=PROXY,
        SPENDANALYS_LOGIN_CLIENT_FAILURES="4",
    )
    shown = []
    for i in range(6):  # a new name and a new "client" every time, straight to the app port
        client = app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = OUTSIDER
        response = client.post(
            "/_dash-update-component",
            json=login_body(app, f"namn{i}", "fel lösenord"),
            headers={"Origin": ORIGIN, "X-Forwarded-For": f"198.51.100.{i}"},
        )
        shown.append(_shown(response))
    assert shown[:4] == ["Fel användarnamn eller lösenord."] * 4
    assert all(s.startswith("För många misslyckade inloggningar") for s in shown[4:])
    assert {f["client"] for f in _audit(app, "login_failed")} == {OUTSIDER}


def test_the_trusted_proxy_names_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(
        tmp_path, monkeypatch, SPENDANALYS_BEHIND_PROXY="1", SPENDANALYS_TRUSTED_PROXIES=PROXY
    )
    for forwarded in ("198.51.100.1", "6.6.6.6, 198.51.100.2", f"6.6.6.6, 198.51.100.3, {PROXY}"):
        client = app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = PROXY
        client.post(
            "/_dash-update-component",
            json=login_body(app, "anna", "fel lösenord"),
            headers={"Origin": ORIGIN, "X-Forwarded-For": forwarded},
        )
    clients = [f["client"] for f in reversed(_audit(app, "login_failed"))]
    # The proxy appends the address it saw; what the client wrote to its left proves nothing.
    assert clients == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]


def test_without_behind_proxy_no_forwarding_header_is_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(tmp_path, monkeypatch, SPENDANALYS_BEHIND_PROXY="0")
    client = app.server.test_client()  # from 127.0.0.1, which would be a trusted proxy
    client.post(
        "/_dash-update-component",
        json=login_body(app, "anna", "fel lösenord"),
        headers={"Origin": ORIGIN, "X-Forwarded-For": "198.51.100.1"},
    )
    assert [f["client"] for f in _audit(app, "login_failed")] == ["127.0.0.1"]


def _seen(trusted: tuple[str, ...], peer: str, headers: dict[str, str]) -> dict[str, Any]:
    """What the app behind ``ForwardedHeaders`` sees of a request from ``peer``."""
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], _start: Any) -> list[bytes]:
        seen.update(environ)
        return []

    environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http", "HTTP_HOST": "intern:8050"}
    environ.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    ForwardedHeaders(app, trusted)(environ, lambda *_: None)
    return seen


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client", "scheme", "host"),
    [
        ((), "127.0.0.1", "198.51.100.1", "127.0.0.1", "http", "intern:8050"),
        (("10.0.0.0/24",), OUTSIDER, "198.51.100.1", OUTSIDER, "http", "intern:8050"),
        (("10.0.0.0/24",), "10.0.0.9", "198.51.100.1", "198.51.100.1", "https", "spend.example"),
        (("10.0.0.0/24",), "10.0.0.9", "1.1.1.1, 10.0.0.8", "1.1.1.1", "https", "spend.example"),
        (
            ("10.0.0.0/24",),
            "10.0.0.9",
            "junk, 198.51.100.1",
            "198.51.100.1",
            "https",
            "spend.example",
        ),
        (("10.0.0.0/24",), "10.0.0.9", "198.51.100.1, junk", "10.0.0.9", "https", "spend.example"),
        (("::1",), "::1", "2001:db8::7", "2001:db8::7", "https", "spend.example"),
    ],
)
def test_forwarded_headers(
    trusted: tuple[str, ...],
    peer: str,
    forwarded: str,
    client: str,
    scheme: str,
    host: str,
) -> None:
    headers = {
        "X-Forwarded-For": forwarded,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "spend.example",
        "Forwarded": "for=6.6.6.6",
    }
    seen = _seen(trusted, peer, headers)
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"], seen["HTTP_HOST"]) == (
        client,
        scheme,
        host,
    )
    assert not [k for k in seen if "FORWARDED" in k and k.startswith("HTTP_")]  # none left
