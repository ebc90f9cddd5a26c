"""The issue's targets: each one with what was measured, PASS or MISS, and the gap.

Issue 20's targets first (1M lines against DuckDB and in memory, 10M lines, travel, start-up,
the dashboard under load, the same answers), then the earlier ones of issue 6 that still hold
(growth 100k → 1M, the XLSX reader). The dashboard-while-uploading figure comes from
``benchmarks/RELIABILITY.md`` (written by ``make stress``, which runs viewers and uploaders
together); ``make bench``'s own load test has viewers only.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import Any

RATIO_TARGET = 1.5  # 1M lines: ours ÷ DuckDB
RATIO_AIM = 1.2
RSS_1M_TARGET_MIB = 1024.0  # 1 GiB
RSS_10M_TARGET_MIB = 4096.0  # 4 GiB
TRAVEL_TARGET_S = 2.0
STARTUP_TARGET_S = 0.5
P95_TARGET_MS = 300.0
SAME_ANSWER_REL = 1e-9
XLSX_SPEEDUP_TARGET = 5.0

RELIABILITY = Path(__file__).resolve().parent / "RELIABILITY.md"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _target(name: str, measured: str, ok: bool | None, gap: str) -> str:
    verdict = "not measured" if ok is None else ("PASS" if ok else "MISS")
    return _row([name, measured, verdict, gap])


def median_s(results: dict[str, Any], key: str) -> float | None:
    m = results.get(key) or {}
    return m.get("median_s") if m.get("status") == "ok" else None


def median_cpu_s(results: dict[str, Any], key: str) -> float | None:
    m = results.get(key) or {}
    return m.get("median_cpu_s") if m.get("status") == "ok" else None


def inner_s(results: dict[str, Any], key: str) -> float | None:
    m = results.get(key) or {}
    values = m.get("inner_seconds") or []
    return statistics.median(values) if m.get("status") == "ok" and values else None


def rss_mib(results: dict[str, Any], key: str) -> float | None:
    m = results.get(key) or {}
    return m.get("max_rss_mb") if m.get("status") == "ok" else None


def _why_not(results: dict[str, Any], *keys: str) -> str:
    for key in keys:
        m = results.get(key) or {}
        if m.get("status") not in (None, "ok"):
            return f"{m.get('status')}: {m.get('note', '')}".strip(": ")
    return "not measured"


def stress_load(path: Path = RELIABILITY) -> dict[str, Any] | None:
    """The load figures of the last ``make stress`` run: callback p95 (ms) while uploads run,
    with the run's date and its viewers and uploaders; None when the file has no such figure."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    p95 = re.search(r"callback latency p50 / p95 / p99 \(ms\) \| ([\d.,]+) / ([\d.,]+)", text)
    if not p95:
        return None
    run = re.search(r"Run (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", text)
    who = re.search(r"(\d+) viewers .*? and (\d+) uploaders", text)
    return {
        "p95_ms": float(p95.group(2).replace(",", "")),
        "run": run.group(1) if run else "unknown date",
        "viewers": int(who.group(1)) if who else None,
        "uploaders": int(who.group(2)) if who else None,
    }


def same_answer(check: dict[str, Any] | None) -> bool | None:
    """Every agreement present and every value within SAME_ANSWER_REL."""
    if not check:
        return None
    return check["missing_in_ours"] == 0 and check["differing_values"] == 0


def _ratio_rows(results: dict[str, Any]) -> list[str]:
    ours, ref = median_s(results, "spend_large"), median_s(results, "duckdb_large")
    name = f"1M lines end to end ≤ {RATIO_TARGET}× DuckDB (aim {RATIO_AIM}×)"
    if not (ours and ref):
        return [_target(name, "–", None, _why_not(results, "spend_large", "duckdb_large"))]
    ratio = ours / ref
    cpu_o, cpu_r = median_cpu_s(results, "spend_large"), median_cpu_s(results, "duckdb_large")
    cpu = f"; CPU {cpu_o / cpu_r:.2f}× ({cpu_o:.1f} s vs {cpu_r:.1f} s)" if cpu_o and cpu_r else ""
    floor = median_s(results, "pandas_large")
    # What the stack alone costs: DuckDB's five steps as a pandas/pyarrow script, nothing else.
    cpu += f"; the pandas/pyarrow floor of the same five steps: {floor / ref:.2f}×" if floor else ""
    return [
        _target(
            name,
            f"{ratio:.2f}× wall ({ours:.1f} s vs {ref:.1f} s){cpu}",
            ratio <= RATIO_TARGET,
            f"{ours - RATIO_TARGET * ref:+.1f} s vs {RATIO_TARGET}× DuckDB "
            f"({ours - RATIO_AIM * ref:+.1f} s vs the aim)",
        )
    ]


def _rss_row(results: dict[str, Any], key: str, name: str, target: float) -> str:
    rss = rss_mib(results, key)
    if (results.get(key) or {}).get("status") == "failed":  # did not complete
        return _target(name, "failed", False, _why_not(results, key))
    if rss is None:
        return _target(name, "–", None, _why_not(results, key))
    return _target(name, f"{rss:,.0f} MiB", rss <= target, f"{rss - target:+,.0f} MiB")


def _growth_row(results: dict[str, Any], small: str, large: str, name: str) -> str:
    sizes = results.get("sizes", {})
    factor = sizes.get(large, 1) / max(sizes.get(small, 1), 1)
    a, b = median_s(results, f"spend_{small}"), median_s(results, f"spend_{large}")
    full = f"{name} (≤ {factor:.0f}×, wall)"
    if not (a and b):
        return _target(full, "–", None, _why_not(results, f"spend_{small}", f"spend_{large}"))
    growth = b / a
    ca, cb = median_cpu_s(results, f"spend_{small}"), median_cpu_s(results, f"spend_{large}")
    cpu = f"; CPU ×{cb / ca:.2f}" if ca and cb else ""
    return _target(full, f"×{growth:.2f}{cpu}", growth <= factor, f"{growth - factor:+.2f}×")


def _dashboard_rows(results: dict[str, Any], reliability: Path) -> list[str]:
    rows = []
    stress = stress_load(reliability)
    name = f"dashboard callback p95 ≤ {P95_TARGET_MS:.0f} ms while uploads run"
    if stress:
        p95 = stress["p95_ms"]
        rows.append(
            _target(
                f"{name} (from RELIABILITY.md, `make stress` of {stress['run']} UTC: "
                f"{stress['viewers']} viewers, {stress['uploaders']} uploaders)",
                f"{p95:,.0f} ms",
                p95 <= P95_TARGET_MS,
                f"{p95 - P95_TARGET_MS:+,.0f} ms",
            )
        )
    else:
        rows.append(_target(name, "–", None, "RELIABILITY.md has no load figure: run make stress"))
    dash = results.get("dashboard") or {}
    p95 = (dash.get("overall") or {}).get("p95_ms") if dash.get("status") == "ok" else None
    viewers = f"{dash['users']} viewers, " if dash.get("users") else ""
    name = (
        f"dashboard callback p95 ≤ {P95_TARGET_MS:.0f} ms, viewers only "
        f"(`make bench`, {viewers}no uploads)"
    )
    if p95 is None:
        rows.append(_target(name, "–", None, dash.get("note", "not measured")))
    else:
        rows.append(
            _target(name, f"{p95:.0f} ms", p95 <= P95_TARGET_MS, f"{p95 - P95_TARGET_MS:+.0f} ms")
        )
    return rows


def _answer_row(results: dict[str, Any]) -> str:
    sizes = results.get("sizes", {})
    parts, oks = [], []
    for key, label in (
        ("agreement_check_large", f"{sizes.get('large', 0):,} lines"),
        ("agreement_check_scale", f"{sizes.get('scale', 0):,} lines"),
        ("parquet_check_scale", "DuckDB over Parquet vs DuckDB over CSV"),
    ):
        check = results.get(key)
        ok = same_answer(check)
        if ok is None or check is None:
            parts.append(f"{label}: not compared")
            continue
        oks.append(ok)
        parts.append(
            f"{label}: {check['agreements_compared']} agreements, max rel. diff. "
            f"{max(check['max_rel_diff_kg'], check['max_rel_diff_spend']):.1e}"
        )
    verdict = None if len(oks) < 2 else all(oks)
    gap = "–" if verdict else ("a check is missing" if verdict is None else "values differ")
    return _target(
        f"same answers as DuckDB to {SAME_ANSWER_REL:.0e} relative (1M and 10M lines)".replace(
            "e-0", "e-"
        ),
        "; ".join(parts),
        verdict,
        gap,
    )


def targets(results: dict[str, Any], reliability: Path = RELIABILITY) -> list[str]:
    """The targets table's rows (markdown)."""
    sizes = results.get("sizes", {})
    scale = sizes.get("scale", 10_000_000)
    rows = _ratio_rows(results)
    rows.append(_rss_row(results, "spend_large", "1M lines peak RSS ≤ 1 GiB", RSS_1M_TARGET_MIB))
    rows.append(
        _rss_row(
            results,
            "spend_scale",
            f"{scale:,} lines complete, peak RSS ≤ 4 GiB",
            RSS_10M_TARGET_MIB,
        )
    )
    rows.append(
        _growth_row(results, "large", "scale", f"time growth {sizes.get('large', 0):,} → {scale:,}")
    )
    travel = median_s(results, "travel")
    name = f"100k trips < {TRAVEL_TARGET_S:.0f} s (whole command)"
    if travel is None:
        rows.append(_target(name, "–", None, _why_not(results, "travel")))
    else:
        rows.append(
            _target(
                name,
                f"{travel:.2f} s",
                travel < TRAVEL_TARGET_S,
                f"{travel - TRAVEL_TARGET_S:+.2f} s",
            )
        )
    start = median_s(results, "startup")
    name = f"start-up, `spendanalys --help`, ≤ {STARTUP_TARGET_S} s"
    if start is None:
        rows.append(_target(name, "–", None, _why_not(results, "startup")))
    else:
        rows.append(
            _target(
                name,
                f"{start:.2f} s",
                start <= STARTUP_TARGET_S,
                f"{start - STARTUP_TARGET_S:+.2f} s",
            )
        )
    rows += _dashboard_rows(results, reliability)
    rows.append(_answer_row(results))
    rows.append(_growth_row(results, "small", "large", "issue 6: time growth 100k → 1M"))
    our_x, opx = inner_s(results, "xlsx_ours"), inner_s(results, "xlsx_openpyxl")
    name = f"issue 6: XLSX reader ≥ {XLSX_SPEEDUP_TARGET:.0f}× faster than openpyxl read-only"
    if our_x and opx:
        speedup = opx / our_x
        rows.append(
            _target(
                name,
                f"{speedup:.1f}× ({our_x:.2f} s vs {opx:.2f} s)",
                speedup >= XLSX_SPEEDUP_TARGET,
                f"{speedup - XLSX_SPEEDUP_TARGET:+.1f}×",
            )
        )
    else:
        rows.append(_target(name, "–", None, _why_not(results, "xlsx_ours", "xlsx_openpyxl")))
    return rows
