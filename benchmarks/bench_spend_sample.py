"""Time ``spendanalys spend`` on the committed sample (about 30,000 invoice lines).

A script, not a test: it starts the whole command as a separate process (imports, reading both
files, the analysis and the JSON output all count), runs it once to warm the disk cache, then
``--runs`` times, and prints the median wall time against the target (issue 3: under 3 s).

    .venv/bin/python benchmarks/bench_spend_sample.py
    .venv/bin/python benchmarks/bench_spend_sample.py --format xlsx --runs 5
    .venv/bin/python benchmarks/bench_spend_sample.py --contracts X.csv --invoices Y.csv

The load average is printed before and after: other work on a two-core machine inflates wall
times, so read a figure together with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
TARGET_SECONDS = 3.0


def _command(contracts: Path, invoices: Path, fmt: str, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "spendanalys",
        "spend",
        "--contracts",
        str(contracts),
        "--invoices",
        str(invoices),
        "--format",
        fmt,
        "--out",
        str(out),
        "--as-of",
        "2025-01-01",
    ]


def _time_once(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user + system) of one run of the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"the command failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=Path, default=SAMPLE / "avtalsforteckning.csv")
    parser.add_argument("--invoices", type=Path, default=SAMPLE / "leverantorsfakturor_2024.csv")
    parser.add_argument("--format", choices=["json", "xlsx", "table"], default="json")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for path in (args.contracts, args.invoices):
        if not path.is_file():
            sys.exit(
                f"{path} does not exist (run `make sample-data`, or pass --contracts/--invoices)"
            )
    lines = sum(1 for _ in args.invoices.open("rb"))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"out.{args.format}"
        command = _command(args.contracts, args.invoices, args.format, out)
        load_before = os.getloadavg()[0]
        _time_once(command)  # warm-up: disk cache, .pyc files
        measured = [_time_once(command) for _ in range(args.runs)]
        load_after = os.getloadavg()[0]
    times = [wall for wall, _ in measured]
    cpus = [cpu for _, cpu in measured]
    median = statistics.median(times)
    print(
        f"spendanalys spend --format {args.format}: {args.invoices.name} ({lines:,} lines in the file)"
    )
    print(
        f"runs: {', '.join(f'{t:.2f}' for t in times)} s; median {median:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'NOT met'})"
    )
    print(
        f"CPU time (user + system) per run: {', '.join(f'{c:.2f}' for c in cpus)} s; median "
        f"{statistics.median(cpus):.2f} s (the wall time on an idle machine, as the command is "
        "single-threaded)"
    )
    print(f"load average: {load_before:.2f} before, {load_after:.2f} after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
