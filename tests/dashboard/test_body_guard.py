"""Request bodies (issue 21): anonymous ones refused unread, every one read against a deadline.

The access app (users exist, a 100 kB upload cap) gets hand-made POSTs whose body is a stream
that records whether anything read it. A body over the cap gets 413 first; an anonymous body
anywhere but the login and router callbacks (and /logout), or larger than those ever are, gets
401 unread. Over a real socket (Flask's server in a thread), a body that dribbles in is cut at
its deadline with 408, and one that arrives at a normal pace is read whole.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import flask
import pytest
from access_app import ORIGIN, login_body, upload_body
from access_app import fixtures as access_fixtures
from werkzeug.serving import make_server

from spendanalys.dashboard import body_guard

store, store_dir, app, clients = access_fixtures()


class Unread(io.BytesIO):
    """A request body that records any read (and has nothing to give)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def read(self, *_args: Any) -> bytes:
        self.reads += 1
        return b""

    def readline(self, *_args: Any) -> bytes:
        return self.read()

    def readinto(self, *_args: Any) -> int:
        self.reads += 1
        return 0


def _post(client: Any, path: str, length: int | None, **headers: str) -> tuple[int, int]:
    stream = Unread()
    environ = {"CONTENT_LENGTH": str(length)} if length is not None else {}
    response = client.open(
        path,
        method="POST",
        input_stream=stream,
        content_type="application/json",
        headers={"Origin": ORIGIN, **headers},
        environ_overrides=environ,
    )
    return response.status_code, stream.reads


@pytest.mark.parametrize(
    ("path", "length", "headers", "status"),
    [
        ("/_dash-update-component", 1_000_000, {}, 413),  # over the cap: 413 before the 401
        ("/_dash-update-component", 33_000_000, {}, 413),
        ("/_dash-update-component", body_guard.ANONYMOUS_MAX_BODY + 1, {}, 401),
        ("/_dash-update-component", None, {"Transfer-Encoding": "chunked"}, 401),
        ("/health", 100, {}, 401),
        ("/lang/en", 100, {}, 401),
        ("/inkop", 100, {}, 401),
    ],
)
def test_an_anonymous_body_is_refused_unread(
    clients: dict[str | None, Any],
    path: str,
    length: int | None,
    headers: dict[str, str],
    status: int,
) -> None:
    assert _post(clients[None], path, length, **headers) == (status, 0)


def test_the_cap_answers_a_logged_in_client_first_too(clients: dict[str | None, Any]) -> None:
    assert _post(clients["admin"], "/_dash-update-component", 1_000_000) == (413, 0)


def test_the_login_form_fits_the_anonymous_limit_many_times_over(app: Any) -> None:
    """A long name and password still leave room: the limit refuses no real login."""
    request = login_body(app, "n" * 200, "p" * 500)
    assert len(json.dumps(request).encode()) * 4 < body_guard.ANONYMOUS_MAX_BODY


def test_a_logged_in_client_may_send_an_upload_past_the_anonymous_limit(
    app: Any, clients: dict[str | None, Any]
) -> None:
    contents = "data:text/csv;base64," + "QQ" * (body_guard.ANONYMOUS_MAX_BODY // 2)
    request = upload_body(app, "invoices", contents, "stor.csv")
    response = clients["procurement"].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert len(json.dumps(request)) > body_guard.ANONYMOUS_MAX_BODY
    assert response.status_code == 200, response.data[:300]
    anonymous = clients[None].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert anonymous.status_code == 401


@pytest.fixture
def echo_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Flask's threaded server on a free port: POST /echo answers the body's length, read
    through ``BodyDeadline`` with a 1 s grace and 10 kB/s."""
    monkeypatch.setattr(body_guard, "BODY_GRACE_S", 1.0)
    monkeypatch.setattr(body_guard, "MIN_BODY_RATE", 10_000)
    echo = flask.Flask("echo")
    echo.add_url_rule("/echo", "echo", lambda: str(len(flask.request.get_data())), methods=["POST"])
    echo.register_error_handler(408, body_guard.too_slow)
    echo.wsgi_app = body_guard.BodyDeadline(echo.wsgi_app, 10_000_000)  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, echo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()


def _send(port: int, length: int, chunks: Iterator[bytes]) -> tuple[bytes, float]:
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(
            f"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server gave up on us
        answer = sock.recv(4096)
    return answer, time.monotonic() - start


def _dribble(seconds: float) -> Iterator[bytes]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        yield b"a"
        time.sleep(0.2)


def test_a_dribbled_body_is_cut_at_its_deadline(echo_server: int) -> None:
    """1,000 bytes may take 1 s + 0.1 s; one byte every 0.2 s would take 200 s."""
    answer, seconds = _send(echo_server, 1000, _dribble(10))
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert "too slowly" in answer.decode("utf-8", "replace")
    assert 1.0 <= seconds < 3.0, seconds


def test_a_body_at_a_normal_pace_is_read_whole(echo_server: int) -> None:
    """200 kB in 20 pieces over 1 s (200 kB/s): within its 21 s, and nothing is lost."""

    def steady() -> Iterator[bytes]:
        for _ in range(20):
            yield b"b" * 10_000
            time.sleep(0.05)

    answer, _seconds = _send(echo_server, 200_000, steady())
    assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    assert answer.endswith(b"200000")
