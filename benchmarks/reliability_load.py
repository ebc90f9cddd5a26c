"""Bounded load test of the real app (issue 7, item 6): viewers and uploaders on 127.0.0.1.

1. A fresh SQLite database with one user per simulated client (``viewer01``… with the viewer
   role, ``inkop1``… with the procurement role, as an agency gives each person a login) is
   created, then the real app is started on it as deployed (``gunicorn -c
   python:spendanalys.dashboard.gunicorn_conf app:server``; or ``python app.py``, Flask's
   threaded server, with ``--server dev``); it seeds the sample data.
2. Every simulated client logs in through the login callback (a session cookie, as a browser).
   One shared name would not do: the login brake counts an attempt from before its password
   check until the check has succeeded (so parallel guesses get no more checks than it allows),
   and 20 people logging in to one name at the same second look like 20 guesses.
3. ``viewers`` threads replay the dashboard's callbacks for the pages a viewer sees, with the
   request bodies a browser would send (discovered from ``/_dash-dependencies`` and the rendered
   layouts; helpers shared with ``benchmarks/load_dashboard.py``), 0.5–2 s apart.
4. ``uploaders`` threads post the sample invoice file, each time with one distinct extra line and
   a distinct file name, through the real upload callback (base64 data URL in JSON), and confirm
   the staged version through the preview's callback, 5 s apart. The per-user hourly upload
   limit is raised for the run (``SPENDANALYS_UPLOADS_PER_HOUR``): the point is the dashboard
   while uploads run, the limit has its own tests.
5. After ``seconds``, the app is stopped and the database is checked: integrity_check, and every
   upload the server answered must be a stored, imported dataset version with its rows.

Result: status counts, 5xx count, callback p50/p95/p99 (also per callback, and for the
callbacks answered while an upload job or confirmation was under way), upload latencies,
uploads sent/stored, the host's load average over the run. ``--timeline FILE`` writes every
request (start, seconds, what) for a closer look.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.load_dashboard import (  # noqa: E402
    build_payload,
    free_port,
    index_components,
    percentile,
)

# The staged version id in a poll response: dcc.Store(id="upload-invoices-staged", data=N).
STAGED = re.compile(
    r'"data":\s*(\d+),\s*"id":\s*"upload-invoices-staged"|"id":\s*"upload-invoices-staged"[^}]*?"data":\s*(\d+)'
)
CALLBACK = "/_dash-update-component"
VIEWER_PAGES = ("/", "/inkop", "/resor", "/faktorer-och-metod")
PASSWORD = "stress-test-lösenord-1"
TIMEOUT_S = 180.0


class Session:
    """One browser: a cookie jar and same-origin headers on a new connection per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: Any = None, timeout: float = TIMEOUT_S
    ) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Origin": self.origin, "Accept": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for key, morsel in SimpleCookie(header).items():
                    self.cookies[key] = morsel.value
            return response.status, payload, time.perf_counter() - start
        except (OSError, http.client.HTTPException) as exc:
            return 0, str(exc).encode(), time.perf_counter() - start
        finally:
            conn.close()

    def json(self, path: str) -> Any:
        status, body, _ = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body[:200]!r}")
        return json.loads(body)


def _callback_with_output(dependencies: list[dict[str, Any]], component: str) -> dict[str, Any]:
    for callback in dependencies:
        if component in callback["output"]:
            return callback
    raise RuntimeError(f"no callback writes {component!r}: is the dashboard complete?")


def _body(
    callback: dict[str, Any], inputs: list[dict[str, Any]], state: list[dict[str, Any]]
) -> dict[str, Any]:
    output = callback["output"]
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    return {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }


def log_in(session: Session, dependencies: list[dict[str, Any]], name: str) -> None:
    callback = _callback_with_output(dependencies, "login-message")
    body = _body(
        callback,
        [
            {"id": "login-submit", "property": "n_clicks", "value": 1},
            {"id": "login-password", "property": "n_submit", "value": 0},
        ],
        [
            {"id": "login-name", "property": "value", "value": name},
            {"id": "login-password", "property": "value", "value": PASSWORD},
            {"id": "login-next", "property": "data", "value": None},  # no ?next= page
        ],
    )
    status, payload, _ = session.request("POST", CALLBACK, body)
    if status != 200 or not session.cookies:
        raise RuntimeError(f"login of {name} failed: HTTP {status} {payload[:200]!r}")


def viewer_jobs(session: Session, dependencies: list[dict[str, Any]]) -> list[tuple]:
    """(name, callback, page, components) for every replayable callback of the viewer pages."""
    shell: dict[str, dict[str, Any]] = {}
    index_components(session.json("/_dash-layout"), shell)
    router = _callback_with_output(dependencies, "_pages_content")
    rng = random.Random(7)
    jobs: list[tuple] = []
    for page in VIEWER_PAGES:
        components = dict(shell)
        payload = build_payload(router, components, page, rng)
        if payload is None:
            raise RuntimeError("the pages router callback could not be built")
        status, body, _ = session.request("POST", CALLBACK, payload)
        if status != 200:
            raise RuntimeError(f"rendering {page}: HTTP {status} {body[:200]!r}")
        index_components(json.loads(body), components)
        jobs.append((f"{page} (page)", router, page, components))
        for callback in dependencies:
            if callback is router or callback.get("clientside_function"):
                continue
            if "upload-" in json.dumps(callback):  # write paths: the uploaders' part
                continue
            if build_payload(callback, components, page, rng) is not None:
                jobs.append((f"{page} {callback['output'][:60]}", callback, page, components))
    return jobs


def invoice_file(tag: str) -> tuple[str, bytes]:
    """The sample invoice CSV plus one line unique to ``tag`` (so each upload is distinct)."""
    sample = REPO / "sample_data" / "leverantorsfakturor_2024.csv"
    if sample.is_file():
        base = sample.read_bytes()
        line = f"STRESS-{tag};2024-06-01;Stresstest AB;5566778899;6540;1 000,00;;{tag}\r\n"
        return f"fakturor_{tag}.csv", base.rstrip(b"\r\n") + b"\r\n" + line.encode("cp1252")
    rows = ["Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Konto;Belopp exkl. moms"]
    rows += [
        f"F-{i};2024-01-{1 + i % 28:02d};Lev {i % 50} AB;55600{i % 50:05d};6540;{i},50"
        for i in range(2000)
    ]
    rows.append(f"STRESS-{tag};2024-06-01;Stresstest AB;5566778899;6540;1 000,00")
    return f"fakturor_{tag}.csv", ("\n".join(rows) + "\n").encode("utf-8")


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: dict[int, int] = field(default_factory=dict)
    callback_seconds: list[float] = field(default_factory=list)
    by_callback: dict[str, list[float]] = field(default_factory=dict)
    upload_seconds: list[float] = field(default_factory=list)
    uploads: list[tuple[str, int, str]] = field(default_factory=list)  # file, status, outcome
    samples: list[str] = field(default_factory=list)
    # (start, seconds, what, status) of every viewer callback, start on the monotonic clock
    requests: list[tuple[float, float, str, int]] = field(default_factory=list)
    # (start, end) of every upload, from its first request to its confirmation's answer
    busy: list[tuple[float, float]] = field(default_factory=list)

    def add(self, status: int, began: float, seconds: float, what: str, body: bytes) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.requests.append((began, seconds, what, status))
            if status in (200, 204):
                self.callback_seconds.append(seconds)
                self.by_callback.setdefault(what, []).append(seconds)
            elif len(self.samples) < 10:
                self.samples.append(f"{what}: HTTP {status} {body[:160]!r}")

    def during_uploads(self) -> list[float]:
        """Seconds of the answered callbacks whose request overlapped an upload."""
        spans = sorted(self.busy)
        return [
            took
            for began, took, _what, status in self.requests
            if status in (200, 204) and any(a < began + took and began < b for a, b in spans)
        ]


def _viewer(
    port: int,
    dependencies: list,
    name: str,
    jobs: list[tuple],
    deadline: float,
    tally: Tally,
    seed: int,
) -> None:
    session = Session(port)
    log_in(session, dependencies, name)
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        what, callback, page, components = jobs[rng.randrange(len(jobs))]
        payload = build_payload(callback, components, page, rng)
        if payload is not None:
            began = time.monotonic()
            status, body, took = session.request("POST", CALLBACK, payload)
            tally.add(status, began, took, what, body)
        time.sleep(rng.uniform(0.5, 2.0))


def _upload_body(callback: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The body for ``callback`` with ``values`` ("id.property" -> value), None elsewhere."""
    items = {
        kind: [
            {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in callback.get(kind, [])
        ]
        for kind in ("inputs", "state")
    }
    return _body(callback, items["inputs"], items["state"])


def _uploader(
    port: int, dependencies: list, name: str, index: int, deadline: float, tally: Tally
) -> None:
    """Upload through the real callbacks: start the import job, then poll until it ends."""
    session = Session(port)
    log_in(session, dependencies, name)
    start = _callback_with_output(dependencies, "upload-invoices-job.data")
    poll = next(
        c
        for c in dependencies
        if "upload-invoices-result.children" in c["output"]
        and c is not start
        and any(i["property"] == "n_intervals" for i in c.get("inputs", []))
    )
    # An upload is staged first (issue 17): confirm it through the preview's own callback.
    decide = next(
        c
        for c in dependencies
        if any(i["id"] == "upload-invoices-confirm" for i in c.get("inputs", []))
    )
    number = 0
    while time.monotonic() < deadline:
        number += 1
        file_name, content = invoice_file(f"u{index}_{number:03d}")
        url = "data:text/csv;base64," + base64.b64encode(content).decode("ascii")
        accepted = {"contents": url, "filename": file_name}
        began, since = time.perf_counter(), time.monotonic()
        status, payload, _ = session.request(
            "POST", CALLBACK, _upload_body(start, {"upload-invoices-accepted.data": accepted})
        )
        outcome, ticks = "unknown", 0
        job_id = None
        if status == 200:
            job_id = json.loads(payload)["response"].get("upload-invoices-job", {}).get("data")
        while status == 200 and job_id and time.perf_counter() - began < TIMEOUT_S:
            ticks += 1
            values = {"upload-invoices-poll.n_intervals": ticks, "upload-invoices-job.data": job_id}
            status, payload, _ = session.request("POST", CALLBACK, _upload_body(poll, values))
            text = payload.decode("utf-8", "replace")
            if "upload-invoices-done" in text:
                outcome = "done"
                break
            staged = STAGED.search(text)
            if staged:
                values = {
                    "upload-invoices-confirm.n_clicks": 1,
                    "upload-invoices-staged.data": int(staged.group(1) or staged.group(2)),
                }
                status, payload, _ = session.request("POST", CALLBACK, _upload_body(decide, values))
                text = payload.decode("utf-8", "replace")
                outcome = "done" if "upload-invoices-done" in text else "error"
                break
            if "upload-invoices-error" in text or "message-error" in text:
                outcome = "error"
                break
            time.sleep(1.0)
        took = time.perf_counter() - began
        with tally.lock:
            tally.busy.append((since, time.monotonic()))
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            tally.uploads.append((file_name, status, outcome))
            if outcome == "done":
                tally.upload_seconds.append(took)
            elif len(tally.samples) < 10:
                tally.samples.append(f"upload {file_name}: HTTP {status} {payload[:200]!r}")
        time.sleep(5.0)


def _wait_healthy(session: Session, app: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise RuntimeError(f"the app exited with {app.returncode}")
        if session.request("GET", "/health", timeout=5)[0] == 200:
            return
        time.sleep(0.5)
    raise RuntimeError("the app did not answer /health in time")


def _ms(values: list[float], q: float) -> float | None:
    found = percentile(values, q)
    return None if found is None else round(found * 1000, 1)


# As deployed (README, "Serving on a server"): the committed configuration, 2 gthread workers
# of 32 threads on a 2-core host.
GUNICORN = ["-c", "python:spendanalys.dashboard.gunicorn_conf", "app:server"]
UPLOADS_PER_HOUR = "100000"  # the quota is not what this measures (module docstring, 4.)


def server_command(server: str, port: int) -> list[str]:
    """The command that serves the app on 127.0.0.1:``port``."""
    if server == "gunicorn":
        gunicorn = Path(sys.executable).with_name("gunicorn")
        return [str(gunicorn), *GUNICORN, "-b", f"127.0.0.1:{port}"]
    if server == "dev":
        return [sys.executable, str(REPO / "app.py"), "--host", "127.0.0.1", "--port", str(port)]
    raise ValueError(f"unknown server {server!r}: gunicorn or dev")


def viewer_name(k: int) -> str:
    return f"viewer{k + 1:02d}"


def uploader_name(k: int) -> str:
    return f"inkop{k + 1}"


def run(
    seconds: float = 300.0,
    viewers: int = 20,
    uploaders: int = 2,
    server: str = "gunicorn",
    timeline: Path | None = None,
) -> dict[str, Any]:
    """Run the load test; returns the figures (raises RuntimeError when it cannot run)."""
    from spendanalys.store.database import Store

    workdir = Path(tempfile.mkdtemp(prefix="spendanalys-stress-"))
    url = f"sqlite:///{workdir / 'stress.sqlite'}"
    store = Store(url)
    for k in range(viewers):
        store.add_user(viewer_name(k), PASSWORD, "viewer")
    for k in range(uploaders):
        store.add_user(uploader_name(k), PASSWORD, "procurement")
    store.close()
    port = free_port()
    env = {
        **os.environ,
        "SPENDANALYS_DATABASE_URL": url,
        "SPENDANALYS_SAMPLE_DIR": str(REPO / "sample_data"),
        "SPENDANALYS_UPLOADS_PER_HOUR": UPLOADS_PER_HOUR,
        # Every version keeps its rows, so each upload answered "done" is checked whole (with
        # the default 5, the retention rule prunes the older ones' rows by design).
        "SPENDANALYS_KEEP_VERSIONS": "all",
        "PYTHONPATH": str(REPO),  # gunicorn imports app:server from the checkout
    }
    log = (workdir / "app.log").open("wb")
    app = subprocess.Popen(
        server_command(server, port),
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    tally = Tally()
    result: dict[str, Any] = {
        "viewers": viewers,
        "uploaders": uploaders,
        "seconds": seconds,
        "server": " ".join(["gunicorn", *GUNICORN]) if server == "gunicorn" else "python app.py",
        "workdir": str(workdir),
    }
    try:
        probe = Session(port)
        _wait_healthy(probe, app, 600)
        dependencies = [c for c in probe.json("/_dash-dependencies")]
        log_in(probe, dependencies, viewer_name(0))
        jobs = viewer_jobs(probe, dependencies)
        result["callbacks_replayed"] = sorted({j[0] for j in jobs})
        started = time.monotonic()
        deadline = started + seconds
        load_before = os.getloadavg()
        threads = [
            threading.Thread(
                target=_viewer,
                args=(port, dependencies, viewer_name(k), jobs, deadline, tally, k),
                daemon=True,
            )
            for k in range(viewers)
        ]
        threads += [
            threading.Thread(
                target=_uploader,
                args=(port, dependencies, uploader_name(k), k, deadline, tally),
                daemon=True,
            )
            for k in range(uploaders)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 2 * TIMEOUT_S)
        result["load_average"] = {"before": load_before, "after": os.getloadavg()}
        if timeline is not None:
            rows = [(round(b - started, 3), round(t, 4), w, s) for b, t, w, s in tally.requests]
            uploads = [(round(a - started, 3), round(b - started, 3)) for a, b in tally.busy]
            timeline.write_text(json.dumps({"requests": rows, "uploads": uploads}))
    finally:
        app.send_signal(signal.SIGINT)
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(10)
        log.close()
    store = Store(url)
    try:
        versions = store.versions("invoices")
        stored = {row.file_name: row for row in versions.itertuples()}
        answered = [u for u in tally.uploads if u[1] == 200 and u[2] == "done"]
        lost = [u[0] for u in answered if u[0] not in stored or stored[u[0]].status != "imported"]
        result["integrity_check"] = store.integrity_check()
    finally:
        store.close()
    statuses = dict(sorted(tally.statuses.items()))
    result.update(
        {
            "statuses": statuses,
            "server_errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
            "transport_errors": statuses.get(0, 0),
            "callbacks": len(tally.callback_seconds),
            "callback_p50_ms": _ms(tally.callback_seconds, 50),
            "callback_p95_ms": _ms(tally.callback_seconds, 95),
            "callback_p99_ms": _ms(tally.callback_seconds, 99),
            **{f"during_uploads_p{q}_ms": _ms(tally.during_uploads(), q) for q in (50, 95, 99)},
            "uploads_sent": len(tally.uploads),
            "uploads_done": len(answered),
            "uploads_refused": [u for u in tally.uploads if u[2] != "done"],
            "uploads_lost": lost,
            "upload_p50_ms": _ms(tally.upload_seconds, 50),
            "upload_p95_ms": _ms(tally.upload_seconds, 95),
            "error_samples": tally.samples,
            "callback_p95_ms_by_callback": {
                what: _ms(times, 95) for what, times in sorted(tally.by_callback.items())
            },
        }
    )
    return result


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=2)
    parser.add_argument("--server", choices=["gunicorn", "dev"], default="gunicorn")
    parser.add_argument("--timeline", type=Path, help="write every request's timing here")
    args = parser.parse_args()
    figures = run(args.seconds, args.viewers, args.uploaders, args.server, args.timeline)
    print(json.dumps(figures, indent=2, default=str))
