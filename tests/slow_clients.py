"""Slow clients against a server on 127.0.0.1, and a /health probe while they hold on.

Shared by the quick served test (tests/dashboard/test_slow_clients.py) and the slow-client stage
of `make stress` (benchmarks/stress.py). Three shapes, each a raw socket:

- ``body``: a POST to the callback endpoint that announces ``Content-Length: 1000000`` and then
  sends one byte every ``interval`` seconds (the finding of issue 21), with or without a session
  cookie;
- ``headers``: a request whose header block never ends, one byte every ``interval`` seconds
  (slowloris).

``hold`` runs groups of them together for ``seconds`` while a probe asks ``/health`` every
``probe_every`` seconds on a new connection, and reports how the probe fared and what the slow
clients got back (status and after how long), so a report can say what holds and what does not.
``start_gunicorn`` serves the app on a free port for them.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app_process import free_port, wait_healthy

CALLBACK = "/_dash-update-component"
ANNOUNCED_BYTES = 1_000_000


@dataclass
class SlowClient:
    """What one slow client saw: the status line's code (None: no answer), when, how it ended."""

    status: int | None = None
    answered_after_s: float | None = None
    closed_after_s: float | None = None
    bytes_sent: int = 0
    error: str | None = None


@dataclass
class Probe:
    """The /health latencies (seconds) and the probes that got no 200 within the timeout."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def session_cookie(port: int, name: str, password: str) -> str:
    """Log in through the login form's callback (as the browser does); the Cookie header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/_dash-dependencies")
        dependencies = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    callback = next(c for c in dependencies if "login-message" in c["output"])
    values = {
        "login-submit.n_clicks": 1,
        "login-password.n_submit": 0,
        "login-name.value": name,
        "login-password.value": password,
    }

    def fill(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in items
        ]

    output = callback["output"]
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    inputs = fill(callback["inputs"])
    body = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": fill(callback["state"]),
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            CALLBACK,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"},
        )
        response = connection.getresponse()
        response.read()
        cookies = [h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie") or []]
    finally:
        connection.close()
    if response.status != 200 or not cookies:
        raise RuntimeError(f"login of {name} failed: HTTP {response.status}")
    return "; ".join(cookies)


def _status(data: bytes) -> int | None:
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def _opening(shape: str, port: int, cookie: str | None, announced: int) -> bytes:
    host = f"127.0.0.1:{port}"
    if shape == "headers":
        return f"GET /health HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode()
    lines = [
        f"POST {CALLBACK} HTTP/1.1",
        f"Host: {host}",
        f"Origin: http://{host}",
        "Content-Type: application/json",
        f"Content-Length: {announced}",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _slow_client(
    port: int,
    group: Group,
    interval: float,
    until: float,
    result: SlowClient,
    started: threading.Event,
) -> None:
    begin = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(_opening(group.shape, port, group.cookie, group.announced))
            started.set()
            received = b""
            while time.monotonic() < until:
                ready, _, _ = select.select([sock], [], [], interval)
                if ready:
                    chunk = sock.recv(65536)
                    if not chunk:
                        result.closed_after_s = time.monotonic() - begin
                        break
                    if result.status is None:
                        received += chunk
                        result.status = _status(received)
                        result.answered_after_s = time.monotonic() - begin
                    continue
                sock.sendall(b"{" if result.bytes_sent == 0 and group.shape == "body" else b"a")
                result.bytes_sent += 1
    except OSError as exc:  # reset by the server: it gave up on us, which is what it should do
        result.closed_after_s = time.monotonic() - begin
        result.error = type(exc).__name__
    finally:
        started.set()


def _probe_once(port: int, timeout: float) -> float | str:
    begin = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(
                f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
            )
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        return f"{type(exc).__name__} after {time.monotonic() - begin:.1f} s"
    status = _status(data)
    if status != 200:
        return f"HTTP {status} after {time.monotonic() - begin:.1f} s"
    return time.monotonic() - begin


@dataclass(frozen=True)
class Group:
    """``count`` slow clients of one ``shape`` (``body`` or ``headers``), with ``cookie`` as
    their session (None: anonymous), a body of ``announced`` bytes announced; ``label`` names
    them in a report."""

    label: str
    shape: str
    count: int
    cookie: str | None = None
    announced: int = ANNOUNCED_BYTES


def hold(
    port: int,
    groups: Sequence[Group],
    seconds: float,
    *,
    interval: float = 5.0,
    probe_every: float = 0.25,
    probe_timeout: float = 5.0,
) -> dict[str, Any]:
    """Every group's slow clients at once for ``seconds``, /health probed meanwhile.

    The probe starts once every slow client has sent its opening, so they hold their
    connections while it runs. Returns the probe's figures (milliseconds) and, per group, what
    its clients got back (seconds).
    """
    for group in groups:
        if group.shape not in ("body", "headers"):
            raise ValueError(f"unknown shape {group.shape!r}: body or headers")
    until = time.monotonic() + seconds
    clients = {group.label: [SlowClient() for _ in range(group.count)] for group in groups}
    threads, started = [], []
    for group in groups:
        for client in clients[group.label]:
            event = threading.Event()
            args = (port, group, interval, until, client, event)
            threads.append(threading.Thread(target=_slow_client, args=args, daemon=True))
            started.append(event)
    for thread in threads:
        thread.start()
    for event in started:
        event.wait(10)
    probe = Probe()
    while time.monotonic() < until:
        outcome = _probe_once(port, probe_timeout)
        if isinstance(outcome, str):
            probe.failures.append(outcome)
        else:
            probe.latencies.append(outcome)
        time.sleep(max(0.0, min(probe_every, until - time.monotonic())))
    for thread in threads:
        thread.join(interval + 15)
    latencies = sorted(probe.latencies)
    return {
        "seconds": seconds,
        "interval_s": interval,
        "probes": len(latencies) + len(probe.failures),
        "probe_failures": len(probe.failures),
        "probe_failure_samples": probe.failures[:3],
        "health_p50_ms": _ms(statistics.median(latencies)) if latencies else None,
        "health_max_ms": _ms(latencies[-1]) if latencies else None,
        "groups": [_group_summary(group, clients[group.label]) for group in groups],
    }


def _ms(value: float) -> float:
    return round(value * 1000, 1)


def _group_summary(group: Group, clients: list[SlowClient]) -> dict[str, Any]:
    answered = [c for c in clients if c.status is not None]
    return {
        "label": group.label,
        "shape": group.shape,
        "clients": group.count,
        "logged_in": group.cookie is not None,
        "announced": group.announced if group.shape == "body" else None,
        "statuses": sorted({c.status for c in answered if c.status is not None}),
        "answered": len(answered),
        "answered_after_min_s": round(min(c.answered_after_s or 0.0 for c in answered), 1)
        if answered
        else None,
        "answered_after_max_s": round(max(c.answered_after_s or 0.0 for c in answered), 1)
        if answered
        else None,
        "still_open": sum(1 for c in clients if c.status is None and c.closed_after_s is None),
        "bytes_sent_max": max((c.bytes_sent for c in clients), default=0),
    }


def start_gunicorn(
    repo: Path, folder: Path, arguments: Sequence[str], env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int]:
    """``gunicorn app:server *arguments`` on a free port of 127.0.0.1, answering /health; the
    output goes to ``folder``/gunicorn.log. The caller stops it (``stop``)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    port = free_port()
    command = [str(gunicorn), *arguments, "app:server", "-b", f"127.0.0.1:{port}"]
    with (folder / "gunicorn.log").open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env={**os.environ, **env, "PYTHONPATH": str(repo)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
    except BaseException:
        stop(process)
        raise
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
