"""RESULTS.md: machine, versions, every figure, and each target as PASS or MISS with its gap."""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import statistics
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.scale import scale_section
from benchmarks.targets import SAME_ANSWER_REL, inner_s, median_s, targets

PACKAGES = ("pandas", "numpy", "pyarrow", "duckdb", "openpyxl", "python-calamine", "dash", "flask")


def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model, OS and package versions."""
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    info["versions"] = versions
    return info


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return None if value is None or math.isnan(value) else value


def _result_csv(path: Path) -> dict[str, tuple[float | None, float | None]]:
    with path.open(encoding="utf-8") as fh:
        return {
            row["agreement_id"]: (_float(row["spend_sek"]), _float(row["kg_co2e"]))
            for row in csv.DictReader(fh)
            if row["agreement_id"]
        }


def compare_agreements(
    ours: Path, duckdb_csv: Path, *, ours_format: str = "json", rel_tol: float = SAME_ANSWER_REL
) -> dict[str, Any]:
    """Per-agreement spend and kg CO2e of our JSON output (or of another reference result,
    ``ours_format="csv"``) against the DuckDB result; values further apart than ``rel_tol``
    relative count as differing."""
    if ours_format == "csv":
        mine = _result_csv(ours)
    else:
        mine = {
            str(a["agreement_id"]): (_float(a.get("spend_sek")), _float(a.get("kg_co2e")))
            for a in json.loads(ours.read_text(encoding="utf-8")).get("agreements", [])
        }
    ref = _result_csv(duckdb_csv)
    worst_kg = worst_spend = 0.0
    differing, missing = 0, 0
    for agreement_id, (spend, kg) in ref.items():
        if agreement_id not in mine:
            missing += 1
            continue
        our_spend, our_kg = mine[agreement_id]
        for ref_value, our_value, which in ((spend, our_spend, "spend"), (kg, our_kg, "kg")):
            if ref_value is None and our_value is None:
                continue
            if ref_value is None or our_value is None:
                differing += 1
                continue
            rel = abs(our_value - ref_value) / max(abs(ref_value), 1e-9)
            if which == "kg":
                worst_kg = max(worst_kg, rel)
            else:
                worst_spend = max(worst_spend, rel)
            if rel > rel_tol:
                differing += 1
    return {
        "agreements_compared": len(ref) - missing,
        "missing_in_ours": missing,
        "differing_values": differing,
        "max_rel_diff_kg": worst_kg,
        "max_rel_diff_spend": worst_spend,
        "rel_tol": rel_tol,
    }


def _load(values: Any) -> str:
    return "–" if not values else ", ".join(f"{v:.2f}" for v in values)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _measure_row(m: dict[str, Any]) -> str:
    runs = ", ".join(f"{s:.2f}" for s in m.get("seconds", []))
    inner = m.get("inner_seconds") or []
    inner_txt = _fmt(statistics.median(inner)) if inner else "–"
    status = m["status"] + (f" ({m['note']})" if m.get("note") else "")
    return _row(
        [
            m["label"],
            status,
            _fmt(m.get("median_s")),
            _fmt(m.get("median_cpu_s")),
            inner_txt,
            runs or "–",
            _fmt(m.get("max_rss_mb"), 0),
        ]
    )


def write_results(results: dict[str, Any], path: Path) -> None:
    m = results["machine"]
    v = m["versions"]
    out = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`benchmarks/run_benchmarks.py`) on "
        f"{results.get('finished_at') or datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC in {results.get('total_seconds', 0):.0f} s"
        + (
            " — **quick mode: small files, figures not comparable with the targets**"
            if results.get("quick")
            else ""
        )
        + ".",
        "",
        "## Machine",
        "",
        f"- CPU: {m.get('cpu_model', '?')}, {m.get('cores_usable')} usable cores "
        f"({m.get('cpu_count')} reported); memory {m.get('memory_gib', '?')} GiB",
        f"- {m.get('platform')}; Python {m.get('python')}",
        f"- load average (1, 5, 15 min) at start {_load(m.get('load_average_at_start'))}, at end "
        f"{_load(results.get('load_average_at_end'))}: other work on the machine inflates every "
        "wall time below",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "",
        "## Targets",
        "",
        _row(["target", "measured", "verdict", "gap"]),
        _row(["---"] * 4),
        *targets(results),
        "",
        "## Every figure",
        "",
        "Process wall time (median of the timed runs after one warm-up run; openpyxl and the "
        f"{results.get('sizes', {}).get('scale', 0):,}-line runs without one), CPU time of "
        "the process (user + system, median), in-process time where the script reports it "
        "(imports excluded), and the largest peak RSS of the command over the timed runs "
        "(`ru_maxrss` of a fresh helper's only child).",
        "",
        _row(
            [
                "measurement",
                "status",
                "median s",
                "CPU s",
                "in-process s",
                "runs s",
                "peak RSS MiB",
            ]
        ),
        _row(["---"] * 7),
    ]
    for key in (
        "startup",
        "spend_small",
        "duckdb_small",
        "spend_large",
        "duckdb_large",
        "pandas_large",
        "spend_scale",
        "duckdb_scale",
        "parquet_ingest_large",
        "parquet_large",
        "parquet_ingest_scale",
        "parquet_scale",
        "xlsx_ours",
        "xlsx_calamine",
        "xlsx_openpyxl",
        "travel",
    ):
        if key in results:
            out.append(_measure_row(results[key]))
    out += ["", "### Ratios and growth", ""]
    for key in ("small", "large", "scale"):
        ours, ref = median_s(results, f"spend_{key}"), median_s(results, f"duckdb_{key}")
        if ours and ref:
            out.append(f"- {results['sizes'][key]:,} lines: ours ÷ DuckDB = **{ours / ref:.2f}×**")
    floor, ref = median_s(results, "pandas_large"), median_s(results, "duckdb_large")
    ours = median_s(results, "spend_large")
    if floor and ref:
        out.append(
            f"- {results['sizes']['large']:,} lines: the pandas/pyarrow floor of DuckDB's five "
            f"steps (`benchmarks/pandas_reference.py`) ÷ DuckDB = **{floor / ref:.2f}×**"
            + (f"; ours ÷ that floor = {ours / floor:.2f}×" if ours else "")
        )
    small, large = median_s(results, "spend_small"), median_s(results, "spend_large")
    if small and large:
        rs = results["spend_small"]["max_rss_mb"]
        rl = results["spend_large"]["max_rss_mb"]
        out.append(
            f"- spend, {results['sizes']['small']:,} → {results['sizes']['large']:,} lines: time ×{large / small:.2f}, peak RSS ×{rl / rs:.2f} "
            f"({rs:,.0f} → {rl:,.0f} MiB)"
        )
    rs_, rl_ = median_s(results, "duckdb_small"), median_s(results, "duckdb_large")
    if rs_ and rl_:
        out.append(f"- DuckDB, same growth: time ×{rl_ / rs_:.2f}")
    our_x, opx, cal = (inner_s(results, k) for k in ("xlsx_ours", "xlsx_openpyxl", "xlsx_calamine"))
    if our_x and opx:
        out.append(
            f"- XLSX: openpyxl read-only ÷ ours = **{opx / our_x:.1f}×**"
            + (f"; ours ÷ calamine raw = {our_x / cal:.2f}×" if cal else "")
        )
    for key, who in (
        ("agreement_check_small", "ours vs DuckDB"),
        ("agreement_check_large", "ours vs DuckDB"),
        ("agreement_check_scale", "ours vs DuckDB"),
        ("floor_check_large", "pandas/pyarrow floor vs DuckDB"),
        ("parquet_check_scale", "DuckDB over Parquet vs DuckDB over CSV"),
    ):
        check = results.get(key)
        if check:
            n = results["sizes"][key.rsplit("_", 1)[1]]
            tol = f"{check.get('rel_tol', 1e-6):.0e}".replace("e-0", "e-")
            out.append(
                f"- same answer, {n:,} lines, {who}: {check['agreements_compared']} "
                f"agreements compared, {check['missing_in_ours']} missing, "
                f"{check['differing_values']} values differ by > {tol} relative; max relative "
                f"difference kg CO2e {check['max_rel_diff_kg']:.2e}, spend "
                f"{check['max_rel_diff_spend']:.2e}"
            )
    phases = results.get("phases")
    if phases:
        n = results.get("phases_lines", 0)
        total = sum(phases.values())
        out += [
            "",
            f"Phases of one spend run on {n:,} lines in one process "
            f"(`benchmarks/phases.py`, {total:.1f} s in all; DuckDB does the whole job in "
            f"{_fmt(median_s(results, 'duckdb_large'))} s as a process):",
            "",
        ]
        out += [
            f"- {name}: {seconds:.2f} s ({seconds / total:.0%})" for name, seconds in phases.items()
        ]
    elif results.get("phases_error"):
        out += ["", f"Phase split failed: {results['phases_error']}"]
    out += ["", f"DuckDB reference factor tables: {results.get('reference_tables', '–')}", ""]
    out += ["### Data generation (not timed against targets)", ""]
    for k, s in results.get("generation", {}).items():
        # "reused": the 10M-line file of an earlier run by the same generator (scale.py)
        out.append(f"- {k}: {s:.1f} s" if isinstance(s, (int, float)) else f"- {k}: {s}")
    out += [
        "",
        *scale_section(results),
        *_dashboard_section(results.get("dashboard")),
        *_profile_section(results.get("profile")),
    ]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _dashboard_section(dash: dict[str, Any] | None) -> list[str]:
    out = ["## Dashboard under load", ""]
    if not dash:
        return [*out, "Not run.", ""]
    if dash.get("status") != "ok":
        return [*out, f"Status: {dash.get('status')} — {dash.get('note', '')}", ""]
    o = dash["overall"]
    out += [
        f"{dash['users']} concurrent viewers on 127.0.0.1 for {dash['seconds']} s against "
        f"`/_dash-update-component`, {dash.get('lines', 0):,} invoice lines stored "
        f"({dash.get('import_note', '')}).",
        "",
        _row(["callback", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "mean response KiB"]),
        _row(["---"] * 7),
    ]
    for name, s in [*dash.get("callbacks", {}).items(), ("all", o)]:
        out.append(
            _row(
                [
                    f"`{name}`",
                    str(s["requests"]),
                    str(s["errors"]),
                    _fmt(s["p50_ms"], 0),
                    _fmt(s["p95_ms"], 0),
                    _fmt(s["p99_ms"], 0),
                    _fmt(s.get("mean_kb"), 0),
                ]
            )
        )
    if dash.get("error_samples"):
        out += ["", "Error samples: " + "; ".join(dash["error_samples"][:5])]
    return [*out, ""]


def _profile_section(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return []
    if profile.get("status") != "ok":
        return ["## Profile", "", f"Profiling failed: {profile.get('note')}", ""]
    return [
        f"## Profile of one {profile.get('lines', 0):,}-line spend run (cProfile; the warm-up run), top 25 by own time",
        "",
        "```",
        profile["tottime"],
        "```",
        "",
        "Top 30 by cumulative time:",
        "",
        "```",
        profile["cumulative"],
        "```",
        "",
    ]
