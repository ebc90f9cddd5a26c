"""Time a command as a process and record its peak memory.

Each run goes through a fresh helper process (``python harness.py CMD...``) that starts the
command, waits for it and reports the wall time, the CPU time (user + system) and ``ru_maxrss``
of ``RUSAGE_CHILDREN``: the peak resident set of the command (the helper's only child; kilobytes
on Linux). A fresh helper per run keeps one run's peak from hiding the next one's. On a machine
shared with other work the wall time grows with the load while the CPU time barely does, so
both are kept.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve()


@dataclass
class Measurement:
    """Median wall seconds and the largest peak RSS over the timed runs (warm-up excluded)."""

    label: str
    status: str  # "ok", "failed", "not available", "skipped"
    seconds: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)
    note: str = ""
    inner_seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def median_cpu_s(self) -> float | None:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds else None

    @property
    def max_rss_mb(self) -> float | None:
        return max(self.peak_rss_mb) if self.peak_rss_mb else None

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "status": self.status,
            "seconds": self.seconds,
            "median_s": self.median_s,
            "peak_rss_mb": self.peak_rss_mb,
            "max_rss_mb": self.max_rss_mb,
            "note": self.note,
            "inner_seconds": self.inner_seconds,
            "cpu_seconds": self.cpu_seconds,
            "median_cpu_s": self.median_cpu_s,
        }


def run_once(
    argv: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> dict[str, object]:
    """One run through a fresh helper: {seconds, peak_rss_mb, returncode, stderr}."""
    helper = [sys.executable, str(HERE), *argv]
    try:
        done = subprocess.run(
            helper, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return {"returncode": -1, "stderr": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"returncode": -1, "stderr": done.stderr[-2000:]}
    return report


def measure(
    label: str,
    argv: list[str],
    *,
    runs: int = 3,
    warmup: int = 1,
    timeout: float = 300.0,
    env: dict[str, str] | None = None,
    warmup_argv: list[str] | None = None,
    budget_s: float | None = None,
) -> Measurement:
    """Median of ``runs`` timed runs after ``warmup`` untimed ones; stops at the first failure.

    ``warmup_argv`` replaces the command for the warm-up runs (e.g. the same command under
    cProfile: the warm-up is not timed, so profiling it costs no extra run). With ``budget_s``,
    timed runs stop early (at least one is always made) when the next would not fit; the note
    says so.
    """
    result = Measurement(label, "ok")
    started = time.monotonic()
    for i in range(warmup + runs):
        # Another run only when one more (as long as the slowest so far) still fits.
        if (
            budget_s is not None
            and result.seconds
            and time.monotonic() - started + max(result.seconds) > budget_s
        ):
            result.note = f"{len(result.seconds)} of {runs} timed runs: time budget"
            break
        command = warmup_argv if (i < warmup and warmup_argv) else argv
        report = run_once(command, timeout=timeout, env=env)
        if report.get("returncode") != 0:
            result.status = "failed"
            tail = str(report.get("stderr", "")).strip().splitlines()[-3:]
            result.note = f"exit {report.get('returncode')}: " + " | ".join(tail)
            return result
        if i >= warmup:
            result.seconds.append(float(report["seconds"]))  # type: ignore[arg-type]
            result.peak_rss_mb.append(float(report["peak_rss_mb"]))  # type: ignore[arg-type]
            if "cpu_seconds" in report:
                result.cpu_seconds.append(float(report["cpu_seconds"]))  # type: ignore[arg-type]
            inner = _inner_seconds(str(report.get("stdout_tail", "")))
            if inner is not None:
                result.inner_seconds.append(inner)
    return result


def _inner_seconds(stdout_tail: str) -> float | None:
    """A command may print ``{"inner_seconds": s}`` as its last line (time inside the process,
    imports excluded); the benchmark scripts do, the CLI does not."""
    lines = stdout_tail.strip().splitlines()
    if not lines:
        return None
    try:
        value = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None
    return (
        float(value["inner_seconds"])
        if isinstance(value, dict) and "inner_seconds" in value
        else None
    )


def _helper(argv: list[str]) -> int:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": usage.ru_maxrss / 1024.0,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "returncode": done.returncode,
                "stderr": done.stderr.decode("utf-8", "replace")[-2000:],
                "stdout_tail": done.stdout.decode("utf-8", "replace")[-500:],
            }
        )
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(_helper(sys.argv[1:]))
