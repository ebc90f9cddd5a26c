"""The demo mode serves this machine only (issue 21: DNS rebinding).

While no users exist every request acts as the administrator, so a page on another site that
rebinds its name to 127.0.0.1 would read and write everything through the visitor's browser.
``refuse_outside_demo`` is the first ``before_request`` hook: in demo mode it answers

- 421 Misdirected Request when the Host header is not a loopback name or address
  (``localhost``, 127.0.0.0/8, ``[::1]``, with or without a port);
- 403 when the client or the connection's local address is not on loopback.

It reads headers and the socket only, never the body. The values are taken as the server
received them (``KeepReceived``, the outermost WSGI middleware), before the proxy middleware
(``SPENDANALYS_BEHIND_PROXY``) rewrites them from ``X-Forwarded-*`` headers, which a rebinding
page could set on its own same-origin requests. Outside demo mode it does nothing: logins and
roles apply.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import Any

import flask
from flask.typing import ResponseReturnValue

from spendanalys.dashboard import security
from spendanalys.dashboard.binding import is_loopback_address, is_loopback_host

WRONG_HOST = (
    "Demoläget svarar bara på den här datorn: öppna http://localhost eller http://127.0.0.1. / "
    "Demo mode answers on this machine only: open http://localhost or http://127.0.0.1."
)
NOT_LOCAL = (
    "Demoläget är bara för den här datorn; lägg till användare för att dela appen. / "
    "Demo mode is for this machine only; add users to share the app."
)
# Where the servers put the connection's socket in the WSGI environ.
_SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")
RECEIVED = "spendanalys.received"
_KEPT = ("HTTP_HOST", "REMOTE_ADDR", "SERVER_NAME")


class KeepReceived:
    """WSGI middleware, outermost: keeps Host, client and server name as the server received
    them, for ``refusal``, whatever the middleware inside rewrites."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[RECEIVED] = {key: environ.get(key) for key in _KEPT}
        return self.app(environ, start_response)


def _received(environ: dict[str, Any]) -> dict[str, Any]:
    kept = environ.get(RECEIVED)
    return kept if isinstance(kept, dict) else environ


def local_address(environ: dict[str, Any]) -> str | None:
    """The address the client connected to (the socket's own end); else the listening address
    the server put in SERVER_NAME (a test client: ``localhost``); None when neither is known."""
    for key in _SOCKET_KEYS:
        sock = environ.get(key)
        if isinstance(sock, socket.socket):
            try:
                name = sock.getsockname()
            except OSError:
                return None
            return str(name[0]) if isinstance(name, tuple) else str(name)
    server_name = _received(environ).get("SERVER_NAME")
    return str(server_name) if server_name else None


def refusal(environ: dict[str, Any]) -> flask.Response | None:
    """The answer to a demo-mode request from elsewhere than this machine; None when it is
    local. Checked in this order: Host (421), client address, local address (403)."""
    received = _received(environ)
    if not is_loopback_host(received.get("HTTP_HOST")):
        return flask.Response(WRONG_HOST, 421, mimetype="text/plain")
    local = local_address(environ)
    if not is_loopback_address(received.get("REMOTE_ADDR")) or not (
        local == "localhost" or is_loopback_address(local)
    ):
        return flask.Response(NOT_LOCAL, 403, mimetype="text/plain")
    return None


def refuse_outside_demo() -> ResponseReturnValue | None:
    """``before_request`` hook: in demo mode, refuse a request not from and to this machine."""
    if not security.demo_mode():
        return None
    return refusal(flask.request.environ)
