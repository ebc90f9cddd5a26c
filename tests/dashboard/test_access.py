"""Who may do what, enforced on the server: pages, read and write callbacks, CSRF, cookies, login
lockout, jobs that answer only their owner, hostile text shown only as text.

Driven with Flask's test client by hand-made requests (``access_app``) — the way an attacker
would, not through hidden buttons. The writing callbacks are found by enumerating
``app.callback_map``, so a new writing callback without an entry in ``ALLOWED`` fails the test.
An upload starts a background job (``spendanalys.services.jobs``); the tests poll it through the poll
callback, as the page does.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import access_app
import flask
import pytest
from access_app import (
    ALLOWED,
    ORIGIN,
    PAGES,
    PASSWORD,
    ROLES,
    body,
    callback_key,
    client_for,
    confirm_body,
    job_of,
    login_body,
    poll_until_done,
    sample_upload,
    state_of,
    upload_body,
    write_body,
)
from app_process import free_port

from spendanalys.dashboard import security
from spendanalys.store.database import Store

store, store_dir, app, clients = access_app.fixtures()  # module scope: this module's own app


def test_every_writing_callback_is_in_the_matrix(app: Any) -> None:
    declared = set(security.WRITE_OUTPUTS)
    assert declared == set(ALLOWED)
    for component_id in declared:
        callback_key(app, component_id)  # registered exactly once


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", [None, *ROLES])
def test_pages(clients: dict[str | None, Any], role: str | None, path: str) -> None:
    response = clients[role].get(path)
    if role is None:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", [None, "viewer"])
def test_page_content_through_the_router(
    app: Any, clients: dict[str | None, Any], role: str | None, path: str
) -> None:
    """Even the page router (public, it serves the login page) gives anonymous users no content."""
    request = body(
        app, "_pages_content", {"_pages_location.pathname": path, "_pages_location.search": ""}
    )
    response = clients[role].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    if role is None:
        assert b"guard-redirect" in response.data
    else:
        assert b"guard-redirect" not in response.data and b"H1" in response.data


@pytest.mark.parametrize("role", [None, *ROLES])
def test_read_callbacks_need_a_login(
    app: Any, clients: dict[str | None, Any], role: str | None
) -> None:
    request = body(app, "inkop-analysis", {})
    response = clients[role].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert response.status_code == (401 if role is None else 200)


@pytest.mark.parametrize("component_id", sorted(ALLOWED))
@pytest.mark.parametrize("role", [None, *ROLES])
def test_writing_callbacks(
    app: Any, store: Store, clients: dict[str | None, Any], role: str | None, component_id: str
) -> None:
    request = write_body(app, component_id, store=store, user=f"user_{role or 'admin'}")
    before = state_of(store)
    response = clients[role].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    if role in ALLOWED[component_id]:
        assert response.status_code == 200, response.data
        if component_id.endswith("-job"):
            kind = component_id.split("-")[1]
            shown = poll_until_done(app, clients[role], kind, job_of(response, kind))
            assert f"upload-{kind}-preview" in json.dumps(shown), shown  # staged, then confirmed
        if component_id.endswith("-preview"):
            assert f"{component_id.removesuffix('-preview')}-done" in response.text, response.text
        assert state_of(store) != before
    else:
        assert response.status_code == (401 if role is None else 403)
        assert state_of(store) == before


def test_the_callback_itself_refuses_a_role_the_guard_let_through(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """Defence in depth: with the guard's table emptied, the service still says no."""
    saved = dict(security.WRITE_OUTPUTS)
    security.WRITE_OUTPUTS.clear()
    try:
        before = state_of(store)
        response = clients["viewer"].post(
            "/_dash-update-component",
            json=write_body(app, "upload-fte-job"),
            headers={"Origin": ORIGIN},
        )
        assert response.status_code == 200
        assert state_of(store) == before
        assert b"message-error" in response.data
        assert response.get_json()["response"]["upload-fte-job"]["data"] is None  # no job
    finally:
        security.WRITE_OUTPUTS.update(saved)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {},
        {"Origin": "null"},
    ],
)
def test_cross_site_posts_are_refused(
    app: Any, store: Store, clients: dict[str | None, Any], headers: dict[str, str]
) -> None:
    before = state_of(store)
    response = clients["admin"].post(
        "/_dash-update-component", json=write_body(app, "upload-fte-job"), headers=headers
    )
    assert response.status_code == 403
    assert state_of(store) == before
    assert clients["admin"].post("/logout", headers=headers).status_code == 403


def test_a_form_post_cannot_reach_a_callback(app: Any, clients: dict[str | None, Any]) -> None:
    response = clients["admin"].post(
        "/_dash-update-component", data="x=1", content_type="text/plain", headers={"Origin": ORIGIN}
    )
    assert response.status_code in (400, 415)


def test_wrong_password_logs_nobody_in(app: Any) -> None:
    client = app.server.test_client()
    response = client.post(
        "/_dash-update-component",
        json=login_body(app, "user_admin", "fel-lösenord"),
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 200 and b"message-error" in response.data
    assert client.get("/inkop").status_code == 302


def test_logout_ends_the_session(app: Any, store: Store) -> None:
    # Logout ends every session of the user: its own user, so the shared clients stay logged in.
    store.add_user("user_leaving", PASSWORD, "viewer")
    client = client_for(app, "leaving")
    assert client.get("/").status_code == 200
    assert client.post("/logout", headers={"Origin": ORIGIN}).status_code == 302
    assert client.get("/").status_code == 302


def test_health_is_public(app: Any) -> None:
    response = app.server.test_client().get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


# --- cookies, demo mode, refusing to start -------------------------------------------------


def _bare_server(store: Store, config: security.SecurityConfig) -> flask.Flask:
    server = flask.Flask("cookie-test")
    security.install(server, store, config, "k" * 64)

    @server.post("/try-login")
    def _try() -> str:
        return security.log_in("user_admin", PASSWORD) or "no"

    @server.get("/who")
    def _who() -> str:
        return str(security.current_role())

    return server


@pytest.mark.parametrize("https", [True, False])
def test_session_cookie_flags(store: Store, https: bool) -> None:
    server = _bare_server(store, security.SecurityConfig(demo_allowed=False, https=https))
    response = server.test_client().post("/try-login", headers={"Origin": ORIGIN})
    assert response.status_code == 200 and response.data == b"admin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is https


def test_https_is_set_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from spendanalys.settings import settings

    monkeypatch.setenv("SPENDANALYS_HTTPS", "1")
    assert settings().https
    monkeypatch.setenv("SPENDANALYS_HTTPS", "0")
    assert not settings().https


@pytest.mark.parametrize("name", ["SPENDANALYS_HTTPS", "SPENDANALYS_BEHIND_PROXY"])
def test_every_switch_reads_true_and_false_alike(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    from spendanalys.errors import ConfigurationError
    from spendanalys.settings import settings

    field = name.removeprefix("SPENDANALYS_").lower()
    for word in ("1", "true", "Yes", "ON"):
        monkeypatch.setenv(name, word)
        assert getattr(settings(), field) is True
    for word in ("0", "false", "No", "off", ""):
        monkeypatch.setenv(name, word)
        assert getattr(settings(), field) is False
    monkeypatch.setenv(name, "maybe")
    with pytest.raises(ConfigurationError, match=name):
        settings()


def test_demo_mode_only_on_loopback_without_users(tmp_path: Path) -> None:
    empty = Store(f"sqlite:///{tmp_path / 'e.sqlite'}")
    local = _bare_server(empty, security.SecurityConfig(demo_allowed=True)).test_client()
    assert local.get("/who").data == b"admin"
    remote = _bare_server(empty, security.SecurityConfig(demo_allowed=False)).test_client()
    assert remote.get("/who").data == b"None"
    assert security.is_loopback("127.0.0.1") and security.is_loopback("::1")
    assert not security.is_loopback("0.0.0.0") and not security.is_loopback(None)


def test_refuses_to_start_on_a_public_address_without_users(tmp_path: Path, repo_dir: Path) -> None:
    env = {**os.environ, "SPENDANALYS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    result = subprocess.run(
        [sys.executable, "app.py", "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=repo_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no users" in result.stderr and "spendanalys users add" in result.stderr


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def test_uploaded_text_reaches_leadership_only_as_text(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """A hostile supplier name is shown as a text child, never as HTML, a link or markdown."""
    hostile = '<img src=x onerror="alert(1)">'
    link = "javascript:alert(1)"
    contracts = (
        "Avtalsnummer;Avtalsnamn;Leverantör;Organisationsnummer;Inköpskategori;CPV-kod;Startdatum;"
        "Slutdatum;Avtalsvärde per år (kr);Miljökrav\n"
        f"X-1;{link};{hostile};556677-8899;Städtjänster;90910000;2023-01-01;2026-12-31;900000;Nej\n"
    )
    upload = "data:text/csv;base64," + base64.b64encode(contracts.encode()).decode()
    request = upload_body(app, "contracts", upload, "x.csv")
    started = clients["admin"].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert started.status_code == 200
    poll_until_done(app, clients["admin"], "contracts", job_of(started, "contracts"))
    confirmed = clients["admin"].post(
        "/_dash-update-component",
        json=confirm_body(app, store, "contracts"),
        headers={"Origin": ORIGIN},
    )
    assert "upload-contracts-done" in confirmed.get_data(as_text=True)
    page = body(
        app, "_pages_content", {"_pages_location.pathname": "/", "_pages_location.search": ""}
    )
    response = clients["viewer"].post(
        "/_dash-update-component", json=page, headers={"Origin": ORIGIN}
    )
    tree = response.get_json()
    texts = [n for n in _nodes(tree) if isinstance(n["props"].get("children"), str)]
    found = [
        n for n in texts if hostile in n["props"]["children"] or link in n["props"]["children"]
    ]
    assert len(found) >= 2
    assert {n["type"] for n in found} <= {"Td", "Div", "Span"}
    # Every occurrence in the response is one of those text children.
    raw = json.dumps(tree)
    assert raw.count(json.dumps(hostile)[1:-1]) == sum(
        hostile in n["props"]["children"] for n in found
    )
    for node in _nodes(tree):
        assert "dangerously_allow_html" not in node["props"]
        assert link not in str(node["props"].get("href", ""))


def test_repeated_wrong_passwords_lock_the_name_for_a_while(app: Any, store: Store) -> None:
    store.add_user("guessed", PASSWORD, "viewer")
    client = app.server.test_client()
    for _ in range(security.config_of(app.server).brake.per_account):
        response = client.post(
            "/_dash-update-component",
            json=login_body(app, "guessed", "fel-lösenord"),
            headers={"Origin": ORIGIN},
        )
        assert b"login-redirect" not in response.data
    response = client.post(
        "/_dash-update-component", json=login_body(app, "guessed"), headers={"Origin": ORIGIN}
    )
    shown = response.get_json()["response"]["login-message"]["children"]["props"]["children"]
    assert shown.startswith("För många misslyckade inloggningar")
    assert client.get("/").status_code == 302


def test_a_job_answers_only_the_user_who_started_it(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """Another user polling the job id (or a forged id) learns nothing about the import."""
    started = clients["admin"].post(
        "/_dash-update-component",
        json=write_body(app, "upload-fte-job"),
        headers={"Origin": ORIGIN},
    )
    job_id = job_of(started, "fte")
    for role, forged in (("environment", job_id), ("admin", "../../secret_key"), ("admin", 7)):
        shown = poll_until_done(app, clients[role], "fte", forged)
        text = json.dumps(shown)
        assert "upload-fte-preview" not in text and shown["upload-fte-poll"]["disabled"], text
        assert "fte.csv" not in text
    shown = poll_until_done(app, clients["admin"], "fte", job_id)
    assert "upload-fte-preview" in json.dumps(shown)


def test_the_job_checks_the_role_again(app: Any, store: Store, store_dir: Path) -> None:
    """A job queued with a role that may not import fails inside the job and stores nothing."""
    from spendanalys import services
    from spendanalys.services.jobs import JobBoard

    board = JobBoard(store_dir / "direct")
    before = state_of(store)
    job_id = board.submit(
        "user_viewer",
        "fte.csv",
        lambda progress: services.run_upload(
            store,
            "fte",
            "fte.csv",
            sample_upload("fte"),
            max_bytes=100_000,
            user="user_viewer",
            role="viewer",
            progress=progress,
        ).to_dict(),
    )
    job = board.wait(job_id, "user_viewer")
    assert job is not None and job.state == "failed" and job.error is not None
    assert job.error.startswith("access denied")
    assert job.phase is None  # refused before decoding
    assert state_of(store) == before
