"""The demo mode serves this machine only (issue 21: DNS rebinding, demo mode by setting).

A demo app (no users, loopback) with contracts and invoices stored. A request whose Host is a
rebound name gets 421 and none of the data, for every page, the layout, the callback list, a
goal write and the Excel report; a client or a local address off loopback gets 403; forwarded
headers cannot dress a request up as local. The same requests with a loopback Host work. The
bind decides: gunicorn's reported sockets override ``SPENDANALYS_HOST``.
"""

from __future__ import annotations

import base64
import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from access_app import FILES, PAGES, body, state_of, write_body

from spendanalys import services
from spendanalys.dashboard import binding, demo_guard, serve
from spendanalys.dashboard.app_factory import create_app
from spendanalys.errors import ConfigurationError
from spendanalys.store.database import Store

REBOUND = ("rebind.evil.example:8050", "rebind.evil.example", "127.0.0.1.evil.example")
LOOPBACK = ("localhost", "localhost:8050", "127.0.0.1", "127.0.0.1:8050", "[::1]:8050")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Store]:
    folder = tmp_path_factory.mktemp("demo")
    store = Store(f"sqlite:///{folder / 'demo.sqlite'}")
    for kind in ("contracts", "invoices"):
        outcome = services.import_upload(
            store, kind, f"{kind}.csv", FILES[kind].encode(), user="demo", role="admin"
        )
        assert outcome.error is None, outcome.error
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPENDANALYS_SECRET_KEY", "demo-guard-" + "x" * 40)
        patch.setenv("SPENDANALYS_BEHIND_PROXY", "1")  # forwarded headers must not help
        app = create_app(store, host="127.0.0.1", seed=False, job_dir=folder / "jobs")
    return app, store


def _requests(app: Any) -> Iterator[tuple[str, str, Any]]:
    """(what, method, body) for every kind of request that carries data or writes."""
    for page in PAGES:
        yield page, "GET", None
    yield "/_dash-layout", "GET", None
    yield "/_dash-dependencies", "GET", None
    yield "goal write", "POST", write_body(app, "goal-result")
    yield "report", "POST", body(app, "report-download", {"report-button.n_clicks": 1})


def _send(app: Any, what: str, method: str, data: Any, host: str, **extra: Any) -> Any:
    client = app.server.test_client()
    if method == "GET":
        return client.get(what, headers={"Host": host, **extra})
    headers = {"Host": host, "Origin": f"http://{host}", **extra}  # same-origin, as a page
    return client.post("/_dash-update-component", json=data, headers=headers)


@pytest.mark.parametrize("host", REBOUND)
def test_a_rebound_host_gets_421_and_no_data_anywhere(demo: tuple[Any, Store], host: str) -> None:
    app, store = demo
    before = state_of(store)
    for what, method, data in _requests(app):
        response = _send(app, what, method, data, host)
        assert response.status_code == 421, (what, response.status_code)
        assert response.get_data(as_text=True) == demo_guard.WRONG_HOST, what  # nothing else
    assert state_of(store) == before  # the goal was not written


@pytest.mark.parametrize("host", LOOPBACK)
def test_a_loopback_host_keeps_the_demo(demo: tuple[Any, Store], host: str) -> None:
    app, _store = demo
    for page in PAGES:
        assert _send(app, page, "GET", None, host).status_code == 200, page
    layout = _send(app, "/_dash-layout", "GET", None, host)
    assert layout.status_code == 200 and "demo-banner" in layout.get_data(as_text=True)
    report = _send(
        app, "report", "POST", body(app, "report-download", {"report-button.n_clicks": 1}), host
    )
    assert report.status_code == 200, report.data
    sent = report.get_json()["response"]["report-download"]["data"]
    workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(sent["content"])))
    assert "Avtal" in workbook.sheetnames


def test_a_goal_write_from_loopback_is_stored(demo: tuple[Any, Store]) -> None:
    app, store = demo
    before = state_of(store)
    response = _send(app, "goal", "POST", write_body(app, "goal-result"), "127.0.0.1:8050")
    assert response.status_code == 200, response.data
    assert state_of(store)[0] == before[0] + 1


@pytest.mark.parametrize(
    "extra",
    [
        {"X-Forwarded-Host": "localhost"},
        {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "127.0.0.1:8050"},
        {"Forwarded": "for=127.0.0.1;host=localhost"},
    ],
)
def test_forwarded_headers_do_not_make_a_rebound_host_local(
    demo: tuple[Any, Store], extra: dict[str, str]
) -> None:
    """A rebinding page is same-origin with the app, so it may set any of these itself."""
    app, _store = demo
    response = _send(app, "/inkop", "GET", None, "rebind.evil.example:8050", **extra)
    assert response.status_code == 421


def test_a_client_off_loopback_gets_403(demo: tuple[Any, Store]) -> None:
    app, _store = demo
    client = app.server.test_client()
    response = client.get("/inkop", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 403
    assert "Demo mode is for this machine only" in response.get_data(as_text=True)


def test_a_connection_to_a_non_loopback_address_gets_403() -> None:
    """Bound to every interface, a request from this machine to the LAN address is still
    refused: the connection's local address is checked, not only the client's."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        local = {"werkzeug.socket": sock, "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
        assert demo_guard.refusal(local) is None
    with socket.socket(socket.AF_UNIX) as sock:  # behind a proxy on a Unix socket: not local
        local["werkzeug.socket"] = sock
        refused = demo_guard.refusal(local)
        assert refused is not None and refused.status_code == 403
    environ = {"SERVER_NAME": "192.0.2.1", "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
    refused = demo_guard.refusal(environ)
    assert refused is not None and refused.status_code == 403


def test_users_end_the_guard(tmp_path: Path) -> None:
    """With users, a request by any name goes on to the login (the guard is for the demo)."""
    store = Store(f"sqlite:///{tmp_path / 'u.sqlite'}")
    store.add_user("anna", "ett-långt-lösenord", "viewer")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPENDANALYS_SECRET_KEY", "users-" + "x" * 40)
        app = create_app(store, host="0.0.0.0", seed=False, job_dir=tmp_path / "jobs")
    response = app.server.test_client().get("/inkop", headers={"Host": "spend.myndighet.se"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST:8050", True),
        ("localhost.", True),
        ("127.0.0.1", True),
        ("127.8.9.10:80", True),
        ("[::1]", True),
        ("[::1]:8050", True),
        ("::1", True),
        ("[::ffff:127.0.0.1]:8050", True),
        (None, False),
        ("", False),
        ("0.0.0.0:8050", False),
        ("[::]:8050", False),
        ("10.0.0.5", False),
        ("localhost.evil.example", False),
        ("evil.localhost.example:8050", False),
        ("127.0.0.1.nip.io", False),
        ("2130706433", False),
        ("localhost:http", False),
        ("[::1]x", False),
        ("localhost:8050:1", False),
    ],
)
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert binding.is_loopback_host(host) is loopback


@pytest.fixture
def reported_bind() -> Iterator[None]:
    yield
    binding.record_bound(())


def test_the_bind_gunicorn_reports_overrides_spendanalys_host(
    reported_bind: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finding: SPENDANALYS_HOST=127.0.0.1 with gunicorn bound to every interface was a
    demo open to the network. Now the reported bind wins and there is no demo without users."""
    monkeypatch.setenv("SPENDANALYS_HOST", "127.0.0.1")
    monkeypatch.setenv("SPENDANALYS_SECRET_KEY", "bind-" + "x" * 40)
    monkeypatch.setenv("SPENDANALYS_DATABASE_URL", f"sqlite:///{tmp_path / 'b.sqlite'}")
    monkeypatch.setenv("SPENDANALYS_SAMPLE_DIR", str(tmp_path))
    monkeypatch.setenv("SPENDANALYS_JOB_DIR", str(tmp_path / "jobs"))
    monkeypatch.chdir(tmp_path)
    for bound in ([("0.0.0.0", 8050)], [("127.0.0.1", 8050), ("10.1.2.3", 8050)], ["/run/s.sock"]):
        binding.record_bound(bound)
        with pytest.raises(ConfigurationError, match="no users are defined"):
            serve.build_server()
    binding.record_bound([("127.0.0.1", 8050), ("::1", 8050, 0, 0)])
    assert serve.build_server().name == "spendanalys.dashboard"
