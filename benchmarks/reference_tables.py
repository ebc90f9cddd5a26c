"""The factor tables the DuckDB reference joins to, derived from the project's own data files.

``cpv_factors.csv`` (cpv_prefix, kg_co2e_per_sek, price_year) is the project's CPV-prefix map
(``emission_factors/spend/cpv_map.csv`` through ``load_category_rules``) joined to the default
factor set (``load_spend_factor_set``: every factor already converted to kg CO2e per SEK at its
price year) on the category; a prefix whose category has no factor keeps an empty factor, as in
the engine. ``kpi.csv`` (year, kpi) is the engine's consumer price index table.

When the project's loaders or files are not there yet, a small documented fallback table is used
instead (``FALLBACK_FACTORS``): its numbers only make the timing comparable, not the results.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# Fallback only: illustrative kg CO2e per SEK (price year 2022) per CPV division of the
# benchmark data, of the order of EPA USEEIO v1.3 supply-chain factors converted at ~10 SEK/USD.
# Used when the project's factor files are missing; RESULTS.md then says so.
FALLBACK_FACTORS = {
    "72": 0.010,
    "79": 0.012,
    "90": 0.020,
    "45": 0.030,
    "30": 0.015,
    "15": 0.060,
    "09": 0.080,
    "55": 0.020,
    "60": 0.050,
    "48": 0.008,
    "34": 0.030,
}
FALLBACK_KPI = {2019: 334.0, 2020: 335.5, 2021: 343.2, 2022: 371.8, 2023: 393.6, 2024: 404.3}


def write_reference_tables(out_dir: Path) -> str:
    """Write ``cpv_factors.csv`` and ``kpi.csv`` into ``out_dir``; return where they came from."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        from spendanalys.spend.categories import load_category_rules
        from spendanalys.spend.factors import load_kpi, load_spend_factor_set

        rules = load_category_rules()
        factor_set = load_spend_factor_set()
        kpi = load_kpi()
        factors = factor_set.factors
        by_category = factors[factors["org_number"].isna()].drop_duplicates("category_id")
        table = rules.cpv[["cpv_prefix", "category_id"]].merge(
            by_category[["category_id", "kg_co2e_per_sek", "price_year"]],
            on="category_id",
            how="left",
        )
        kpi_frame = pd.DataFrame({"year": kpi.index.astype(int), "kpi": kpi.to_numpy(dtype=float)})
        source = (
            f"project data: CPV map {rules.sources.get('cpv', 'cpv_map.csv')}, factor set "
            f"{factor_set.name} ({len(by_category)} category factors), KPI {len(kpi_frame)} years"
        )
    except Exception as exc:  # the engine is built in parallel: degrade, and say so
        table = pd.DataFrame(
            {
                "cpv_prefix": list(FALLBACK_FACTORS),
                "kg_co2e_per_sek": list(FALLBACK_FACTORS.values()),
                "price_year": 2022,
            }
        )
        kpi_frame = pd.DataFrame({"year": list(FALLBACK_KPI), "kpi": list(FALLBACK_KPI.values())})
        source = (
            "FALLBACK illustrative table in benchmarks/reference_tables.py (project factor "
            f"files unavailable: {type(exc).__name__}: {exc}); results not comparable"
        )
    table[["cpv_prefix", "kg_co2e_per_sek", "price_year"]].to_csv(
        out_dir / "cpv_factors.csv", index=False
    )
    kpi_frame.to_csv(out_dir / "kpi.csv", index=False)
    return source
