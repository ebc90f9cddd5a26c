"""`make stress`, slow clients (issue 21): does /health keep answering while they hold on?

Three runs against gunicorn on 127.0.0.1, each slow client a raw socket sending one byte every
5 s (helpers in tests/slow_clients.py, shared with the quick test in tests/dashboard/):

1. before: the README's former command (``-w 2 --timeout 300``, sync workers), with today's
   app: the finding's two anonymous POSTs announcing 1 MB, then two of the same with a
   session (what the app's refusal alone does not cover); figures only;
2. now: ``-c python:spendanalys.dashboard.gunicorn_conf`` (2 gthread workers of 32 threads)
   with 60 slow clients for 24 s, 20 of each kind: anonymous POSTs announcing 1 MB (refused
   unread at once), POSTs with a session announcing 250 kB (cut with 408 at the body deadline,
   15 s) and headers that never end (held as long as the client likes: nothing below a proxy
   caps them). Passes when every /health probe answered within 1 s and the two POST kinds got
   401 and 408 in time;
3. the limit: 70 header dribblers, more than the 64 threads, for 8 s; figures only. This is
   what the nginx in front (README) is for.

Bounded: about a minute with the two gunicorn starts.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

import slow_clients  # noqa: E402
from slow_clients import Group  # noqa: E402

from spendanalys.dashboard import body_guard  # noqa: E402
from spendanalys.store.database import Store  # noqa: E402

USER, PASSWORD = "ledning", "stress-test-lösenord-2"
SESSION_BODY = 250_000  # bytes: a 15 s deadline, so the run sees every 408
BEFORE = ["-w", "2", "--timeout", "300"]
NOW = ["-c", "python:spendanalys.dashboard.gunicorn_conf"]
INTERVAL_S = 5.0
HEALTH_LIMIT_MS = 1000.0


def _environment(folder: Path) -> dict[str, str]:
    url = f"sqlite:///{folder / 'slow.sqlite'}"
    Store(url).add_user(USER, PASSWORD, "viewer")
    (folder / "no-samples").mkdir()
    return {
        "SPENDANALYS_DATABASE_URL": url,
        "SPENDANALYS_SECRET_KEY": "stress-slow-" + "k" * 40,
        "SPENDANALYS_SAMPLE_DIR": str(folder / "no-samples"),
        "SPENDANALYS_JOB_DIR": str(folder / "jobs"),
    }


def _serve_and_hold(
    folder: Path, arguments: list[str], runs: list[tuple[str, list[Group], float]]
) -> dict[str, Any]:
    env = _environment(folder)
    process, port = slow_clients.start_gunicorn(REPO, folder, arguments, env)
    try:
        cookie = slow_clients.session_cookie(port, USER, PASSWORD)
        results: dict[str, list[dict[str, Any]]] = {}
        for name, groups, seconds in runs:
            with_cookie = [
                Group(
                    g.label,
                    g.shape,
                    g.count,
                    cookie if g.cookie == "session" else None,
                    g.announced,
                )
                for g in groups
            ]
            held = slow_clients.hold(port, with_cookie, seconds, interval=INTERVAL_S)
            results.setdefault(name, []).append(held)
        return results
    finally:
        slow_clients.stop(process)


def _now_ok(now: dict[str, Any]) -> tuple[bool, list[str]]:
    problems = []
    if now["probe_failures"] or (now["health_max_ms"] or 0) >= HEALTH_LIMIT_MS:
        problems.append("/health did not answer every probe within 1 s")
    anonymous, logged_in, _headers = now["groups"]
    if anonymous["statuses"] != [401] or anonymous["answered"] != anonymous["clients"]:
        problems.append("anonymous bodies were not all refused with 401")
    elif anonymous["answered_after_max_s"] >= 1.0:
        problems.append("an anonymous body was refused only after 1 s")
    deadline = body_guard.body_deadline_s(SESSION_BODY)
    if logged_in["statuses"] != [408] or logged_in["answered"] != logged_in["clients"]:
        problems.append("logged-in dribblers were not all cut with 408")
    elif not (
        logged_in["answered_after_min_s"] >= deadline - 1
        and logged_in["answered_after_max_s"] <= deadline + INTERVAL_S + 2
    ):
        problems.append(f"a logged-in dribbler was not cut at its deadline ({deadline:.0f} s)")
    return not problems, problems


def run() -> dict[str, Any]:
    """The three runs; ``ok`` is the verdict on the second."""
    folder = Path(tempfile.mkdtemp(prefix="spendanalys-slow-"))
    (folder / "before").mkdir()
    (folder / "now").mkdir()
    result: dict[str, Any] = {
        "workdir": str(folder),
        "before_command": BEFORE,
        "command": NOW,
        "at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs",
    }
    result.update(
        _serve_and_hold(
            folder / "before",
            BEFORE,
            [
                ("before", [Group("anonymous body", "body", 2)], 8.0),
                ("before", [Group("logged-in body", "body", 2, "session", SESSION_BODY)], 12.0),
            ],
        )
    )
    result.update(
        _serve_and_hold(
            folder / "now",
            NOW,
            [
                (
                    "now",
                    [
                        Group("anonymous body", "body", 20),
                        Group("logged-in body", "body", 20, "session", SESSION_BODY),
                        Group("headers", "headers", 20),
                    ],
                    24.0,
                ),
                ("limit", [Group("headers", "headers", 70)], 8.0),
            ],
        )
    )
    result["ok"], result["problems"] = _now_ok(result["now"][0])
    return result


def _answered(group: dict[str, Any]) -> str:
    if not group["answered"]:
        return "none answered"
    low, high = group["answered_after_min_s"], group["answered_after_max_s"]
    when = "at once (< 0.1 s)" if high < 0.1 else f"after {low}–{high} s"
    return f"{group['answered']} answered {', '.join(map(str, group['statuses']))} {when}"


def _rows(name: str, runs: list[dict[str, Any]]) -> list[str]:
    lines = []
    for run in runs:
        for group in run["groups"]:
            body = f", {group['announced']:,} B" if group["announced"] else ""
            lines.append(
                f"| {name} | {group['clients']} × {group['label']}{body} | {run['seconds']:.0f} s "
                f"| {run['probes'] - run['probe_failures']} / {run['probes']} | "
                f"{run['health_p50_ms']} / {run['health_max_ms']} | {_answered(group)}; "
                f"{group['still_open']} still open at the end |"
            )
    return lines


def report_lines(result: dict[str, Any]) -> list[str]:
    """The section of RELIABILITY.md."""
    lines = ["## 5. Slow clients", ""]
    if "not_run" in result:
        return [*lines, f"Not run: {result['not_run']}", ""]
    lines += [
        f"Run {result['at']}. Each slow client is a socket on 127.0.0.1 sending one byte every "
        f"{INTERVAL_S:.0f} s: a POST announcing a body (B: bytes; anonymous, or with a valid "
        "session), or a request whose headers never end. "
        "Meanwhile /health is asked every 0.25 s on a new connection (5 s timeout). "
        f"`before`: `gunicorn app:server {' '.join(result['before_command'])}` (the README's "
        f"former line); `now` and `limit`: `gunicorn {' '.join(result['command'])} app:server` "
        "(2 gthread workers × 32 threads, one connection per thread, no keep-alive).",
        "",
        "| run | slow clients | held | /health answered | /health p50 / max (ms) "
        "| what the slow clients got |",
        "|---|---|---|---|---|---|",
        *_rows("before", result["before"]),
        *_rows("now", result["now"]),
        *_rows("limit", result["limit"]),
        "",
        "What holds: an anonymous body is refused unread at once (401), whatever the worker; "
        "a logged-in one is cut at its deadline (408; 10 s + the body at 50 kB/s: "
        f"{body_guard.body_deadline_s(SESSION_BODY):.0f} s for {SESSION_BODY:,} B, "
        f"{body_guard.body_deadline_s(1_000_000):.0f} s for 1 MB), and until then it held a "
        "sync worker (`before`) but holds only one of 64 threads now; /health answers while "
        "fewer connections than the 64 threads are held. What does not: gunicorn does not "
        "limit the time a client takes over its headers, so 64 such connections (or any "
        "held that long) stop it, as the `limit` row shows. In production nginx in front "
        "holds slow clients and passes on whole requests only (README, Serving).",
        "",
        "Verdict on `now`: "
        + ("passed" if result["ok"] else "FAILED: " + "; ".join(result["problems"])),
        "",
    ]
    return lines
