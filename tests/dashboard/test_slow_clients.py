"""Slow clients cannot take the server offline (issue 21, high), quick version for `make test`.

gunicorn as the README serves it (``-c python:spendanalys.dashboard.gunicorn_conf``), users in
the database. For 5 s, 24 slow clients hold connections: 8 anonymous POSTs announcing 1 MB and
sending a byte a second (the finding: two of these took the old sync workers offline), 8 of the
same with a valid session, and 8 requests whose headers never end. Meanwhile /health, asked
every 0.25 s on a new connection, must answer every time within 1 s; the anonymous ones are
refused at once, unread. `make stress` runs the long version (benchmarks/stress.py: more
clients, the 408 at the body deadline, the old command and the limit of this one).

The demo mode follows gunicorn's real bind: bound to a Unix socket (as behind a proxy), an app
without users does not start, whatever ``SPENDANALYS_HOST`` says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import slow_clients

from spendanalys.store.database import Store

pytestmark = pytest.mark.served

USER, PASSWORD = "ledning", "ett-långt-lösenord"
CONFIG = ["-c", "python:spendanalys.dashboard.gunicorn_conf"]


def _env(folder: Path, url: str) -> dict[str, str]:
    (folder / "no-samples").mkdir(exist_ok=True)
    return {
        "SPENDANALYS_DATABASE_URL": url,
        "SPENDANALYS_SECRET_KEY": "slow-clients-" + "k" * 40,
        "SPENDANALYS_SAMPLE_DIR": str(folder / "no-samples"),
        "SPENDANALYS_JOB_DIR": str(folder / "jobs"),
    }


@pytest.fixture(scope="module")
def served(repo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not Path(sys.executable).with_name("gunicorn").exists():
        pytest.skip("gunicorn is not installed")
    folder = tmp_path_factory.mktemp("slow")
    url = f"sqlite:///{folder / 'db.sqlite'}"
    Store(url).add_user(USER, PASSWORD, "viewer")
    process, port = slow_clients.start_gunicorn(repo_dir, folder, CONFIG, _env(folder, url))
    try:
        yield port
    finally:
        slow_clients.stop(process)


def test_health_answers_within_a_second_while_slow_clients_hold_on(served: int) -> None:
    cookie = slow_clients.session_cookie(served, USER, PASSWORD)
    result = slow_clients.hold(
        served,
        [
            slow_clients.Group("anonymous body", "body", 8),
            slow_clients.Group("logged-in body", "body", 8, cookie),
            slow_clients.Group("headers", "headers", 8),
        ],
        seconds=5,
        interval=1.0,
    )
    assert result["probe_failures"] == 0, result
    assert result["probes"] >= 10 and result["health_max_ms"] < 1000, result
    anonymous, logged_in, headers = result["groups"]
    assert anonymous["statuses"] == [401] and anonymous["answered"] == 8, anonymous
    assert anonymous["answered_after_max_s"] < 1.0 and anonymous["bytes_sent_max"] == 0
    # The others held their connections through the probe (what the probe had to survive).
    assert logged_in["still_open"] == 8 and logged_in["bytes_sent_max"] >= 3, logged_in
    assert headers["still_open"] == 8, headers


def test_gunicorn_names_itself_without_a_version(served: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{served}/health", timeout=10) as response:
        banner = response.headers["Server"]
        policy = response.headers["Content-Security-Policy"]
    assert banner == "gunicorn" and not re.search(r"\d", banner)
    assert "default-src 'self'" in policy


def test_no_demo_when_gunicorn_is_bound_off_loopback(repo_dir: Path, tmp_path: Path) -> None:
    """The finding: ``SPENDANALYS_HOST=127.0.0.1`` made a demo of any bind. Bound to a Unix
    socket (nothing is opened on the network), the app must refuse to start without users."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed")
    env: dict[str, Any] = {
        **os.environ,
        **_env(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite'}"),
        "SPENDANALYS_HOST": "127.0.0.1",
        "PYTHONPATH": str(repo_dir),
    }
    done = subprocess.run(
        [str(gunicorn), *CONFIG, "-w", "1", "app:server", "-b", f"unix:{tmp_path / 's.sock'}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "no users are defined and the app is bound to" in done.stdout + done.stderr
