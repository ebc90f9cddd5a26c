"""Per-user limits on upload jobs (issue 21: queued uploads had no limit; one user's could
fill the job process's queue and its memory).

A user may have ``SPENDANALYS_JOBS_PER_USER`` jobs queued or running and start
``SPENDANALYS_UPLOADS_PER_HOUR`` within an hour; the next is refused before it is queued, with
the reason and when to retry, and the page says so in Swedish.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
from pathlib import Path

import pytest

from spendanalys.dashboard.uploads import quota_text
from spendanalys.errors import ConfigurationError, SpendanalysError
from spendanalys.services.jobs import JobBoard, JobLimits, QuotaExceeded
from spendanalys.settings import Settings


def _waiting(gate: threading.Event):  # type: ignore[no-untyped-def]
    def work(_progress):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return {"ok": True}

    return work


def test_a_user_at_the_running_limit_is_refused_until_a_job_ends(tmp_path: Path) -> None:
    board = JobBoard(tmp_path, limits=JobLimits(running=2, hourly=None))
    gate = threading.Event()
    first = board.submit("anna", "a.csv", _waiting(gate))
    board.submit("anna", "b.csv", _waiting(gate))
    with pytest.raises(QuotaExceeded) as refused:
        board.submit("anna", "c.csv", _waiting(gate))
    assert refused.value.limit == "running" and refused.value.allowed == 2
    assert refused.value.http_status == 429 and isinstance(refused.value, SpendanalysError)
    assert len(list(tmp_path.glob("*.json"))) == 2  # nothing was queued for the refused one
    board.submit("bertil", "d.csv", _waiting(gate))  # another user has limits of their own
    gate.set()
    assert board.wait(first, "anna") is not None
    deadline = time.monotonic() + 10
    while any(not job.finished for job in board.jobs_of("anna")) and time.monotonic() < deadline:
        time.sleep(0.05)
    board.submit("anna", "c.csv", _waiting(gate))  # allowed again


def test_a_user_at_the_hourly_limit_is_told_when_to_retry(tmp_path: Path) -> None:
    board = JobBoard(tmp_path, limits=JobLimits(running=None, hourly=3))
    for name in ("a.csv", "b.csv", "c.csv"):
        board.wait(board.submit("anna", name, lambda _p: {}), "anna")
    oldest = min(job.created for job in board.jobs_of("anna"))
    with pytest.raises(QuotaExceeded) as refused:
        board.submit("anna", "d.csv", lambda _p: {})
    assert refused.value.limit == "hourly" and refused.value.allowed == 3
    assert refused.value.retry_after_s == pytest.approx(oldest + 3600 - time.time(), abs=5)
    # An hour later the oldest no longer counts.
    path = next(p for p in tmp_path.glob("*.json") if json.loads(p.read_text())["label"] == "a.csv")
    state = json.loads(path.read_text())
    path.write_text(json.dumps({**state, "created": state["created"] - 3601}))
    board.wait(board.submit("anna", "d.csv", lambda _p: {}), "anna")


def test_the_refusal_survives_a_trip_between_processes() -> None:
    refused = pickle.loads(pickle.dumps(QuotaExceeded("anna", "hourly", 20, 600.0)))
    assert (refused.user, refused.limit, refused.allowed, refused.retry_after_s) == (
        "anna",
        "hourly",
        20,
        600.0,
    )
    assert "retry in 600 s" in str(refused)


def test_the_page_says_why_in_swedish() -> None:
    running = quota_text(QuotaExceeded("anna", "running", 2), "sv")
    assert "2 uppladdningar som väntar eller pågår" in running
    hourly = quota_text(QuotaExceeded("anna", "hourly", 20, 1500.0), "sv")
    assert "20 filer den senaste timmen" in hourly and "25 minuter" in hourly
    assert "Try again in 25 minutes" in quota_text(QuotaExceeded("a", "hourly", 20, 1500.0), "en")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, (5, 20, 2)),
        (
            {
                "SPENDANALYS_KEEP_VERSIONS": "0",
                "SPENDANALYS_UPLOADS_PER_HOUR": "100",
                "SPENDANALYS_JOBS_PER_USER": "1",
            },
            (0, 100, 1),
        ),
        (
            {"SPENDANALYS_KEEP_VERSIONS": "ALL", "SPENDANALYS_JOBS_PER_USER": "all"},
            (None, 20, None),
        ),
    ],
)
def test_limits_from_the_environment(environ: dict[str, str], expected: tuple) -> None:
    values = Settings.from_environ(environ)
    assert (values.keep_versions, values.uploads_per_hour, values.jobs_per_user) == expected
    limits = JobLimits.from_settings(values)
    assert (limits.hourly, limits.running) == expected[1:]


@pytest.mark.parametrize(
    "environ",
    [
        {"SPENDANALYS_KEEP_VERSIONS": "-1"},
        {"SPENDANALYS_KEEP_VERSIONS": "fem"},
        {"SPENDANALYS_UPLOADS_PER_HOUR": "0"},
        {"SPENDANALYS_JOBS_PER_USER": "2.5"},
        {"SPENDANALYS_JOBS_PER_USER": "²"},
    ],
)
def test_a_limit_that_is_not_a_count_is_refused(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match=next(iter(environ))):
        Settings.from_environ(environ)
