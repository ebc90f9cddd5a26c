"""Response headers (issue 21, low): a Content-Security-Policy with a fresh nonce on the page's
inline scripts, HSTS over HTTPS, ``Cache-Control: no-store`` on everything that carries data,
and no version banner from the development server. (The browser tests prove the pages still
work under the policy: test_browser.py, test_browser_csp.py.)"""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from access_app import ORIGIN, body
from access_app import fixtures as access_fixtures
from werkzeug.serving import make_server

from spendanalys.dashboard import http_headers, serve
from spendanalys.dashboard.app_factory import create_app
from spendanalys.store.database import Store

store, store_dir, app, clients = access_fixtures()

SCRIPT = re.compile(r"<script\b[^>]*>")


def _responses(app: Any, client: Any) -> Iterator[tuple[str, Any]]:
    """A page, the layout (it carries the user's name), a callback and /health."""
    yield "page", client.get("/inkop")
    yield "layout", client.get("/_dash-layout")
    request = body(app, "_pages_content", {"_pages_location.pathname": "/inkop"})
    yield (
        "callback",
        client.post("/_dash-update-component", json=request, headers={"Origin": ORIGIN}),
    )
    yield "health", client.get("/health")


def test_page_layout_and_callback_carry_the_policy_and_no_store(
    app: Any, clients: dict[str | None, Any]
) -> None:
    for what, response in _responses(app, clients["viewer"]):
        assert response.status_code == 200, (what, response.data[:200])
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "object-src 'none'" in policy, what
        assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy, what
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0], what
        assert response.headers["Cache-Control"] == "no-store", what
        assert "Strict-Transport-Security" not in response.headers, what  # not over HTTPS
    layout = clients["viewer"].get("/_dash-layout").get_data(as_text=True)
    assert "user_viewer" in layout  # why the layout must not be cached


def test_every_script_of_the_page_has_the_nonce_the_header_names(
    clients: dict[str | None, Any],
) -> None:
    seen = set()
    for _ in range(2):
        response = clients[None].get("/login")
        nonce = re.search(
            r"'nonce-([A-Za-z0-9_-]{16,})'", response.headers["Content-Security-Policy"]
        )
        assert nonce is not None
        tags = SCRIPT.findall(response.get_data(as_text=True))
        assert any('id="_dash-renderer"' in tag for tag in tags)
        assert tags and all(f'nonce="{nonce.group(1)}"' in tag for tag in tags), tags
        seen.add(nonce.group(1))
    assert len(seen) == 2  # a new nonce for every page load


def test_static_files_stay_cacheable(app: Any, clients: dict[str | None, Any]) -> None:
    page = clients[None].get("/login").get_data(as_text=True)
    script = re.search(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert script is not None
    response = clients[None].get(script.group(1))
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_hsts_when_served_over_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDANALYS_SECRET_KEY", "hsts-" + "x" * 40)
    https_app = create_app(
        Store(f"sqlite:///{tmp_path / 'h.sqlite'}"), https=True, seed=False, job_dir=tmp_path
    )
    response = https_app.server.test_client().get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == http_headers.HSTS
    assert int(http_headers.HSTS.split("=")[1]) >= 180 * 86400


def test_the_development_server_shows_no_versions(app: Any) -> None:
    """Flask's server says ``Werkzeug/3.x Python/3.y`` by default; ours says nothing of it."""
    server = make_server("127.0.0.1", 0, app.server, request_handler=serve.PlainServerHeader)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/health"
        with urllib.request.urlopen(url, timeout=10) as response:
            banner = response.headers["Server"]
    finally:
        server.shutdown()
    assert banner == serve.SERVER_HEADER
    assert "Werkzeug" not in banner and "Python" not in banner


def test_refusals_carry_the_headers_too(clients: dict[str | None, Any]) -> None:
    response = clients[None].post(
        "/_dash-update-component", data=b"x" * 20_000, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers
