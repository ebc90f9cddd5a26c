"""Background import jobs whose progress any web worker can report.

An upload is parsed, stored and analysed in a job process of the web worker that received it
(:meth:`JobBoard.submit_process`; one per worker, started on first use, at lower CPU priority),
while the page polls for the job's phase. In a thread it would hold the worker's GIL for
seconds and every page view that worker serves would wait behind it. Work a request must wait
for (the analysis after a confirmed upload) runs there too (:func:`run_in_job_process`), the
request's thread waiting without the GIL. Under gunicorn the poll may reach another worker, so a job's
state lives in a small JSON file per job (``var/jobs/<id>.json``, written atomically with
``os.replace``), not in process memory: every worker on the host reads the same files.

Progress is by phase (the readers have no finer hook), never a guessed percentage. A job whose
process died (a worker restart, a crash) is reported as interrupted: the store's import is all
or nothing, so the previous data is intact. Jobs are private: only the user who started one may
read its state. Limit: the folder is per host; several hosts behind one address need it on
shared storage or sticky sessions.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import multiprocessing
import os
import re
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spendanalys.errors import AccessDenied, SpendanalysError
from spendanalys.settings import Settings, settings

# The phases of an upload job, in order.
UPLOAD_PHASES: tuple[str, ...] = ("decoding", "reading", "storing", "analysing")
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
KEEP_S = 24 * 3600.0  # finished job files are removed after a day
STALE_S = 3600.0  # a job without news for an hour is reported as lost
Progress = Callable[[str], None]
_POOLS: dict[str, tuple[int, Any]] = {}  # name -> (owning pid, executor)
_EXECUTOR_LOCK = threading.Lock()
JOB_NICENESS = 10  # job processes yield the CPU to the web workers' page views
QUOTA_WINDOW_S = 3600.0  # the window of the per-user count of started jobs


@dataclass
class JobState:
    """What a poll sees: ``state`` is queued, running, done or failed; ``phase`` one of
    ``phases``; ``result`` the job's return value (JSON), ``error`` why it failed."""

    id: str
    user: str
    label: str
    phases: list[str]
    state: str = "queued"
    phase: str | None = None
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def step(self) -> int:
        """1-based number of the current phase (0 while queued)."""
        return self.phases.index(self.phase) + 1 if self.phase in self.phases else 0

    @property
    def elapsed_s(self) -> float:
        return max(0.0, (self.updated if self.finished else time.time()) - self.created)


class QuotaExceeded(RuntimeError, SpendanalysError):
    """A user's job refused before it was queued: ``limit`` is "running" (``allowed`` jobs
    queued or running at once) or "hourly" (``allowed`` jobs started within the hour);
    ``retry_after_s`` is when one more is allowed (None: once a running job has finished).
    The web's answer to it is HTTP 429 Too Many Requests."""

    http_status = 429

    def __init__(
        self, user: str, limit: str, allowed: int, retry_after_s: float | None = None
    ) -> None:
        self.user = user
        self.limit = limit
        self.allowed = allowed
        self.retry_after_s = retry_after_s
        super().__init__(user, limit, allowed, retry_after_s)

    def __str__(self) -> str:
        if self.limit == "running":
            return f"{self.user} already has {self.allowed} jobs queued or running"
        wait = f"; retry in {self.retry_after_s:.0f} s" if self.retry_after_s is not None else ""
        return f"{self.user} has started {self.allowed} jobs within the hour{wait}"


@dataclass(frozen=True)
class JobLimits:
    """Per user: jobs queued or running at once, and jobs started within an hour (None: no
    limit)."""

    running: int | None = 2
    hourly: int | None = 20

    @classmethod
    def from_settings(cls, values: Settings) -> JobLimits:
        return cls(running=values.jobs_per_user, hourly=values.uploads_per_hour)


def _pool(name: str, create: Callable[[], Executor]) -> Any:
    """This process's pool ``name``, created on first use and again after a fork (neither
    threads nor child processes belong to a forked copy)."""
    with _EXECUTOR_LOCK:
        owner, pool = _POOLS.get(name, (None, None))
        if pool is None or owner != os.getpid():
            pool = create()
            _POOLS[name] = (os.getpid(), pool)
        return pool


def _executor(max_workers: int) -> ThreadPoolExecutor:
    pool: ThreadPoolExecutor = _pool(
        "threads", lambda: ThreadPoolExecutor(max_workers, thread_name_prefix="spendanalys-job")
    )
    return pool


def _start_job_process() -> None:
    """In a new job process: lower its CPU priority, and end it when its web worker is gone.

    The pool's process would otherwise outlive a worker that was killed (gunicorn restarts,
    SIGKILL), holding its memory forever; an import it was running is all or nothing.
    """
    with contextlib.suppress(OSError):
        os.nice(JOB_NICENESS)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="spendanalys-parent-watch", daemon=True).start()


def _process_pool() -> ProcessPoolExecutor:
    """This process's pool of one job process, started on first use and reused.

    Spawned, not forked: a fork of a threaded web worker can inherit a lock another thread held.
    """
    pool: ProcessPoolExecutor = _pool(
        "processes",
        lambda: ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_job_process
        ),
    )
    return pool


def run_in_job_process(
    target: Callable[..., Any], kwargs: dict[str, Any], timeout_s: float | None = None
) -> Any:
    """``target(**kwargs)`` in this process's job process (after any job queued before it),
    waited for: its return value, or its exception raised here. For work a request must wait
    for, such as the analysis after a confirmed upload: the request's thread waits without
    holding the web worker's GIL, and the work runs at the job process's lower priority.
    ``target`` must be a module-level function and ``kwargs`` picklable. TimeoutError after
    ``timeout_s`` (the work goes on); BrokenProcessPool when the job process died."""
    for attempt in (1, 2):
        pool = _process_pool()
        try:
            future = pool.submit(target, **kwargs)
            break
        except BrokenProcessPool:  # its process died since the last job: start another
            _forget_pool(pool)
            if attempt == 2:
                raise
    try:
        return future.result(timeout_s)
    except BrokenProcessPool:
        _forget_pool(pool)
        raise


def _forget_pool(pool: ProcessPoolExecutor) -> None:
    """Drop a pool whose process died; the next job starts a new one."""
    with _EXECUTOR_LOCK:
        if _POOLS.get("processes", (None, None))[1] is pool:
            del _POOLS["processes"]


def _run_in_job_process(
    folder: str, job_id: str, target: Callable[..., dict[str, Any]], kwargs: dict[str, Any]
) -> None:
    """In the job process: run ``target(progress, **kwargs)``, leaving each state on disk."""
    board = JobBoard(folder)
    job = board._read(job_id)
    if job is not None:
        board._run(job, functools.partial(target, **kwargs))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobBoard:
    """Jobs of one application: start them, report their phase, keep their result on disk."""

    def __init__(
        self,
        folder: str | Path,
        *,
        max_workers: int = 2,
        stale_s: float = STALE_S,
        limits: JobLimits | None = None,
    ):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_workers = max_workers
        self.stale_s = stale_s
        self.limits = limits  # None: read from the environment at each submit

    def _path(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id or ""):
            raise ValueError("not a job id")
        return self.folder / f"{job_id}.json"

    def _write(self, job: JobState) -> None:
        job.updated = time.time()
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".job-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(job), out, ensure_ascii=False)
        os.replace(temporary, self._path(job.id))

    def _read(self, job_id: str) -> JobState | None:
        try:
            data = json.loads(self._path(job_id).read_text(encoding="utf-8"))
            return JobState(**data)
        except (OSError, ValueError, TypeError):
            return None

    def _clean(self) -> None:
        cutoff = time.time() - KEEP_S
        for path in self.folder.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass

    @contextlib.contextmanager
    def _submitting(self) -> Iterator[None]:
        """The host-wide lock under which a user's jobs are counted and a new one written."""
        with (self.folder / ".submit.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _new_job(self, user: str, label: str, phases: tuple[str, ...]) -> JobState:
        """The new job's state, written as queued; QuotaExceeded when ``user`` is at a limit."""
        self._clean()
        limits = self.limits or JobLimits.from_settings(settings())
        with self._submitting():
            self._check_limits(user, limits)
            job = JobState(
                id=secrets.token_urlsafe(16), user=user, label=label, phases=list(phases)
            )
            self._write(job)
        return job

    def _check_limits(self, user: str, limits: JobLimits) -> None:
        now = time.time()
        mine = self.jobs_of(user)
        running = [job for job in mine if not job.finished]
        if limits.running is not None and len(running) >= limits.running:
            raise QuotaExceeded(user, "running", limits.running)
        started = sorted(job.created for job in mine if job.created > now - QUOTA_WINDOW_S)
        if limits.hourly is not None and len(started) >= limits.hourly:
            retry = started[len(started) - limits.hourly] + QUOTA_WINDOW_S - now
            raise QuotaExceeded(user, "hourly", limits.hourly, max(retry, 1.0))

    def jobs_of(self, user: str) -> list[JobState]:
        """Every job of ``user`` this folder still holds (a day's), as :meth:`status` sees it."""
        found = []
        for path in self.folder.glob("*.json"):
            job = self.status(path.stem, user) if JOB_ID.match(path.stem) else None
            if job is not None:
                found.append(job)
        return found

    def submit(
        self,
        user: str,
        label: str,
        work: Callable[[Progress], dict[str, Any]],
        phases: tuple[str, ...] = UPLOAD_PHASES,
    ) -> str:
        """Queue ``work(progress)`` for ``user``; returns the job id at once.

        ``work`` calls ``progress(phase)`` as it enters each phase and returns a JSON-able dict.
        A SpendanalysError (AccessDenied included) fails the job with its message; any other
        exception fails it with the exception's type only (details go to the log by the caller).
        Raises QuotaExceeded, queueing nothing, when ``user`` is at one of the limits.
        """
        job = self._new_job(user, label, phases)
        _executor(self.max_workers).submit(self._run, job, work)
        return job.id

    def submit_process(
        self,
        user: str,
        label: str,
        target: Callable[..., dict[str, Any]],
        kwargs: dict[str, Any],
        phases: tuple[str, ...] = UPLOAD_PHASES,
    ) -> str:
        """Like :meth:`submit`, but ``target(progress, **kwargs)`` runs in this process's job
        process. ``target`` must be a module-level function and ``kwargs`` picklable. A job whose
        process dies is reported failed, "interrupted" (an import is all or nothing)."""
        job = self._new_job(user, label, phases)
        for attempt in (1, 2):
            pool = _process_pool()
            try:
                future = pool.submit(_run_in_job_process, str(self.folder), job.id, target, kwargs)
                break
            except BrokenProcessPool:  # its process died since the last job: start another
                _forget_pool(pool)
                if attempt == 2:
                    raise
        future.add_done_callback(functools.partial(self._process_ended, job.id, pool))
        return job.id

    def _process_ended(self, job_id: str, pool: ProcessPoolExecutor, future: Future[None]) -> None:
        """The job process finished the job, or died: then the job is interrupted."""
        error = None if future.cancelled() else future.exception()
        if error is None and not future.cancelled():
            return
        if isinstance(error, BrokenProcessPool):
            _forget_pool(pool)
        job = self._read(job_id)
        if job is not None and not job.finished:
            job.state, job.error = "failed", "interrupted"
            self._write(job)

    def _run(self, job: JobState, work: Callable[[Progress], dict[str, Any]]) -> None:
        job.state, job.pid, job.host = "running", os.getpid(), socket.gethostname()

        def progress(phase: str) -> None:
            job.phase = phase
            self._write(job)

        try:
            job.result = work(progress)
            job.state = "done"
        except AccessDenied as exc:
            job.state, job.error = "failed", f"access denied: {exc}"
        except SpendanalysError as exc:
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # the thread must always leave a final state
            job.state, job.error = "failed", f"unexpected error ({type(exc).__name__})"
        self._write(job)

    def status(self, job_id: Any, user: str) -> JobState | None:
        """The job's state for ``user``; None for an unknown id, a malformed one or another
        user's job. A job whose process is gone (same host) or silent for ``stale_s`` seconds
        is reported failed with ``error`` "interrupted"."""
        if not isinstance(job_id, str) or not JOB_ID.match(job_id):
            return None
        job = self._read(job_id)
        if job is None or job.user != user:
            return None
        if not job.finished:
            gone = job.host == socket.gethostname() and not _alive(job.pid)
            if gone or time.time() - job.updated > self.stale_s:
                job.state, job.error = "failed", "interrupted"
        return job

    def wait(self, job_id: str, user: str, timeout_s: float = 60.0) -> JobState | None:
        """Poll until the job has finished (tests and the CLI); None when unknown."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.status(job_id, user)
            if job is None or job.finished or time.monotonic() > deadline:
                return job
            time.sleep(0.05)
