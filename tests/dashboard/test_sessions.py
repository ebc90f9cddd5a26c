"""Sessions end when they should: a copy of the cookie is dead after logout, a new password, a
new role or the user's removal; a login lasts at most its absolute lifetime however busy, and
ends after its idle lifetime; the cookie is a browser-session cookie bound to its browser; the
login page then says why.

A bare Flask server with ``security.install`` and a clock the test sets (no sleeping).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import flask
import pytest
from access_app import body

from spendanalys import auth
from spendanalys.dashboard import security, sessions
from spendanalys.dashboard.app_factory import create_app
from spendanalys.store.database import Store

PASSWORD = "korrekt häst batteri"
ORIGIN = "http://localhost"
COOKIE = "spendanalys_session"
HOUR = 3600.0
POLICY = sessions.SessionPolicy(absolute_s=12 * HOUR, idle_s=1 * HOUR)


class Clock:
    """Seconds since the epoch, moved on by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(name="store")
def store_fixture(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.add_user("anna", PASSWORD, "procurement")
    return store


@pytest.fixture(name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(name="server")
def server_fixture(store: Store, clock: Clock) -> flask.Flask:
    config = security.SecurityConfig(
        demo_allowed=False,
        sessions=POLICY,
        brake=auth.LoginBrake(per_account=5, per_client=30, window_s=900),
        clock=clock,
    )
    server = flask.Flask("session-test")
    security.install(server, store, config, "k" * 64)
    server.config[security.PAGE_PATHS_CONFIG] = ("/page",)

    @server.post("/try-login")
    def _try() -> str:
        return security.log_in("anna", PASSWORD) or "no"

    @server.get("/who")
    def _who() -> str:
        return str(security.current_role())

    @server.get("/page")
    def _page() -> str:
        return "the page"

    return server


def _logged_in(server: flask.Flask) -> Any:
    client = server.test_client()
    assert client.post("/try-login", headers={"Origin": ORIGIN}).data == b"procurement"
    return client


def _copy(server: flask.Flask, client: Any, **environ: str) -> Any:
    """Another client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    other = server.test_client()
    other.environ_base.update(environ)
    other.set_cookie(COOKIE, cookie.value)
    return other


def test_a_copied_cookie_is_dead_after_logout(server: flask.Flask) -> None:
    client = _logged_in(server)
    copy = _copy(server, client)
    assert copy.get("/who").data == b"procurement"  # the copy works: it is the same session
    assert client.post("/logout", headers={"Origin": ORIGIN}).status_code == 302
    assert client.get("/who").data == b"None"
    assert copy.get("/who").data == b"None"
    assert copy.get("/page").headers["Location"] == "/login?next=/page"  # cleared on first use


@pytest.mark.parametrize(
    "change",
    [
        lambda store: store.set_password("anna", "ett helt nytt lösenord"),
        lambda store: store.set_role("anna", "viewer"),
        lambda store: store.end_sessions("anna"),
        lambda store: (store.remove_user("anna"), store.add_user("anna", PASSWORD, "admin")),
    ],
    ids=["new password", "new role", "logout elsewhere", "removed and added again"],
)
def test_a_cookie_is_dead_after_a_change_to_its_user(
    server: flask.Flask, store: Store, change: Any
) -> None:
    client = _logged_in(server)
    assert client.get("/who").data == b"procurement"
    change(store)
    response = client.get("/page")  # the first request after the change says why
    assert response.headers["Location"] == "/login?next=/page&ended=ended"
    assert client.get("/who").data == b"None"


def test_a_login_ends_after_the_absolute_lifetime_even_when_used_all_along(
    server: flask.Flask, clock: Clock
) -> None:
    client = _logged_in(server)
    start = clock.now
    while clock.now + 10 * 60 < start + POLICY.absolute_s:
        clock.now += 10 * 60  # a request every ten minutes: never idle
        assert client.get("/who").data == b"procurement", (clock.now - start) / HOUR
    clock.now = start + POLICY.absolute_s
    assert client.get("/page").headers["Location"] == "/login?next=/page&ended=expired"
    assert client.get("/who").data == b"None"
    clock.now += 1  # and it stays dead: the cookie was cleared, not refreshed
    assert client.get("/who").data == b"None"


def test_a_login_ends_after_the_idle_lifetime(server: flask.Flask, clock: Clock) -> None:
    client = _logged_in(server)
    clock.now += POLICY.idle_s - 60
    assert client.get("/who").data == b"procurement"  # counts as activity
    clock.now += POLICY.idle_s - 60
    assert client.get("/who").data == b"procurement"
    clock.now += POLICY.idle_s
    assert client.get("/page").headers["Location"] == "/login?next=/page&ended=idle"


def test_a_clock_gone_back_does_not_extend_a_login(server: flask.Flask, clock: Clock) -> None:
    """Another worker's clock a little behind is fine; a login hours "in the future" is not."""
    client = _logged_in(server)
    clock.now -= 60
    assert client.get("/who").data == b"procurement"
    clock.now -= 2 * HOUR
    assert client.get("/who").data == b"None"


def test_the_cookie_ends_with_the_browser_and_is_bound_to_it(server: flask.Flask) -> None:
    client = server.test_client()
    response = client.post("/try-login", headers={"Origin": ORIGIN})
    cookie = response.headers["Set-Cookie"]
    assert "Expires" not in cookie and "Max-Age" not in cookie  # not a "permanent" session
    # flask-login's "strong" protection: the cookie in another browser is no session.
    elsewhere = _copy(server, client, HTTP_USER_AGENT="curl/8.0")
    assert elsewhere.get("/who").data == b"None"
    assert client.get("/who").data == b"procurement"


def test_a_session_is_not_reissued_on_every_request(server: flask.Flask, clock: Clock) -> None:
    client = _logged_in(server)
    clock.now += 10
    assert "Set-Cookie" not in client.get("/who").headers
    clock.now += sessions.SEEN_RESOLUTION_S  # the last-request time is written once a minute
    assert "Set-Cookie" in client.get("/who").headers


@pytest.mark.parametrize(
    ("ended", "said"),
    [
        ("expired", "Din inloggning har gått ut."),
        ("idle", "Du har loggats ut efter en stund utan aktivitet."),
        ("ended", "Du har loggats ut (utloggning, nytt lösenord eller ny roll)."),
        ("<script>", None),
    ],
)
def test_the_login_page_says_why_the_session_ended(
    login_app: Any, ended: str, said: str | None
) -> None:
    request = body(
        login_app,
        "_pages_content",
        {"_pages_location.pathname": "/login", "_pages_location.search": f"?ended={ended}"},
    )
    response = login_app.server.test_client().post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert "login-name" in text
    if said is None:
        assert "login-ended" not in text and "script" not in text
    else:
        assert said in text


@pytest.fixture(name="login_app", scope="module")
def login_app_fixture(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("login-page")
    store = Store(f"sqlite:///{folder / 'l.sqlite'}")
    store.add_user("anna", PASSWORD, "viewer")  # users: no demo mode, the login form is shown
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPENDANALYS_SECRET_KEY", "test-secret-" + "l" * 40)
        return create_app(store, host="127.0.0.1", seed=False, job_dir=folder / "jobs")
