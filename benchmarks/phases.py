"""Where one spend run spends its time, phase by phase, in one process.

``python benchmarks/phases.py CONTRACTS INVOICES`` prints seconds for: imports, loading rules
and factors, reading the register, reading the invoices, the analysis, building the JSON
payload and serialising it — the split behind the end-to-end figure in RESULTS.md, without a
profiler's overhead. Last line: a JSON object of the phases.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path


def main(argv: list[str]) -> int:
    contracts, invoices = Path(argv[0]), Path(argv[1])
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 3)
        mark = now

    from spendanalys.jsonable import json_text
    from spendanalys.services.assembly import load_factor_sets, read_all
    from spendanalys.spend.analysis import analyse_spend
    from spendanalys.spend.categories import load_category_rules
    from spendanalys.spend.factors import load_kpi
    from spendanalys.spend.payload import spend_payload

    lap("imports")
    rules = load_category_rules()
    factor_sets = load_factor_sets([], rules)
    kpi = load_kpi()
    lap("rules, factors, KPI")
    register, _ = read_all("contracts", [contracts])
    lap("read register")
    lines, _ = read_all("invoices", [invoices])
    lap(f"read invoices ({len(lines):,} lines)")
    analysis = analyse_spend(register, lines, rules, factor_sets, kpi, as_of=date(2024, 12, 31))
    lap("analyse_spend")
    payload = spend_payload(analysis)
    lap("JSON payload")
    text = json_text(payload, allow_nan=False)  # what spend --format json writes
    lap(f"JSON text ({len(text) / 1e6:.1f} MB)")
    for name, seconds in phases.items():
        print(f"{name:>40}: {seconds:8.2f} s")
    print(json.dumps({"phases": phases}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
