"""Load test of the dashboard's data path: viewers replaying the overview and ranking callbacks.

1. Imports the benchmark register, an invoice export of ``--lines`` lines, trips and FTE into a
   fresh SQLite database through ``spendanalys.services.uploads.import_upload`` (the upload path);
2. starts the real app (``python app.py --port <free>``) on 127.0.0.1 against that database;
3. discovers the callbacks from ``/_dash-dependencies``, renders each page once through the pages
   router callback (the first view, timed separately: it may compute and cache the analysis) and
   collects the components' initial property values;
4. runs ``--users`` concurrent simulated viewers for ``--seconds`` seconds, each POSTing the
   pages' callbacks to ``/_dash-update-component`` in turn (dropdowns get a random option; a
   server-side grid gets a random page of rows; a grid selection gets one of the rows the grid
   received, so the drill-down runs), and records latency per callback.

Latency is measured at the client on the loopback interface: server time plus queueing, which is
what a viewer waits for. 200 and 204 (no update) count as success. Writes a JSON summary with
``--json-out``; ``run_benchmarks.py`` puts it into RESULTS.md. ``--url`` load-tests an already
running app instead (no import, no start).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

PAGES = ("/", "/inkop")  # overview and procurement ranking
# A viewer does not upload: callbacks that only feed the upload widgets are not replayed.
VIEWER_SKIPS = ("upload",)
SKIP_INPUT_PROPS = {"contents", "filename", "n_clicks", "n_submit", "last_modified"}
TIMEOUT_S = 60.0
FIRST_VIEW_TIMEOUT_S = 600.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- data ------------------------------------------------------------------------------------


def import_data(db_url: str, lines: int) -> dict[str, Any]:
    """Generate the benchmark inputs and store them through the upload service."""
    from benchmarks import generate, generate_travel
    from spendanalys import services
    from spendanalys.store.database import Store

    folder = HERE / "generated"
    folder.mkdir(exist_ok=True)
    register = generate.make_register()
    # The files of the last ``make bench`` run are reused (same seed, same bytes).
    writers = {
        "contracts": (folder / "avtal.csv", lambda p: generate.write_contracts_csv(register, p)),
        "invoices": (
            folder / f"fakturor_{lines}.csv",
            lambda p: generate.write_invoices_csv(generate.make_invoices(register, lines), p),
        ),
        "trips": (folder / "resor.csv", lambda p: generate_travel.write_trips_csv(100_000, p)),
        "fte": (folder / "arsarbetskrafter.csv", generate_travel.write_fte_csv),
    }
    files: dict[str, Path] = {}
    for kind, (path, write) in writers.items():
        if not path.exists():
            write(path)
        files[kind] = path
    timings: dict[str, float] = {}
    store = Store(db_url)
    try:
        for kind, path in files.items():
            start = time.perf_counter()
            outcome = services.import_upload(
                store, kind, path.name, path.read_bytes(), user="benchmark", role="admin"
            )
            if outcome.error:
                raise RuntimeError(f"import of {path.name} failed: {outcome.error}")
            timings[kind] = time.perf_counter() - start
    finally:
        store.close()
    return {"import_seconds": timings}


# ---- the app ---------------------------------------------------------------------------------


class Client:
    """A tiny HTTP client for one host (a new connection per request, like a browser tab)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def request(
        self, method: str, path: str, body: Any = None, timeout: float = TIMEOUT_S
    ) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {"Origin": self.origin, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            payload = response.read()
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


def start_app(db_url: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SPENDANALYS_DATABASE_URL": db_url}
    log = (workdir / "app.log").open("wb")
    return subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_healthy(client: Client, app: subprocess.Popen[bytes] | None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app is not None and app.poll() is not None:
            raise RuntimeError(f"the app exited with {app.returncode}")
        status, _, _ = client.request("GET", "/health", timeout=5)
        if status == 200:
            return
        time.sleep(0.5)
    raise RuntimeError("the app did not answer /health in time")


# ---- callbacks -------------------------------------------------------------------------------


def index_components(node: Any, found: dict[str, dict[str, Any]]) -> None:
    """Every component with a string id in a serialised Dash layout: id → props."""
    if isinstance(node, list):
        for item in node:
            index_components(item, found)
    elif isinstance(node, dict):
        props = node.get("props")
        if "type" in node and isinstance(props, dict):
            if isinstance(props.get("id"), str):
                found[props["id"]] = {**props, "__type": node["type"]}
            for value in props.values():
                index_components(value, found)
        else:
            for value in node.values():
                index_components(value, found)


def remember_rows(body: Any, components: dict[str, dict[str, Any]]) -> None:
    """Rows a server-side grid received (``getRowsResponse``): later a viewer selects one."""
    response = body.get("response") if isinstance(body, dict) else None
    for cid, props in (response or {}).items():
        rows = (props or {}).get("getRowsResponse", {}) if isinstance(props, dict) else {}
        if cid in components and isinstance(rows, dict) and rows.get("rowData"):
            components[cid]["__rows"] = rows["rowData"]
            components[cid]["__row_count"] = rows.get("rowCount")


def parse_outputs(output: str) -> list[dict[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]


def _is_location(props: dict[str, Any]) -> bool:
    return str(props.get("__type", "")) == "Location"


def input_value(props: dict[str, Any], prop: str, page: str, rng: random.Random) -> Any:
    """A realistic value for one callback input, from the component's initial properties."""
    if _is_location(props):
        return {"pathname": page, "search": "", "hash": "", "href": f"http://127.0.0.1{page}"}.get(
            prop
        )
    if prop == "getRowsRequest":
        # A block within the rows the grid reported (2,000 until it has answered once).
        blocks = max(1, -(-int(props.get("__row_count") or 2000) // 100))
        start = rng.randrange(0, min(blocks, 20)) * 100
        return {"startRow": start, "endRow": start + 100, "sortModel": [], "filterModel": {}}
    if prop == "selectedRows" and props.get("__rows"):
        return [rng.choice(props["__rows"])]  # a viewer clicks a row of the grid
    value = props.get(prop)
    options = props.get("options")
    if prop == "value" and isinstance(options, list) and options:
        choices = [o.get("value") if isinstance(o, dict) else o for o in options]
        pick = rng.choice(choices)
        return [pick] if isinstance(value, list) else pick
    return value


def build_payload(
    callback: dict[str, Any], components: dict[str, dict[str, Any]], page: str, rng: random.Random
) -> dict[str, Any] | None:
    """The request body a browser would send for ``callback``, or None when it cannot be built
    (a pattern-matching id, an input that is not on the page, a user action like an upload)."""
    inputs, state = [], []
    for kind, items in (
        ("input", callback.get("inputs", [])),
        ("state", callback.get("state", [])),
    ):
        for item in items:
            cid, prop = item["id"], item["property"]
            if cid.startswith("{") or cid not in components:
                return None
            if kind == "input" and prop in SKIP_INPUT_PROPS:
                return None
            entry = {
                "id": cid,
                "property": prop,
                "value": input_value(components[cid], prop, page, rng),
            }
            (inputs if kind == "input" else state).append(entry)
    outputs = parse_outputs(callback["output"])
    if any(o["id"].startswith("{") for o in outputs):
        return None
    if all(o["id"].startswith(VIEWER_SKIPS) for o in outputs):
        return None
    return {
        "output": callback["output"],
        "outputs": outputs
        if len(outputs) > 1 or callback["output"].startswith("..")
        else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs[:1]],
    }


def _name(callback: dict[str, Any]) -> str:
    return ", ".join(f"{o['id']}.{o['property']}" for o in parse_outputs(callback["output"]))[:80]


Job = tuple[str, dict[str, Any], str, dict[str, dict[str, Any]]]  # name, callback, page, components


def discover(
    client: Client, rng: random.Random, deadline: float
) -> tuple[list[Job], dict[str, float], list[str]]:
    """The callbacks of each page with their components, and how long the first view took."""
    dependencies = [
        c for c in client.json("/_dash-dependencies") if not c.get("clientside_function")
    ]
    shell: dict[str, dict[str, Any]] = {}
    index_components(client.json("/_dash-layout"), shell)
    router = next((c for c in dependencies if "_pages_content" in c["output"]), None)
    jobs: list[Job] = []
    first_view: dict[str, float] = {}
    notes: list[str] = []
    for page in PAGES:
        components = dict(shell)
        if router is not None:
            payload = build_payload(router, components, page, rng)
            if payload is None:
                notes.append("the pages router callback could not be built")
                break
            status, body, seconds = client.request(
                "POST", "/_dash-update-component", payload, timeout=_left(deadline)
            )
            first_view[f"{page} (page render)"] = seconds
            if status != 200:
                notes.append(f"rendering {page}: HTTP {status} {body[:200]!r}")
                continue
            index_components(json.loads(body), components)
            jobs.append((f"{page} (page render)", router, page, components))
        for callback in dependencies:
            if callback is router:
                continue
            payload = build_payload(callback, components, page, rng)
            if payload is None:
                continue
            # The first call of each callback may fill a cache: done once here, timed apart.
            name = f"{page} {_name(callback)}"
            status, body, seconds = client.request(
                "POST", "/_dash-update-component", payload, timeout=_left(deadline)
            )
            first_view[name] = seconds
            if status not in (200, 204):
                notes.append(f"{name}: HTTP {status} {body[:200]!r}")
            elif status == 200:
                index_components(json.loads(body), components)
                remember_rows(json.loads(body), components)
            jobs.append((name, callback, page, components))
    return jobs, first_view, notes


def _left(deadline: float) -> float:
    """Seconds a first-view request may take: what is left of the run's budget (at least 5)."""
    return max(5.0, min(FIRST_VIEW_TIMEOUT_S, deadline - time.monotonic()))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def _stats(latencies: list[float], errors: int, sizes: list[int]) -> dict[str, Any]:
    ms = [s * 1000 for s in latencies]
    return {
        "requests": len(ms) + errors,
        "errors": errors,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "mean_kb": sum(sizes) / len(sizes) / 1024 if sizes else None,
    }


def run_load(client: Client, jobs: list[Job], users: int, seconds: float) -> dict[str, Any]:
    """``users`` threads, each cycling through the jobs from its own starting point."""
    latencies: dict[str, list[float]] = {job[0]: [] for job in jobs}
    errors: dict[str, int] = {job[0]: 0 for job in jobs}
    sizes: dict[str, list[int]] = {job[0]: [] for job in jobs}
    samples: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def viewer(seed: int) -> None:
        rng = random.Random(seed)
        i = seed
        while time.monotonic() < deadline:
            name, callback, page, components = jobs[i % len(jobs)]
            i += 1
            payload = build_payload(callback, components, page, rng)
            if payload is None:
                continue
            status, body, took = client.request("POST", "/_dash-update-component", payload)
            with lock:
                if status in (200, 204):
                    latencies[name].append(took)
                    sizes[name].append(len(body))
                else:
                    errors[name] += 1
                    if len(samples) < 10:
                        samples.append(f"{name}: HTTP {status} {body[:120]!r}")

    threads = [threading.Thread(target=viewer, args=(k,), daemon=True) for k in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + TIMEOUT_S + 5)
    every = [x for values in latencies.values() for x in values]
    every_size = [x for values in sizes.values() for x in values]
    return {
        "callbacks": {n: _stats(latencies[n], errors[n], sizes[n]) for n in latencies},
        "overall": _stats(every, sum(errors.values()), every_size),
        "error_samples": samples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load-test the dashboard callbacks")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--lines", type=int, default=1_000_000, help="invoice lines to import")
    parser.add_argument("--url", default=None, help="test a running app instead (no import)")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument(
        "--max-total",
        type=float,
        default=480.0,
        help="seconds for the whole script: import, start, first views and load (bounded)",
    )
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.max_total
    result: dict[str, Any] = {"users": args.users, "seconds": args.seconds, "lines": args.lines}
    app = None
    workdir = Path(tempfile.mkdtemp(prefix="spendanalys-load-"))
    try:
        if not (REPO / "app.py").exists() and args.url is None:
            raise RuntimeError("app.py does not exist yet: the dashboard is not available")
        if args.url is None:
            db_url = f"sqlite:///{workdir / 'bench.sqlite'}"
            result.update(import_data(db_url, args.lines))
            secs = result["import_seconds"]
            result["import_note"] = "imported via services.import_upload in " + ", ".join(
                f"{k} {v:.0f} s" for k, v in secs.items()
            )
            port = free_port()
            app = start_app(db_url, port, workdir)
            client = Client(f"http://127.0.0.1:{port}")
        else:
            client = Client(args.url)
            result["import_note"] = f"existing app at {args.url}"
        wait_healthy(client, app)
        rng = random.Random(1)
        jobs, first_view, notes = discover(client, rng, deadline)
        result["first_view_seconds"] = first_view
        result["discovery_notes"] = notes
        if not jobs:
            raise RuntimeError("no overview/ranking callbacks found to replay: " + "; ".join(notes))
        seconds = min(args.seconds, deadline - time.monotonic() - TIMEOUT_S)
        if seconds < min(10.0, args.seconds):
            raise RuntimeError(
                f"no time left for the load run after the first views ({first_view})"
            )
        result["seconds"] = round(seconds, 1)
        result.update(run_load(client, jobs, args.users, seconds))
        result["status"] = "ok"
    except Exception as exc:
        result["status"] = "failed"
        result["note"] = f"{type(exc).__name__}: {exc}"
        log = workdir / "app.log"
        if log.exists():
            result["app_log_tail"] = log.read_text(errors="replace")[-1500:]
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
    text = json.dumps(result, indent=2, default=str)
    if args.json_out:
        args.json_out.write_text(text, encoding="utf-8")
    print(text if len(text) < 6000 else text[:6000])
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
