"""The 10M-line step of ``make bench``: where one machine ends.

1. write the 10M-line export chunk by chunk (``large_export``; reused when a previous run
   wrote it with the same generator, so a second ``make bench`` saves the half minute);
2. time the DuckDB reference over the CSV, then ``spendanalys spend`` once or twice (no warm-up:
   one run is minutes) with its peak RSS; skipped with the reason when the machine has not the
   memory the 1M-line run implies;
3. the out-of-core path: parse the CSV once into Parquet partitioned by spend year, then run the
   same link-categorise-price-aggregate SQL over the Parquet under a DuckDB ``memory_limit``
   (default 1 GiB; above it DuckDB spills to disk instead of failing);
4. check the answers: ours against DuckDB, and DuckDB over Parquet against DuckDB over CSV;
5. derive per-line costs from the 1M and 10M runs (``per_line_costs``) for RESULTS.md and the
   README's "Beyond one machine".
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import generate, large_export
from benchmarks.harness import Measurement, measure

HERE = Path(__file__).resolve().parent
MEMORY_LIMIT = "1GB"


def _generator_stamp(n_lines: int) -> str:
    """Changes when the generator's code or the size changes: the file is then rewritten."""
    digest = hashlib.sha256()
    for module in ("generate.py", "large_export.py"):
        digest.update((HERE / module).read_bytes())
    return f"{n_lines} {digest.hexdigest()[:16]}"


def ensure_scale_file(register: generate.Register, n_lines: int, path: Path) -> float | None:
    """Write the export unless the same generator already wrote it; seconds, None if reused."""
    stamp = path.with_suffix(".stamp")
    expected = _generator_stamp(n_lines)
    if path.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == expected:
        return None
    stamp.unlink(missing_ok=True)
    start = time.perf_counter()
    large_export.write_invoices_csv_chunked(register, n_lines, path)
    stamp.write_text(expected, encoding="utf-8")
    return time.perf_counter() - start


def memory_available_mib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def per_line_costs(
    small: dict[str, Any] | None, n_small: int, large: dict[str, Any] | None, n_large: int
) -> dict[str, float] | None:
    """Costs per line from two runs of the same command at two sizes.

    Marginal: ``(t_large - t_small) / (n_large - n_small)`` seconds per line (and the same for
    CPU seconds and peak RSS), which leaves out the fixed start-up and the fixed memory;
    overall: ``t_large / n_large``. Returned per million lines (s, CPU s, MiB) and as lines
    per GiB of peak RSS.
    """
    if not small or not large or n_large <= n_small:
        return None
    if small.get("status") != "ok" or large.get("status") != "ok":
        return None
    per_m = 1e6 / (n_large - n_small)
    out = {
        "s_per_m_marginal": (large["median_s"] - small["median_s"]) * per_m,
        "s_per_m_overall": large["median_s"] * 1e6 / n_large,
        "mib_per_m_marginal": (large["max_rss_mb"] - small["max_rss_mb"]) * per_m,
        "lines_per_gib_overall": n_large / (large["max_rss_mb"] / 1024),
    }
    if small.get("median_cpu_s") is not None and large.get("median_cpu_s") is not None:
        out["cpu_s_per_m_marginal"] = (large["median_cpu_s"] - small["median_cpu_s"]) * per_m
        out["cpu_s_per_m_overall"] = large["median_cpu_s"] * 1e6 / n_large
    if out["mib_per_m_marginal"] > 0:
        out["lines_per_gib_marginal"] = 1024 / out["mib_per_m_marginal"] * 1e6
    return out


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def bench_scale(
    *,
    py: str,
    generated: Path,
    register: generate.Register,
    contracts: Path,
    tables: Path,
    n_lines: int,
    runs: int,
    budget_s: float,
    results: dict[str, Any],
    spend_argv: Callable[[Path, Path, Path], list[str]],
    duckdb_argv: Callable[[Path, Path, Path, Path], list[str]],
    compare: Callable[..., dict[str, Any]],
    spend_available: tuple[bool, str],
) -> None:
    """The whole step, within ``budget_s`` seconds; every part says why when it is skipped."""
    started = time.monotonic()

    def left() -> float:
        return budget_s - (time.monotonic() - started)

    invoices = generated / f"fakturor_{n_lines}.csv"
    seconds = ensure_scale_file(register, n_lines, invoices)
    results.setdefault("generation", {})[f"invoices {n_lines:,} (chunked)"] = (
        seconds if seconds is not None else "reused"
    )
    results["scale_file_mb"] = invoices.stat().st_size / 1e6
    ref_out, ours_out = generated / f"duckdb_{n_lines}.csv", generated / f"spend_{n_lines}.json"
    # The file was just written or read: it is in the page cache, so no warm-up run.
    ref = measure(
        f"DuckDB SQL over the CSV, {n_lines:,} lines",
        duckdb_argv(contracts, invoices, tables, ref_out),
        runs=runs,
        warmup=0,
        timeout=max(left(), 60),
        budget_s=min(left() * 0.2, 240),
    )
    results["duckdb_scale"] = ref.as_dict()
    print(f"  {ref.label}: {ref.status} {ref.median_s}", flush=True)
    ours = _bench_spend_scale(
        py,
        invoices,
        contracts,
        ours_out,
        n_lines,
        left() - 90,
        results,
        spend_argv,
        spend_available,
    )
    results["spend_scale"] = ours.as_dict()
    print(f"  {ours.label}: {ours.status} {ours.median_s} s, {ours.max_rss_mb} MiB", flush=True)
    if ours.status == "ok" and ref.status == "ok":
        results["agreement_check_scale"] = compare(ours_out, ref_out)
    if left() < 40:
        results["parquet_scale"] = Measurement(
            "DuckDB over Parquet", "skipped", note="time budget"
        ).as_dict()
        return
    # The Parquet path at both sizes, so that its per-line costs are marginal ones too.
    large_csv = generated / f"fakturor_{results['sizes']['large']}.csv"
    for key, csv_file in (("large", large_csv), ("scale", invoices)):
        _bench_parquet(py, key, csv_file, contracts, tables, runs, left, results)
    parquet_out = generated / f"duckdb_parquet_{n_lines}.csv"
    if ref.status == "ok" and (results.get("parquet_scale") or {}).get("status") == "ok":
        results["parquet_check_scale"] = compare(parquet_out, ref_out, ours_format="csv")


def _bench_spend_scale(
    py: str,
    invoices: Path,
    contracts: Path,
    out: Path,
    n_lines: int,
    budget_s: float,
    results: dict[str, Any],
    spend_argv: Callable[[Path, Path, Path], list[str]],
    spend_available: tuple[bool, str],
) -> Measurement:
    label = f"spendanalys spend, {n_lines:,} lines"
    available, why = spend_available
    if not available:
        return Measurement(label, "not available", note=why)
    large = results.get("spend_large") or {}
    sizes = results.get("sizes", {})
    free = memory_available_mib()
    if large.get("max_rss_mb") and free is not None:
        # Linear from the 1M-line run, with a fifth to spare.
        need = large["max_rss_mb"] * n_lines / max(sizes.get("large", 1), 1) * 1.2
        if need > free:
            return Measurement(
                label,
                "skipped",
                note=f"would need about {need / 1024:.1f} GiB (linear from "
                f"{sizes.get('large', 0):,} lines), {free / 1024:.1f} GiB available",
            )
    if budget_s <= 0:
        return Measurement(label, "skipped", note="time budget")
    return measure(
        label,
        spend_argv(contracts, invoices, out),
        runs=2,
        warmup=0,
        timeout=max(budget_s * 2, 900),  # let a slow run finish: a timeout would read as a MISS
        budget_s=budget_s,
    )


def _bench_parquet(
    py: str,
    key: str,
    invoices: Path,
    contracts: Path,
    tables: Path,
    runs: int,
    left: Callable[[], float],
    results: dict[str, Any],
) -> None:
    """Parse ``invoices`` into Parquet once, then time the rest of the plan over it under
    MEMORY_LIMIT (results ``parquet_ingest_KEY``, ``parquet_KEY``, ``parquet_mb_KEY``)."""
    generated = invoices.parent
    n_lines = results["sizes"][key]
    parquet = generated / f"parquet_{n_lines}"
    spill = generated / "duckdb_spill"
    shutil.rmtree(parquet, ignore_errors=True)
    spill.mkdir(exist_ok=True)
    base = [py, str(HERE / "duckdb_reference.py"), "--contracts", str(contracts)]
    base += ["--tables", str(tables)]
    limit = ["--memory-limit", MEMORY_LIMIT, "--temp-directory", str(spill)]
    ingest = measure(
        f"DuckDB: parse the CSV into Parquet by spend year, {n_lines:,} lines (once)",
        [*base, "--invoices", str(invoices), "--write-parquet", str(parquet), *limit],
        runs=1,
        warmup=0,
        timeout=max(left(), 60),
    )
    results[f"parquet_ingest_{key}"] = ingest.as_dict()
    print(f"  {ingest.label}: {ingest.status} {ingest.median_s}", flush=True)
    label = (
        f"DuckDB over Parquet, memory_limit {MEMORY_LIMIT}: link, categorise, price, "
        f"aggregate, {n_lines:,} lines"
    )
    if ingest.status != "ok":
        results[f"parquet_{key}"] = Measurement(label, "skipped", note="no Parquet").as_dict()
        return
    results[f"parquet_mb_{key}"] = _dir_mb(parquet)
    results["parquet_partitions"] = sorted(p.name for p in parquet.iterdir() if p.is_dir())
    results["parquet_memory_limit"] = MEMORY_LIMIT
    out = generated / f"duckdb_parquet_{n_lines}.csv"
    query = measure(
        label,
        [*base, "--parquet", str(parquet), "--out", str(out), *limit],
        runs=runs,
        warmup=1,
        timeout=max(left(), 60),
        budget_s=max(left() - 5, 1),
    )
    results[f"parquet_{key}"] = query.as_dict()
    print(f"  {query.label}: {query.status} {query.median_s}", flush=True)


def _limit_mib(limit: str | None) -> float:
    """``"1GB"`` → 953.7 MiB (DuckDB reads GB as 1000^3 bytes), ``"1GiB"`` → 1024."""
    if not limit:
        return float("inf")
    units = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
    text = limit.strip().upper()
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * units[unit] / 2**20
    return float(text) / 2**20


def scale_section(results: dict[str, Any]) -> list[str]:
    """RESULTS.md's "Where one machine ends": the 10M-line figures and what they imply."""
    sizes = results.get("sizes", {})
    n_large, n_scale = sizes.get("large", 0), sizes.get("scale", 0)
    if not n_scale or "duckdb_scale" not in results:
        return []
    out = ["## Where one machine ends", ""]
    out.append(
        f"The {n_scale:,}-line export is {results.get('scale_file_mb', 0):,.0f} MB of CSV "
        f"({results.get('scale_file_mb', 0) / max(n_scale, 1) * 1e6:.0f} bytes a line). "
        "Per-line costs from the runs at "
        f"{n_large:,} and {n_scale:,} lines: marginal = the difference of the two runs divided by "
        "the difference in lines (start-up and fixed memory left out); lines per GiB = lines ÷ "
        "peak RSS. Wall times include the load of other work (load averages above); CPU time "
        "(user + system) is less affected."
    )
    out += [
        "",
        "| implementation | s per M lines (marginal) | CPU s per M lines (marginal) | MiB per M "
        "lines (marginal) | lines per GiB of peak RSS (at the larger size) |",
        "| --- | --- | --- | --- | --- |",
    ]
    pairs = (
        ("spendanalys spend (pandas, in memory)", "spend_large", "spend_scale"),
        ("DuckDB SQL over the CSV", "duckdb_large", "duckdb_scale"),
        (
            f"DuckDB over Parquet, memory_limit {results.get('parquet_memory_limit', '?')}",
            "parquet_large",
            "parquet_scale",
        ),
    )
    for name, a, b in pairs:
        costs = per_line_costs(results.get(a), n_large, results.get(b), n_scale)
        if costs is None:
            why = (results.get(b) or {}).get("note") or (results.get(b) or {}).get("status")
            out.append(f"| {name} | – ({why}) | – | – | – |")
            continue
        out.append(
            f"| {name} | {costs['s_per_m_marginal']:.2f} | "
            f"{costs.get('cpu_s_per_m_marginal', float('nan')):.2f} | "
            f"{costs['mib_per_m_marginal']:,.0f} | {costs['lines_per_gib_overall']:,.0f} |"
        )
    pq = results.get("parquet_scale") or {}
    ingest = results.get("parquet_ingest_scale") or {}
    out.append("")
    if ingest.get("status") == "ok":
        out.append(
            f"- Parse once into Parquet ({', '.join(results.get('parquet_partitions', []))}): "
            f"{ingest['median_s']:.1f} s for {n_scale:,} lines, peak RSS "
            f"{ingest['max_rss_mb']:,.0f} MiB, {results.get('parquet_mb_scale', 0):,.0f} MB of "
            "Parquet ("
            f"{results.get('scale_file_mb', 0) / max(results.get('parquet_mb_scale', 1), 1e-9):.0f}"
            "× smaller than the CSV: the four parsed columns the plan needs, not the eight raw "
            "ones)."
        )
    if pq.get("status") == "ok":
        out.append(
            f"- The query over Parquet: {pq['median_s']:.2f} s median, peak RSS "
            f"{pq['max_rss_mb']:,.0f} MiB under memory_limit {results.get('parquet_memory_limit')}"
            + (
                " (below the limit, so nothing needed to spill)"
                if pq["max_rss_mb"] < _limit_mib(results.get("parquet_memory_limit"))
                else " (at the limit: DuckDB spills the rest to its temp directory)"
            )
            + ". The plan streams: its state is the few thousand agreements (the joins' build "
            "side) and a few thousand groups, not the lines, so memory barely grows with the "
            "lines and the end of one machine is time and disk, not memory."
        )
    elif pq:
        out.append(f"- DuckDB over Parquet: {pq.get('status')} ({pq.get('note', '')})")
    ours = results.get("spend_scale") or {}
    costs = per_line_costs(results.get("spend_large"), n_large, ours, n_scale)
    memory = (results.get("machine") or {}).get("memory_gib")
    if costs and memory and costs["mib_per_m_marginal"] > 0:
        fit = n_scale + (memory * 1024 - ours["max_rss_mb"]) / costs["mib_per_m_marginal"] * 1e6
        out.append(
            f"- Extrapolated, not measured: at {costs['mib_per_m_marginal']:,.0f} MiB per "
            f"million lines, this machine's {memory} GiB hold about {fit / 1e6:,.0f} million "
            "lines in one `spend` process (nothing else running); the 4 GiB target allows "
            f"about {(n_scale + (4096 - ours['max_rss_mb']) / costs['mib_per_m_marginal'] * 1e6) / 1e6:,.1f} million."
        )
    return [*out, ""]
