"""`make stress`: try to break the tool and write benchmarks/RELIABILITY.md (issue 7, item 7).

Parts, each reported even when another fails:

1. corpus: every file in tests/corpus/ through the upload path (guard, reader, control-character
   policy), outcome against the README's expectation;
2. fuzz: tests/io/test_fuzz_readers.py and tests/dashboard/test_formula_injection.py with
   ``HYPOTHESIS_PROFILE=stress`` (2,000 examples per reader and container; 200 reports);
3. kills: the store's SIGKILL test with ``STRESS_KILLS`` (default 20) and the four concurrent
   importers (tests/store/test_store_reliability.py);
4. load: benchmarks/reliability_load.py, 20 viewers and 2 uploaders for ``--seconds`` (300);
5. slow: benchmarks/slow_clients_stage.py, slow clients against gunicorn while /health is
   probed (about a minute).

Exit status 1 when any part failed (a test failed, a 5xx, a lost upload); 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "io"))  # test_corpus


def run_corpus() -> dict[str, Any]:
    """Each corpus file through the upload path, compared with its README line."""
    import test_corpus as corpus

    from spendanalys.errors import InputFormatError

    rows, failures = [], []
    for case in corpus.CASES:
        path = corpus.CORPUS / "files" / case.file
        try:
            result = corpus.upload_path(path, case.kind)
            got = f"partial: {result.rows_accepted} accepted, {result.rows_rejected} rejected"
            corpus.assert_accounted(result)
            matches = got == case.outcome
        except InputFormatError as exc:
            got = f"rejected: {exc.reason}"
            wanted = corpus._REJECTED.fullmatch(case.outcome)
            matches = bool(wanted) and wanted.group(1) in exc.reason
        except Exception as exc:
            got = f"UNHANDLED {type(exc).__name__}: {exc}"
            matches = False
        known = corpus.KNOWN_READER_BUGS.get(case.file)
        rows.append((case.file, case.kind, case.outcome, got[:160], matches, known))
        if not matches and not known:
            failures.append(case.file)
    return {"rows": rows, "failures": failures}


def run_pytest(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        output, code = f"timed out after {timeout:.0f} s: {exc}", -1
    summary = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return {
        "command": " ".join(f"{k}={v}" for k, v in env.items()) + " pytest " + " ".join(args),
        "exit": code,
        "summary": summary[-1] if summary else output[-500:],
        "output": output,
        "seconds": round(time.perf_counter() - started, 1),
    }


def run_load(seconds: float, viewers: int, uploaders: int, server: str) -> dict[str, Any]:
    try:
        from benchmarks.reliability_load import run

        return run(seconds, viewers, uploaders, server)
    except Exception as exc:
        return {"not_run": f"{type(exc).__name__}: {exc}"}


def run_slow() -> dict[str, Any]:
    try:
        from benchmarks.slow_clients_stage import run

        return run()
    except Exception as exc:
        return {"not_run": f"{type(exc).__name__}: {exc}", "ok": False}


def _load_ok(load: dict[str, Any]) -> bool:
    return (
        "not_run" not in load
        and load["server_errors_5xx"] == 0
        and not load["uploads_lost"]
        and load["integrity_check"] == "ok"
        and load["uploads_done"] > 0
    )


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:,}" if isinstance(value, int | float) else str(value)


def _averages(values: Any) -> str:
    return "–" if not values else " / ".join(f"{v:.1f}" for v in values)


def write_report(path: Path, parts: dict[str, Any]) -> None:
    corpus, fuzz, kills, load = (parts.get(k) for k in ("corpus", "fuzz", "kills", "load"))
    lines = [
        "# Reliability figures (`make stress`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs by "
        "`benchmarks/stress.py`; regenerate with `make stress`. Nothing here is edited by "
        "hand.",
        "",
        f"Parameters: {parts.get('parameters', '')}.",
        "",
    ]
    if corpus:
        rows = corpus["rows"]
        rejected = sum(1 for r in rows if r[3].startswith("rejected"))
        lines += [
            "## 1. Hostile and malformed files (tests/corpus/)",
            "",
            f"{len(rows)} files tried through the upload path: {rejected} refused with a "
            f"clean message, {len(rows) - rejected} read with every row accounted for; "
            f"{len(corpus['failures'])} unexpected outcomes, "
            f"{sum(1 for r in rows if r[5])} known reader bugs (strict xfail).",
            "",
            "| file | kind | expected | outcome | as expected |",
            "|---|---|---|---|---|",
        ]
        for file, kind, expected, got, ok, known in rows:
            mark = "yes" if ok else (f"no (known bug: {known})" if known else "**NO**")
            got = got.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {file} | {kind} | {expected} | {got} | {mark} |")
        lines.append("")
    if fuzz:
        lines += [
            "## 2. Fuzzing and formula injection",
            "",
            f"`{fuzz['command']}`: {fuzz['summary']} ({fuzz['seconds']} s, exit {fuzz['exit']}).",
            "",
        ]
    if kills:
        found = [ln.strip() for ln in kills["output"].splitlines() if " runs, " in ln]
        lines += [
            "## 3. SIGKILL during imports, concurrent importers",
            "",
            f"`{kills['command']}`: {kills['summary']} ({kills['seconds']} s, exit "
            f"{kills['exit']}).",
            "",
        ]
        lines += [f"- {ln}" for ln in found] + [""]
    if load:
        lines += ["## 4. Load on 127.0.0.1", ""]
        if "not_run" in load:
            lines += [f"Not run: {load['not_run']}", ""]
        else:
            averages = load.get("load_average") or {}
            lines += [
                f"{load['viewers']} viewers (each its own user with the viewer role, 0.5–2 s "
                f"between callbacks) and {load['uploaders']} uploaders (each its own user with "
                "the procurement role, the sample invoice file through the upload callback, "
                f"confirmed through the preview, 5 s between uploads) for "
                f"{load['seconds']:.0f} s against `{load['server']}` on a fresh SQLite "
                "database; the host's load average (1, 5, 15 min) was "
                f"{_averages(averages.get('before'))} before and "
                f"{_averages(averages.get('after'))} after.",
                "",
                "| figure | value |",
                "|---|---|",
                f"| HTTP statuses | {json.dumps(load['statuses'])} |",
                f"| 5xx responses | {load['server_errors_5xx']} |",
                f"| transport errors / timeouts | {load['transport_errors']} |",
                f"| viewer callbacks answered | {_fmt(load['callbacks'])} |",
                f"| callback latency p50 / p95 / p99 (ms) | {_fmt(load['callback_p50_ms'])} / "
                f"{_fmt(load['callback_p95_ms'])} / {_fmt(load['callback_p99_ms'])} |",
                "| the same while an upload or its confirmation was under way (ms) | "
                f"{_fmt(load.get('during_uploads_p50_ms'))} / "
                f"{_fmt(load.get('during_uploads_p95_ms'))} / "
                f"{_fmt(load.get('during_uploads_p99_ms'))} |",
                f"| uploads sent / imported | {load['uploads_sent']} / {load['uploads_done']} |",
                f"| upload latency p50 / p95 (ms) | {_fmt(load['upload_p50_ms'])} / "
                f"{_fmt(load['upload_p95_ms'])} |",
                f"| uploads lost (answered 'done', not stored) | {len(load['uploads_lost'])} |",
                f"| integrity_check after the run | {load['integrity_check']} |",
                "",
                "Callbacks replayed: " + ", ".join(f"`{c}`" for c in load["callbacks_replayed"]),
                "",
                "callback p95 (ms) by callback: "
                + ", ".join(
                    f"`{c}` {_fmt(v)}"
                    for c, v in (load.get("callback_p95_ms_by_callback") or {}).items()
                ),
                "",
            ]
            if load["error_samples"]:
                lines += ["Error samples:", ""] + [f"- `{s}`" for s in load["error_samples"]]
                lines.append("")
    if parts.get("slow"):
        from benchmarks.slow_clients_stage import report_lines

        lines += report_lines(parts["slow"])
    verdict = "nothing lost" if parts.get("ok") else "FAILURES: see above"
    lines += ["## Verdict", "", verdict, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make stress: fuzz, kills, load")
    parser.add_argument("--seconds", type=float, default=300.0, help="load duration (300)")
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=2)
    parser.add_argument("--server", choices=["gunicorn", "dev"], default="gunicorn")
    parser.add_argument("--kills", type=int, default=int(os.environ.get("STRESS_KILLS", "20")))
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["corpus", "fuzz", "kills", "load", "slow"]
    )
    parser.add_argument("--out", type=Path, default=HERE / "RELIABILITY.md")
    args = parser.parse_args(argv)
    parts: dict[str, Any] = {
        "parameters": f"load {args.seconds:.0f} s with {args.viewers} viewers and "
        f"{args.uploaders} uploaders on {args.server}; STRESS_KILLS={args.kills}; "
        "HYPOTHESIS_PROFILE=stress; "
        f"skipped: {', '.join(args.skip) or 'none'}"
    }
    ok = True
    if "corpus" not in args.skip:
        parts["corpus"] = run_corpus()
        ok &= not parts["corpus"]["failures"]
    if "fuzz" not in args.skip:
        parts["fuzz"] = run_pytest(
            [
                "tests/io/test_fuzz_readers.py",
                "tests/dashboard/test_formula_injection.py",
                "-n",
                "2",
            ],
            {"HYPOTHESIS_PROFILE": "stress"},
            3 * 3600,
        )
        ok &= parts["fuzz"]["exit"] == 0
    if "kills" not in args.skip:
        parts["kills"] = run_pytest(
            ["tests/store/test_store_reliability.py", "-s", "-k", "sigkill or concurrent"],
            {"STRESS_KILLS": str(args.kills)},
            3600,
        )
        ok &= parts["kills"]["exit"] == 0
    if "load" not in args.skip:
        parts["load"] = run_load(args.seconds, args.viewers, args.uploaders, args.server)
        ok &= _load_ok(parts["load"])
    if "slow" not in args.skip:
        parts["slow"] = run_slow()
        ok &= bool(parts["slow"]["ok"])
    parts["ok"] = ok
    write_report(args.out, parts)
    for name in ("fuzz", "kills"):
        if name in parts:
            print(f"{name}: {parts[name]['summary']}")
    if "load" in parts:
        print(
            "load:",
            json.dumps(
                {k: v for k, v in parts["load"].items() if k not in ("callbacks_replayed",)},
                default=str,
            )[:1500],
        )
    print(f"wrote {args.out}; {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
