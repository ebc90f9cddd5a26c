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

PACKAGES = ("pandas", "numpy", "pyarrow", "duckdb", "openpyxl", "python-calamine", "dash", "flask")
RSS_TARGET_MIB = 1.5 * 1024  # 1.5 GiB
P95_TARGET_MS = 300.0


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


def compare_agreements(ours_json: Path, duckdb_csv: Path) -> dict[str, Any]:
    """Per-agreement spend and kg CO2e of our JSON output against the DuckDB result."""
    ours = {
        str(a["agreement_id"]): (_float(a.get("spend_sek")), _float(a.get("kg_co2e")))
        for a in json.loads(ours_json.read_text(encoding="utf-8")).get("agreements", [])
    }
    with duckdb_csv.open(encoding="utf-8") as fh:
        ref = {
            row["agreement_id"]: (_float(row["spend_sek"]), _float(row["kg_co2e"]))
            for row in csv.DictReader(fh)
            if row["agreement_id"]
        }
    worst_kg = worst_spend = 0.0
    differing, missing = 0, 0
    for agreement_id, (spend, kg) in ref.items():
        if agreement_id not in ours:
            missing += 1
            continue
        our_spend, our_kg = ours[agreement_id]
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
            if rel > 1e-6:
                differing += 1
    return {
        "agreements_compared": len(ref) - missing,
        "missing_in_ours": missing,
        "differing_values": differing,
        "max_rel_diff_kg": worst_kg,
        "max_rel_diff_spend": worst_spend,
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
            inner_txt,
            runs or "–",
            _fmt(m.get("max_rss_mb"), 0),
        ]
    )


def _target(name: str, measured: str, ok: bool | None, gap: str) -> str:
    verdict = "not measured" if ok is None else ("PASS" if ok else "MISS")
    return _row([name, measured, verdict, gap])


def _median(results: dict[str, Any], key: str) -> float | None:
    m = results.get(key) or {}
    return m.get("median_s") if m.get("status") == "ok" else None


def _inner(results: dict[str, Any], key: str) -> float | None:
    m = results.get(key) or {}
    values = m.get("inner_seconds") or []
    return statistics.median(values) if m.get("status") == "ok" and values else None


def targets(results: dict[str, Any]) -> list[str]:
    """The issue's targets, each with what was measured, PASS/MISS and the gap."""
    rows = []
    ours, ref = _median(results, "spend_large"), _median(results, "duckdb_large")
    if ours and ref:
        ratio = ours / ref
        rows.append(
            _target(
                "1M lines end to end ≤ 2× DuckDB",
                f"{ratio:.2f}× ({ours:.1f} s vs {ref:.1f} s)",
                ratio <= 2,
                f"{ours - 2 * ref:+.1f} s vs 2× DuckDB",
            )
        )
    else:
        rows.append(
            _target("1M lines end to end ≤ 2× DuckDB", "–", None, "spend command not measured")
        )
    rss = (results.get("spend_large") or {}).get("max_rss_mb")
    if rss and ours:
        rows.append(
            _target(
                "1M lines peak RSS ≤ 1.5 GiB",
                f"{rss:,.0f} MiB",
                rss <= RSS_TARGET_MIB,
                f"{rss - RSS_TARGET_MIB:+,.0f} MiB",
            )
        )
    else:
        rows.append(_target("1M lines peak RSS ≤ 1.5 GiB", "–", None, "not measured"))
    small = _median(results, "spend_small")
    sizes = results.get("sizes", {})
    factor = sizes.get("large", 1) / max(sizes.get("small", 1), 1)
    if small and ours:
        growth = ours / small
        rows.append(
            _target(
                f"growth 100k → 1M no worse than linear (≤ {factor:.0f}×)",
                f"{growth:.2f}×",
                growth <= factor,
                f"{growth - factor:+.2f}×",
            )
        )
    else:
        rows.append(_target("growth no worse than linear", "–", None, "not measured"))
    our_x, opx = _inner(results, "xlsx_ours"), _inner(results, "xlsx_openpyxl")
    if our_x and opx:
        speedup = opx / our_x
        rows.append(
            _target(
                "XLSX reader ≥ 5× faster than openpyxl read-only",
                f"{speedup:.1f}× ({our_x:.2f} s vs {opx:.2f} s)",
                speedup >= 5,
                f"{speedup - 5:+.1f}×",
            )
        )
    else:
        rows.append(
            _target("XLSX reader ≥ 5× faster than openpyxl read-only", "–", None, "not measured")
        )
    travel = _median(results, "travel")
    if travel:
        rows.append(
            _target(
                "100k trips < 2 s (whole command)",
                f"{travel:.2f} s",
                travel < 2,
                f"{travel - 2:+.2f} s",
            )
        )
    else:
        rows.append(_target("100k trips < 2 s", "–", None, "travel command not measured"))
    dash = results.get("dashboard") or {}
    p95 = (dash.get("overall") or {}).get("p95_ms") if dash.get("status") == "ok" else None
    if p95 is not None:
        rows.append(
            _target(
                "dashboard p95 < 300 ms (server, 10 viewers)",
                f"{p95:.0f} ms",
                p95 < P95_TARGET_MS,
                f"{p95 - P95_TARGET_MS:+.0f} ms",
            )
        )
    else:
        rows.append(_target("dashboard p95 < 300 ms", "–", None, dash.get("note", "not measured")))
    return rows


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
        "Process wall time (median of the timed runs after one warm-up run; openpyxl without a "
        "warm-up), in-process time where the script reports it (imports excluded), and the "
        "largest peak RSS of the command over the timed runs (`ru_maxrss` of a fresh helper's "
        "only child).",
        "",
        _row(["measurement", "status", "median s", "in-process s", "runs s", "peak RSS MiB"]),
        _row(["---"] * 6),
    ]
    for key in (
        "startup",
        "spend_small",
        "duckdb_small",
        "spend_large",
        "duckdb_large",
        "xlsx_ours",
        "xlsx_calamine",
        "xlsx_openpyxl",
        "travel",
    ):
        if key in results:
            out.append(_measure_row(results[key]))
    out += ["", "### Ratios and growth", ""]
    for key in ("small", "large"):
        ours, ref = _median(results, f"spend_{key}"), _median(results, f"duckdb_{key}")
        if ours and ref:
            out.append(f"- {results['sizes'][key]:,} lines: ours ÷ DuckDB = **{ours / ref:.2f}×**")
    small, large = _median(results, "spend_small"), _median(results, "spend_large")
    if small and large:
        rs = results["spend_small"]["max_rss_mb"]
        rl = results["spend_large"]["max_rss_mb"]
        out.append(
            f"- spend, {results['sizes']['small']:,} → {results['sizes']['large']:,} lines: time ×{large / small:.2f}, peak RSS ×{rl / rs:.2f} "
            f"({rs:,.0f} → {rl:,.0f} MiB)"
        )
    rs_, rl_ = _median(results, "duckdb_small"), _median(results, "duckdb_large")
    if rs_ and rl_:
        out.append(f"- DuckDB, same growth: time ×{rl_ / rs_:.2f}")
    our_x, opx, cal = (_inner(results, k) for k in ("xlsx_ours", "xlsx_openpyxl", "xlsx_calamine"))
    if our_x and opx:
        out.append(
            f"- XLSX: openpyxl read-only ÷ ours = **{opx / our_x:.1f}×**"
            + (f"; ours ÷ calamine raw = {our_x / cal:.2f}×" if cal else "")
        )
    for key in ("small", "large"):
        check = results.get(f"agreement_check_{key}")
        if check:
            out.append(
                f"- same answer, {results['sizes'][key]:,} lines: {check['agreements_compared']} "
                f"agreements compared, {check['missing_in_ours']} missing in ours, "
                f"{check['differing_values']} values differ by > 1e-6 relative; max relative "
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
            f"{_fmt(_median(results, 'duckdb_large'))} s as a process):",
            "",
        ]
        out += [
            f"- {name}: {seconds:.2f} s ({seconds / total:.0%})" for name, seconds in phases.items()
        ]
    elif results.get("phases_error"):
        out += ["", f"Phase split failed: {results['phases_error']}"]
    out += ["", f"DuckDB reference factor tables: {results.get('reference_tables', '–')}", ""]
    out += ["### Data generation (not timed against targets)", ""]
    out += [f"- {k}: {s:.1f} s" for k, s in results.get("generation", {}).items()]
    out += [
        "",
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
