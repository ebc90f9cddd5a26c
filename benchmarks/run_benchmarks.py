"""``make bench``: generate the data, time our commands against the baselines, write RESULTS.md.

Steps, in order of importance (each one degrades to "not available" / "failed" / "skipped"
with the reason instead of stopping):

1. generate (seeded) the register of 2,000 agreements, invoice exports of 100,000 and 1,000,000
   lines, a 200,000-line XLSX export, 100,000 trips and FTE per year into benchmarks/generated/;
2. time the start-up, ``spendanalys --help``;
3. time ``spendanalys spend`` on 100k and 1M lines as processes (median of 3 after a warm-up,
   peak RSS, CPU time) and the DuckDB reference of the same job (benchmarks/duckdb_reference.py),
   and compare their per-agreement spend and kg CO2e (1e-9 relative); the 1M warm-up run runs
   under cProfile, and benchmarks/phases.py splits one 1M run into phases;
4. time ``spendanalys travel`` on 100,000 trips;
5. the 10M-line step (benchmarks/scale.py): the export written in chunks, DuckDB over it,
   ``spend`` once or twice, DuckDB over the same lines parsed into Parquet under a 1 GiB
   memory_limit, the answers compared, per-line costs derived;
6. time reading the XLSX with our reader, openpyxl read-only and python-calamine (raw);
7. run the dashboard load test (benchmarks/load_dashboard.py, viewers only; the figure with
   uploads running comes from benchmarks/RELIABILITY.md, written by ``make stress``);
8. write benchmarks/RESULTS.md (benchmarks/results_report.py, targets in benchmarks/targets.py).

``--quick`` runs the same steps on small files (for trying the harness); ``--budget`` (seconds,
default 22 min) makes later steps take fewer runs, or skips them, so that ``make bench`` ends
within about 20-25 minutes on two cores; ``--no-scale`` leaves out step 5 (about 8 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks import generate, generate_travel, large_export, scale, xlsx_writer  # noqa: E402
from benchmarks.harness import Measurement, measure  # noqa: E402
from benchmarks.reference_tables import write_reference_tables  # noqa: E402
from benchmarks.results_report import compare_agreements, machine_info, write_results  # noqa: E402

PY = sys.executable
GENERATED = HERE / "generated"  # --quick uses generated/quick/ so the files never mix
# Seconds kept for the 10M-line step while the earlier steps take their shares (on two quiet
# cores it takes about 7-8 minutes: 35 s to write the file, DuckDB 3 × ~20 s, spend 1-2 runs,
# the Parquet conversion and query), and the least left for the XLSX step after it.
SCALE_RESERVE_S = 9 * 60.0
XLSX_RESERVE_S = 120.0


class Budget:
    """Wall-clock budget for the whole run; steps ask before starting."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def allows(self, estimate_s: float) -> bool:
        return self.left() > estimate_s


def command_available(command: str) -> tuple[bool, str]:
    """Whether ``spendanalys COMMAND --help`` works (the command module exists and imports)."""
    done = subprocess.run(
        [PY, "-m", "spendanalys", command, "--help"], capture_output=True, text=True, check=False
    )
    if done.returncode == 0:
        return True, ""
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return False, tail[0]


def generate_all(sizes: dict[str, int]) -> dict[str, object]:
    """Write every input file; returns paths and generation seconds."""
    GENERATED.mkdir(parents=True, exist_ok=True)
    files: dict[str, object] = {"timings": {}}
    timings: dict[str, float] = files["timings"]  # type: ignore[assignment]
    start = time.perf_counter()
    register = generate.make_register(sizes["agreements"])
    files["register"] = register
    files["contracts"] = generate.write_contracts_csv(register, GENERATED / "avtal.csv")
    timings["register"] = time.perf_counter() - start
    for key in ("small", "large"):
        start = time.perf_counter()
        path = GENERATED / f"fakturor_{sizes[key]}.csv"
        # Byte-identical to write_invoices_csv(make_invoices(...)), in a fifth of the time.
        files[key] = large_export.write_invoices_csv_chunked(register, sizes[key], path)
        timings[f"invoices {sizes[key]:,}"] = time.perf_counter() - start
    start = time.perf_counter()
    lines = generate.make_invoices(register, sizes["xlsx"], seed=12)
    files["xlsx"] = xlsx_writer.write_invoices_xlsx(
        lines, GENERATED / f"fakturor_{sizes['xlsx']}.xlsx"
    )
    timings[f"xlsx {sizes['xlsx']:,}"] = time.perf_counter() - start
    start = time.perf_counter()
    files["trips"] = generate_travel.write_trips_csv(sizes["trips"], GENERATED / "resor.csv")
    files["fte"] = generate_travel.write_fte_csv(GENERATED / "arsarbetskrafter.csv")
    timings[f"trips {sizes['trips']:,}"] = time.perf_counter() - start
    return files


def startup_argv() -> list[str]:
    """``spendanalys --help`` as a user types it: the console script next to the interpreter
    (the venv's), else ``python -m spendanalys``."""
    script = Path(PY).with_name("spendanalys")
    if script.exists():
        return [str(script), "--help"]
    return [PY, "-m", "spendanalys", "--help"]


def spend_argv(contracts: Path, invoices: Path, out: Path) -> list[str]:
    return [
        PY,
        "-m",
        "spendanalys",
        "spend",
        "--contracts",
        str(contracts),
        "--invoices",
        str(invoices),
        "--format",
        "json",
        "--out",
        str(out),
        "--as-of",
        "2024-12-31",
    ]


def duckdb_argv(contracts: Path, invoices: Path, tables: Path, out: Path) -> list[str]:
    return [
        PY,
        str(HERE / "duckdb_reference.py"),
        "--contracts",
        str(contracts),
        "--invoices",
        str(invoices),
        "--tables",
        str(tables),
        "--out",
        str(out),
    ]


def pandas_argv(contracts: Path, invoices: Path, tables: Path, out: Path) -> list[str]:
    """The pandas/pyarrow floor of the same job: DuckDB's five steps on the default path's stack."""
    return [
        PY,
        str(HERE / "pandas_reference.py"),
        *duckdb_argv(contracts, invoices, tables, out)[2:],
    ]


def bench_spend(
    files: dict[str, object],
    sizes: dict[str, int],
    runs: int,
    key: str,
    results: dict[str, object],
    *,
    budget_s: float = 1e9,
    profile: bool = False,
) -> None:
    """Time our spend command and the DuckDB reference on one invoice file.

    Timed runs stop early (at least one is made) when the next would not fit in ``budget_s``;
    RESULTS.md then says so. With ``profile``, the warm-up run runs under cProfile (it is not
    timed anyway, so the profile costs no extra run).
    """
    tables = GENERATED / "reference_tables"
    if "reference_tables" not in results:
        results["reference_tables"] = write_reference_tables(tables)
    available, why = command_available("spend")
    contracts = Path(str(files["contracts"]))
    n = sizes[key]
    invoices = Path(str(files[key]))
    ours_out, ref_out = GENERATED / f"spend_{n}.json", GENERATED / f"duckdb_{n}.csv"
    ref = measure(
        f"DuckDB SQL, {n:,} lines", duckdb_argv(contracts, invoices, tables, ref_out), runs=runs
    )
    results[f"duckdb_{key}"] = ref.as_dict()
    if key == "large":
        floor_out = GENERATED / f"pandas_{n}.csv"
        floor = measure(
            f"pandas/pyarrow floor, {n:,} lines",
            pandas_argv(contracts, invoices, tables, floor_out),
            runs=runs,
        )
        results[f"pandas_{key}"] = floor.as_dict()
        if floor.status == "ok" and ref.status == "ok":
            results[f"floor_check_{key}"] = compare_agreements(
                floor_out, ref_out, ours_format="csv"
            )
    label = f"spendanalys spend, {n:,} lines"
    if not available:
        ours = Measurement(label, "not available", note=why)
    else:
        argv = spend_argv(contracts, invoices, ours_out)
        warmup_argv = None
        prof = GENERATED / f"spend_{key}.prof"
        if profile:
            prof.unlink(missing_ok=True)
            warmup_argv = [PY, "-m", "cProfile", "-o", str(prof), *argv[1:]]
        ours = measure(
            label,
            argv,
            runs=runs,
            warmup=1,
            timeout=900,
            warmup_argv=warmup_argv,
            budget_s=budget_s,
        )
        if profile and prof.exists():
            results["profile"] = profile_summary(prof, n)
    results[f"spend_{key}"] = ours.as_dict()
    if ours.status == "ok" and ref.status == "ok":
        results[f"agreement_check_{key}"] = compare_agreements(ours_out, ref_out)
    print(f"  {ours.label}: {ours.status} {ours.median_s}; DuckDB {ref.median_s}", flush=True)


def bench_xlsx(
    files: dict[str, object],
    runs: int,
    budget: Budget,
    results: dict[str, object],
    reserve: float = 0.0,
) -> None:
    """Our reader, python-calamine raw and openpyxl read-only on the workbook; each engine takes
    a share of what is left of the budget beyond ``reserve`` (openpyxl, the slow one, last)."""
    path = str(files["xlsx"])
    for engine, share in (("ours", 0.35), ("calamine", 0.3), ("openpyxl", 1.0)):
        label = f"{engine} reading the XLSX"
        if engine == "ours":
            try:
                import spendanalys.io as io_module

                ok = hasattr(io_module, "read_invoices")
            except Exception:
                ok = False
            if not ok:
                results[f"xlsx_{engine}"] = Measurement(
                    label, "not available", note="spendanalys.io.read_invoices missing"
                ).as_dict()
                continue
        allowed = (budget.left() - reserve) * share
        if allowed <= 0:
            results[f"xlsx_{engine}"] = Measurement(label, "skipped", note="time budget").as_dict()
            continue
        # openpyxl takes 30-100 s a run: no warm-up (the file is in the page cache already).
        warmup = 0 if engine == "openpyxl" else 1
        m = measure(
            label,
            [PY, str(HERE / "xlsx_read.py"), engine, path],
            runs=runs,
            warmup=warmup,
            timeout=400,
            budget_s=allowed,
        )
        results[f"xlsx_{engine}"] = m.as_dict()
        print(f"  {label}: {m.status} {m.median_s}", flush=True)


def bench_travel(
    files: dict[str, object],
    sizes: dict[str, int],
    runs: int,
    results: dict[str, object],
    budget_s: float | None = None,
) -> None:
    label = f"spendanalys travel, {sizes['trips']:,} trips"
    available, why = command_available("travel")
    if not available:
        results["travel"] = Measurement(label, "not available", note=why).as_dict()
        return
    argv = [
        PY,
        "-m",
        "spendanalys",
        "travel",
        "--trips",
        str(files["trips"]),
        "--fte",
        str(files["fte"]),
        "--format",
        "json",
        "--out",
        str(GENERATED / "travel.json"),
    ]
    m = measure(label, argv, runs=runs, timeout=300, budget_s=budget_s)
    results["travel"] = m.as_dict()
    print(f"  {label}: {m.status} {m.median_s}", flush=True)


def run_phases(files: dict[str, object], sizes: dict[str, int], results: dict[str, object]) -> None:
    """One in-process run on the large file split into phases (benchmarks/phases.py)."""
    done = subprocess.run(
        [PY, str(HERE / "phases.py"), str(files["contracts"]), str(files["large"])],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        results["phases"] = json.loads(done.stdout.strip().splitlines()[-1])["phases"]
        results["phases_lines"] = sizes["large"]
    except (IndexError, KeyError, json.JSONDecodeError):
        results["phases_error"] = (done.stderr or done.stdout).strip()[-300:]


def profile_summary(prof: Path, lines: int) -> dict[str, object]:
    """The top functions of a cProfile run, by own time and by cumulative time."""
    import io
    import pstats

    by_own = io.StringIO()
    pstats.Stats(str(prof), stream=by_own).sort_stats("tottime").print_stats(25)
    by_cumulative = io.StringIO()
    pstats.Stats(str(prof), stream=by_cumulative).sort_stats("cumulative").print_stats(30)
    return {
        "status": "ok",
        "lines": lines,
        "tottime": _trim_stats(by_own.getvalue()),
        "cumulative": _trim_stats(by_cumulative.getvalue()),
    }


def _trim_stats(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(
        line.replace(str(REPO) + "/", "").rstrip() for line in lines[start:] if line.strip()
    )


def bench_dashboard(
    seconds: int, users: int, lines: int, max_total: float, results: dict[str, object]
) -> None:
    out = GENERATED / "dashboard_load.json"
    out.unlink(missing_ok=True)
    argv = [
        PY,
        str(HERE / "load_dashboard.py"),
        "--seconds",
        str(seconds),
        "--users",
        str(users),
        "--lines",
        str(lines),
        "--json-out",
        str(out),
        "--max-total",
        str(int(max_total)),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=max_total + 60, check=False)
    if out.exists():
        results["dashboard"] = json.loads(out.read_text(encoding="utf-8"))
    else:
        results["dashboard"] = {
            "status": "failed",
            "note": (done.stderr or done.stdout).strip()[-500:],
        }
    print(f"  dashboard: {results['dashboard'].get('status')}", flush=True)


def dashboard_only(args: argparse.Namespace) -> int:
    saved = GENERATED / "results.json"
    results = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
    results.setdefault("sizes", {"large": 1_000_000})
    results.setdefault("machine", machine_info())
    print("dashboard load …", flush=True)
    bench_dashboard(
        args.dashboard_seconds,
        args.dashboard_users,
        results["sizes"]["large"],
        args.budget,
        results,
    )
    saved.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    write_results(results, args.out)
    print(f"wrote {args.out}", flush=True)
    return 0 if results["dashboard"].get("status") == "ok" else 1


def travel_only(args: argparse.Namespace) -> int:
    """The travel step alone, as the full run times it; RESULTS.md keeps its other figures."""
    sizes = {"trips": 100_000}
    GENERATED.mkdir(parents=True, exist_ok=True)
    files = {
        "trips": generate_travel.write_trips_csv(sizes["trips"], GENERATED / "resor.csv"),
        "fte": generate_travel.write_fte_csv(GENERATED / "arsarbetskrafter.csv"),
    }
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    results: dict[str, object] = {}
    bench_travel(files, sizes, args.runs, results)
    m = results["travel"]
    assert isinstance(m, dict)
    text = args.out.read_text(encoding="utf-8")
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    loads = ", ".join(f"{v:.2f}" for v in load) if load else "unknown"
    median = m["median_s"]
    runs = ", ".join(f"{s:.2f}" for s in m["seconds"])  # type: ignore[attr-defined]
    rss = m["max_rss_mb"]
    lines = []
    for line in text.splitlines():
        if line.startswith("| 100k trips < 2 s"):
            verdict = "PASS" if median is not None and median < 2 else "MISS"
            line = (
                f"| 100k trips < 2 s (whole command; re-measured {when} UTC, "
                f"`--travel-only`) | {median:.2f} s | {verdict} | {median - 2:+.2f} s |"
            )
        elif line.startswith(f"| spendanalys travel, {sizes['trips']:,} trips"):
            line = (
                f"| spendanalys travel, {sizes['trips']:,} trips (re-measured {when} UTC, load "
                f"average at start {loads}) | {m['status']} | {median:.2f} | "
                f"{m['median_cpu_s']:.2f} | – | {runs} | {rss:.0f} |"
            )
        lines.append(line)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"travel: {median:.2f} s (runs {runs}); rewrote its rows in {args.out}", flush=True)
    return 0


def scale_only(args: argparse.Namespace) -> int:
    """The 10M-line step alone, merged into the last full run's results.json (its 1M-line
    figures give the per-line costs and the memory guard); RESULTS.md is rewritten."""
    saved = GENERATED / "results.json"
    if not saved.exists():
        print(f"no {saved}: run the full benchmark once first", file=sys.stderr)
        return 2
    results = json.loads(saved.read_text(encoding="utf-8"))
    sizes = results["sizes"]
    sizes["scale"] = args.scale_lines or sizes.get("scale") or 10_000_000
    register = generate.make_register(sizes["agreements"])
    contracts = generate.write_contracts_csv(register, GENERATED / "avtal.csv")
    tables = GENERATED / "reference_tables"
    results["reference_tables"] = write_reference_tables(tables)
    print(f"scale, {sizes['scale']:,} lines …", flush=True)
    scale.bench_scale(
        py=PY,
        generated=GENERATED,
        register=register,
        contracts=contracts,
        tables=tables,
        n_lines=sizes["scale"],
        runs=args.runs,
        budget_s=args.budget,
        results=results,
        spend_argv=spend_argv,
        duckdb_argv=duckdb_argv,
        compare=compare_agreements,
        spend_available=command_available("spend"),
    )
    results["scale_measured_at"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    saved.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    write_results(results, args.out)
    print(f"wrote {args.out}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    global GENERATED
    parser = argparse.ArgumentParser(description="Run the spendanalys benchmarks")
    parser.add_argument("--quick", action="store_true", help="small files, for trying the harness")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measurement (median)")
    parser.add_argument("--budget", type=float, default=22 * 60, help="seconds for the whole run")
    parser.add_argument("--no-scale", action="store_true", help="leave out the 10M-line step")
    parser.add_argument(
        "--scale-lines", type=int, default=None, help="lines of the scale step (10,000,000)"
    )
    parser.add_argument("--dashboard-seconds", type=int, default=60)
    parser.add_argument("--dashboard-users", type=int, default=10)
    parser.add_argument("--no-dashboard", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--dashboard-only",
        action="store_true",
        help="run only the dashboard load test and rewrite RESULTS.md with the figures of the "
        "last full run (benchmarks/generated/results.json)",
    )
    parser.add_argument(
        "--travel-only",
        action="store_true",
        help="re-measure only the travel command on 100,000 trips and rewrite its two rows of "
        "RESULTS.md (the target and the figure), saying when and under what load",
    )
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="run only the 10M-line step, merged into the last full run's "
        "benchmarks/generated/results.json, and rewrite RESULTS.md",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite RESULTS.md from the last run's benchmarks/generated/results.json",
    )
    args = parser.parse_args(argv)
    if args.render:
        write_results(
            json.loads((GENERATED / "results.json").read_text(encoding="utf-8")), args.out
        )
        return 0
    if args.dashboard_only:
        return dashboard_only(args)
    if args.travel_only:
        return travel_only(args)
    if args.scale_only:
        return scale_only(args)
    budget = Budget(args.budget)
    sizes = {
        "agreements": 2000,
        "small": 100_000,
        "large": 1_000_000,
        "scale": 10_000_000,
        "xlsx": 200_000,
        "trips": 100_000,
    }
    if args.quick:
        sizes = {
            "agreements": 200,
            "small": 2_000,
            "large": 20_000,
            "scale": 200_000,
            "xlsx": 5_000,
            "trips": 2_000,
        }
        GENERATED = HERE / "generated" / "quick"
    if args.scale_lines:
        sizes["scale"] = args.scale_lines
    if args.no_scale:
        del sizes["scale"]
    started = time.perf_counter()
    results: dict[str, object] = {"sizes": sizes, "machine": machine_info(), "quick": args.quick}
    print("generating data …", flush=True)
    files = generate_all(sizes)
    results["generation"] = files["timings"]
    results["startup"] = measure(
        "spendanalys --help (start-up: interpreter and imports)",
        startup_argv(),
        runs=max(args.runs, 5),
    ).as_dict()
    print("spend, small file …", flush=True)
    bench_spend(files, sizes, args.runs, "small", results)
    # Priority: the 1M-line run is the main figure; the later steps take shares of what
    # is left, and the 10M-line step and the dashboard step keep their own reserves. A step
    # that gets fewer runs, or none, says so in RESULTS.md.
    dashboard_reserve = 0.0 if args.no_dashboard else args.dashboard_seconds + 150.0
    scale_reserve = SCALE_RESERVE_S if "scale" in sizes else 0.0
    reserve = dashboard_reserve + scale_reserve
    print("spend, large file …", flush=True)
    bench_spend(
        files,
        sizes,
        args.runs,
        "large",
        results,
        budget_s=(budget.left() - reserve) * 0.45,
        profile=not args.no_profile,
    )
    run_phases(files, sizes, results)
    print("travel …", flush=True)
    bench_travel(files, sizes, args.runs, results, budget_s=(budget.left() - reserve) * 0.3)
    if "scale" in sizes:
        print(f"scale, {sizes['scale']:,} lines …", flush=True)
        scale.bench_scale(
            py=PY,
            generated=GENERATED,
            register=files["register"],  # type: ignore[arg-type]
            contracts=Path(str(files["contracts"])),
            tables=GENERATED / "reference_tables",
            n_lines=sizes["scale"],
            runs=args.runs,
            budget_s=budget.left() - dashboard_reserve - XLSX_RESERVE_S,
            results=results,
            spend_argv=spend_argv,
            duckdb_argv=duckdb_argv,
            compare=compare_agreements,
            spend_available=command_available("spend"),
        )
    print("xlsx …", flush=True)
    bench_xlsx(files, args.runs, budget, results, reserve=dashboard_reserve)
    if not args.no_dashboard:
        if budget.allows(args.dashboard_seconds + 90):
            print("dashboard load …", flush=True)
            bench_dashboard(
                args.dashboard_seconds,
                args.dashboard_users,
                sizes["large"],
                budget.left() - 10,
                results,
            )
        else:
            results["dashboard"] = {"status": "skipped", "note": "time budget"}
    results["total_seconds"] = time.perf_counter() - started
    results["finished_at"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    results["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    (GENERATED / "results.json").write_text(
        json.dumps(results, indent=2, default=str), encoding="utf-8"
    )
    write_results(results, args.out)
    print(f"wrote {args.out} in {results['total_seconds']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
