"""Request bodies: refused unread when nobody is logged in, and read against a deadline.

Issue 21: a POST announcing a large ``Content-Length`` and then sending a byte every few seconds
kept a server thread reading it, with no login needed, and an anonymous 33 MB body was parsed
before its 401. Two defences, neither of which reads a byte it does not have to:

- ``refuse_unread_bodies`` (a ``before_request`` hook, run before the security guard): a body
  over the request cap gets 413; an anonymous client (no valid session, not the demo mode) may
  only post to the callback endpoint, for the page router and the login form, and to
  ``/logout``, with a ``Content-Length`` of at most ``ANONYMOUS_MAX_BODY``; anything else gets
  401 with the body unread (the login form sends a few hundred bytes);
- ``BodyDeadline`` (WSGI middleware): a body must arrive within ``BODY_GRACE_S`` plus its
  length at ``MIN_BODY_RATE`` bytes a second (a 33 MB upload: 11 minutes; the login form: 10 s);
  past that the read fails and the client gets 408. A per-process watchdog thread enforces it
  on the connection's socket, since the servers' body readers loop over ``recv`` inside one
  ``read`` call.

What this does not cover: the server reads the request line and headers before any of this
runs, and neither gunicorn nor Flask's server limits how long that may take. A reverse proxy in
front (nginx's ``client_header_timeout`` and ``client_body_timeout``, README) does.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import flask
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestTimeout

from spendanalys.dashboard import security

ANONYMOUS_MAX_BODY = 16 * 1024
ANONYMOUS_PATHS = frozenset({security.CALLBACK_PATH, "/logout"})
BODY_GRACE_S = 10.0
MIN_BODY_RATE = 50_000  # bytes a second: 400 kbit/s, below any office link
_EXPIRED_TIMEOUT_S = 0.05
_SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")

PLEASE_LOG_IN = "Logga in först. / Please log in."
TOO_SLOW = (
    "Förfrågan kom in för långsamt och avbröts. / The request arrived too slowly and was dropped."
)


def refuse_unread_bodies() -> ResponseReturnValue | None:
    """``before_request`` hook: 413 over the cap, 401 for an anonymous body it will not read."""
    request = flask.request
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    length = request.content_length
    cap = request.max_content_length
    if length is not None and cap is not None and length > cap:
        flask.abort(413)  # the security module's handler words it
    if security.current_role() is not None:
        return None
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.path in ANONYMOUS_PATHS and not chunked and (length or 0) <= ANONYMOUS_MAX_BODY:
        return None
    return flask.Response(PLEASE_LOG_IN, 401, mimetype="text/plain")


def too_slow(_error: Exception) -> ResponseReturnValue:
    """The 408 page: plain text in both languages."""
    return flask.Response(TOO_SLOW, 408, mimetype="text/plain")


def body_deadline_s(length: int) -> float:
    """Seconds a body of ``length`` bytes may take to arrive: grace + length / minimum rate."""
    return BODY_GRACE_S + length / MIN_BODY_RATE


class _Watch:
    """One body being read: its socket, deadline and the socket's own timeout to restore."""

    def __init__(self, sock: socket.socket | None, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.timeout = sock.gettimeout() if sock is not None else None
        self.expired = False
        self.released = False


class _Watchdog:
    """A thread per process that cuts the socket timeout of a body read past its deadline.

    The servers read a body with a loop of ``recv`` calls inside one ``read``, each waiting as
    long as the socket's timeout allows; a short timeout makes the next one fail at once.
    """

    def __init__(self, tick_s: float = 0.2) -> None:
        self._tick_s = tick_s
        self._lock = threading.Lock()
        self._watches: set[_Watch] = set()
        self._thread: threading.Thread | None = None

    def watch(self, watch: _Watch) -> None:
        with self._lock:
            self._watches.add(watch)
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(
                    target=self._run, name="spendanalys-body-deadline", daemon=True
                )
                self._thread.start()

    def release(self, watch: _Watch) -> None:
        """Stop watching; the socket gets its timeout back (it may answer the client now)."""
        with self._lock:
            if watch.released:
                return
            watch.released = True
            self._watches.discard(watch)
            if watch.expired and watch.sock is not None:
                with contextlib.suppress(OSError):
                    watch.sock.settimeout(watch.timeout)

    def _run(self) -> None:
        while True:
            time.sleep(self._tick_s)
            now = time.monotonic()
            with self._lock:
                for watch in self._watches:
                    if not watch.expired and now >= watch.deadline:
                        watch.expired = True
                        if watch.sock is not None:
                            with contextlib.suppress(OSError):
                                watch.sock.settimeout(_EXPIRED_TIMEOUT_S)


_WATCHDOG = _Watchdog()


class _DeadlineStream:
    """``wsgi.input`` read against the request's deadline; 408 (RequestTimeout) past it."""

    def __init__(self, inner: Any, watch: _Watch, length: int | None) -> None:
        self._inner = inner
        self._watch = watch
        self._length = length
        self._read = 0

    def _call(self, method: Callable[..., bytes], *args: Any) -> bytes:
        if self._watch.expired or time.monotonic() >= self._watch.deadline:
            self._watch.expired = True
            raise RequestTimeout()
        try:
            data = method(*args)
        except OSError:  # TimeoutError from the socket, or a file object broken by one
            if self._watch.expired or time.monotonic() >= self._watch.deadline:
                raise RequestTimeout() from None
            raise
        self._read += len(data)
        if not data or (self._length is not None and self._read >= self._length):
            _WATCHDOG.release(self._watch)  # the whole body is in: the response is not limited
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._call(self._inner.read, -1 if size is None else size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._call(self._inner.readline, -1 if size is None else size)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class BodyDeadline:
    """WSGI middleware: every request body is read against ``body_deadline_s`` of its length
    (``max_body`` for a chunked body, whose length is not announced)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            length: int | None = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        if chunked:
            length = None
        if not length and not chunked:
            return self.app(environ, start_response)
        sock = next(
            (s for k in _SOCKET_KEYS if isinstance(s := environ.get(k), socket.socket)), None
        )
        limit = self.max_body if length is None else min(length, self.max_body)
        watch = _Watch(sock, time.monotonic() + body_deadline_s(limit))
        environ["wsgi.input"] = _DeadlineStream(environ["wsgi.input"], watch, length)
        if sock is not None:
            _WATCHDOG.watch(watch)
        try:
            return self.app(environ, start_response)
        finally:
            _WATCHDOG.release(watch)
