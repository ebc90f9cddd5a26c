"""Background import jobs (``spendanalys.services.jobs``) and the upload job (``services.run_upload``).

The job state is on disk so any gunicorn worker can answer a poll: these tests read it from
another process, and show that a job whose process died is reported, not left "running".
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import job_targets
import pytest

from spendanalys import services
from spendanalys.errors import InputFormatError
from spendanalys.services.jobs import UPLOAD_PHASES, JobBoard, JobState
from spendanalys.store.database import Store

FTE = "År;Årsarbetskrafter\n2019;100\n2024;120\n"


def _data_url(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def test_phases_are_reported_in_order_and_the_result_kept(tmp_path: Path) -> None:
    board = JobBoard(tmp_path)
    seen: list[str | None] = []
    gate, submitted = threading.Event(), threading.Event()

    def work(progress):  # type: ignore[no-untyped-def]
        submitted.wait(5)  # job_id is bound once submit has returned
        for phase in UPLOAD_PHASES:
            progress(phase)
            seen.append(board.status(job_id, "anna").phase)  # type: ignore[union-attr]
        gate.wait(5)
        return {"rows": 3}

    job_id = board.submit("anna", "f.csv", work)
    submitted.set()
    running = board.status(job_id, "anna")
    assert running is not None and not running.finished
    gate.set()
    done = board.wait(job_id, "anna")
    assert done is not None and done.state == "done" and done.result == {"rows": 3}
    assert seen == list(UPLOAD_PHASES)
    assert done.step == len(UPLOAD_PHASES)
    assert board.status(job_id, "bertil") is None  # someone else's job
    assert board.status("../" + job_id, "anna") is None


def test_a_failing_job_says_why_and_other_errors_only_their_type(tmp_path: Path) -> None:
    board = JobBoard(tmp_path)

    def bad_input(_progress):  # type: ignore[no-untyped-def]
        raise InputFormatError("f.csv", "no header row")

    def crash(_progress):  # type: ignore[no-untyped-def]
        raise KeyError("internal detail")

    first = board.wait(board.submit("anna", "f.csv", bad_input), "anna")
    second = board.wait(board.submit("anna", "f.csv", crash), "anna")
    assert first is not None and first.state == "failed" and "no header row" in first.error
    assert second is not None and second.error == "unexpected error (KeyError)"


def test_another_process_reads_the_state(tmp_path: Path, repo_dir: Path) -> None:
    """A poll that reaches another gunicorn worker sees the same job."""
    board = JobBoard(tmp_path)
    job_id = board.wait(board.submit("anna", "f.csv", lambda p: {"ok": 1}), "anna").id  # type: ignore[union-attr]
    code = (
        "import sys, json; from spendanalys.services.jobs import JobBoard; "
        f"j = JobBoard(sys.argv[1]).status({job_id!r}, 'anna'); "
        "print(json.dumps([j.state, j.result]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=repo_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout) == ["done", {"ok": 1}]


def test_a_job_whose_process_died_is_reported_interrupted(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    board = JobBoard(tmp_path)
    job = JobState(id="A" * 22, user="anna", label="f.csv", phases=list(UPLOAD_PHASES))
    job.state, job.phase, job.pid = "running", "reading", dead.pid
    (tmp_path / f"{job.id}.json").write_text(json.dumps(job.__dict__), encoding="utf-8")
    seen = board.status(job.id, "anna")
    assert seen is not None and seen.state == "failed" and seen.error == "interrupted"
    job.pid = os.getpid()
    (tmp_path / f"{job.id}.json").write_text(json.dumps(job.__dict__), encoding="utf-8")
    assert board.status(job.id, "anna").state == "running"  # type: ignore[union-attr]
    silent = JobBoard(tmp_path, stale_s=0.0)
    assert silent.status(job.id, "anna").error == "interrupted"  # type: ignore[union-attr]


def test_run_upload_goes_through_the_phases_and_warms_the_view(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'j.sqlite'}")
    phases: list[str] = []
    outcome = services.run_upload(
        store,
        "fte",
        "fte.csv",
        _data_url(FTE),
        max_bytes=10_000,
        user="eva",
        role="environment",
        progress=phases.append,
    )
    assert outcome.ok and outcome.rows_accepted == 2
    assert phases == list(UPLOAD_PHASES)
    again = services.UploadOutcome.from_dict(json.loads(json.dumps(outcome.to_dict())))
    assert (again.rows_accepted, again.version_id, again.error) == (2, outcome.version_id, None)
    too_big = services.run_upload(
        store, "fte", "fte.csv", _data_url(FTE), max_bytes=10, user="eva", role="admin"
    )
    assert not too_big.ok and "larger" in too_big.error


@pytest.mark.parametrize("role", ["viewer", "procurement", None])
def test_run_upload_refuses_a_role_before_anything(tmp_path: Path, role: str | None) -> None:
    from spendanalys.errors import AccessDenied

    store = Store(f"sqlite:///{tmp_path / 'r.sqlite'}")
    phases: list[str] = []
    with pytest.raises(AccessDenied):
        services.run_upload(
            store,
            "fte",
            "fte.csv",
            _data_url(FTE),
            max_bytes=10_000,
            user="x",
            role=role,
            progress=phases.append,
        )
    assert phases == [] and store.versions().empty


def _wait_running(board: JobBoard, job_id: str, user: str, seconds: float = 60) -> JobState:
    deadline = time.monotonic() + seconds
    while True:
        job = board.status(job_id, user)
        assert job is not None
        if job.state == "running" or job.finished or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_a_process_job_runs_apart_from_the_web_worker_at_lower_priority(tmp_path: Path) -> None:
    """An import holds no GIL of the worker that serves page views, and yields it the CPU."""
    board = JobBoard(tmp_path)
    first = board.wait(
        board.submit_process("anna", "f.csv", job_targets.report_pid, {"value": 1}), "anna"
    )
    second = board.wait(
        board.submit_process("anna", "g.csv", job_targets.report_pid, {"value": 2}), "anna"
    )
    assert first is not None and second is not None
    assert (first.state, first.result["value"], second.result["value"]) == ("done", 1, 2)
    assert first.result["pid"] != os.getpid()
    assert first.result["pid"] == second.result["pid"]  # the job process is reused
    assert first.result["niceness"] >= os.nice(0) + 1


def test_a_killed_job_process_leaves_an_interrupted_job_and_the_next_one_runs(
    tmp_path: Path,
) -> None:
    board = JobBoard(tmp_path)
    job_id = board.submit_process("anna", "big.csv", job_targets.hang, {"seconds": 60})
    running = _wait_running(board, job_id, "anna")
    assert running.state == "running" and running.pid != os.getpid()
    os.kill(running.pid, signal.SIGKILL)
    ended = board.wait(job_id, "anna", timeout_s=30)
    assert ended is not None and (ended.state, ended.error) == ("failed", "interrupted")
    after = board.wait(
        board.submit_process("anna", "f.csv", job_targets.report_pid, {"value": 3}), "anna"
    )
    assert after is not None and (after.state, after.result["value"]) == ("done", 3)


def test_upload_job_imports_through_the_stores_url(tmp_path: Path) -> None:
    """The dashboard's upload job in its process: opened from the URL, stored, the outcome as JSON."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Store(url)
    board = JobBoard(tmp_path / "jobs")
    arguments = {
        "database_url": url,
        "kind": "fte",
        "file_name": "fte.csv",
        "contents": _data_url(FTE),
        "max_bytes": 10_000,
        "user": "eva",
        "role": "environment",
    }
    job = board.wait(board.submit_process("eva", "fte.csv", services.upload_job, arguments), "eva")
    assert job is not None and job.state == "done", job
    outcome = services.UploadOutcome.from_dict(job.result)
    assert (outcome.ok, outcome.rows_accepted, outcome.staged) == (True, 2, True)
    assert Store(url).current_version("fte") is None  # staged: not in use until confirmed
    services.confirm_upload(Store(url), outcome.version_id or 0, user="eva", role="environment")
    assert Store(url).current_version("fte")["uploaded_by"] == "eva"


WORKER = """
import sys, time
sys.path.insert(0, sys.argv[2])
import job_targets
from spendanalys.services.jobs import JobBoard
board = JobBoard(sys.argv[1])
job_id = board.submit_process("anna", "big.csv", job_targets.hang, {"seconds": 600})
while (job := board.status(job_id, "anna")).state != "running":
    time.sleep(0.05)
print(job.pid, flush=True)
time.sleep(600)
"""


def test_a_job_process_ends_when_its_web_worker_is_killed(tmp_path: Path, repo_dir: Path) -> None:
    """A gunicorn restart or a SIGKILL of the worker must not leave its job process behind."""
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(tmp_path), str(repo_dir / "tests")],
        cwd=repo_dir,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        job_pid = int(worker.stdout.readline())  # type: ignore[union-attr]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _running(job_pid):
            time.sleep(0.2)
        assert not _running(job_pid), "the job process outlived its worker"
    finally:
        worker.kill()


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting for its (new) parent to reap it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
