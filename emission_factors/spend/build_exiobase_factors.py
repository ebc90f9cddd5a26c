"""Build the Nordic/European proxy factor set ``factors_exiobase3_no_2019_sek.csv``.

From EXIOBASE 3 (model year 2019) for **Norway**, as republished in the Open Emission Factors
Database (kg CO2e per EUR at basic price, AR5 GWP100), through ``exiobase_by_category.csv`` and
the price steps of :mod:`spendanalys.spend.factor_building`::

    kg/EUR₂₀₁₉ = Σ wᵢ · EFᵢ / Σ wᵢ                         (EXIOBASE products of the category)
    kg/SEK₂₀₁₉ = kg/EUR₂₀₁₉ ÷ 10.5892 SEK/EUR              (2019 annual average, exchange_rates.csv)
    kg/SEK₂₀₂₂ = kg/SEK₂₀₁₉ × KPI₂₀₁₉ / KPI₂₀₂₂ = × 334.26 / 371.91        (kpi.csv)

It also rewrites the category comparison table in README.md (between the ``comparison`` markers)
from both built-in sets. Deterministic; ``--check`` rebuilds in memory and exits 1 when the
committed factor file or README table differs::

    python emission_factors/spend/build_exiobase_factors.py [OEFDB_CSV] [--check]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from spendanalys.datafiles import read_data_csv
from spendanalys.errors import SpendanalysError
from spendanalys.spend.factor_building import (
    concord,
    concordance_table,
    factor_file_rows,
    price_steps,
    render_factor_file,
)
from spendanalys.spend.factors import load_exchange_rate_table, load_kpi

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = Path(os.environ.get("SPENDANALYS_SHARED", REPO.parent / "shared"))
SOURCE_NAME = "exiobase3_2019_via_oefdb_NO_DE_GB_US.csv"
DEFAULT_SOURCE = SHARED / "reference" / "data" / SOURCE_NAME
DEFAULT_OUT = HERE / "factors_exiobase3_no_2019_sek.csv"
CONCORDANCE = HERE / "exiobase_by_category.csv"
EPA_FILE = HERE / "factors_epa_v1.3_sek.csv"
README = HERE / "README.md"

REGION = "NO"
MODEL_YEAR = 2019
PRICE_YEAR = 2022
VALUE = "kgCO2e-AR5"
SOURCE = (
    "EXIOBASE 3 (model year 2019), Norway, product multipliers as republished in the Open "
    "Emission Factors Database (climatiq/Open-Emission-Factors-DB, OpenEmissionFactorsDB.csv "
    "at commit 677c3bea); EXIOBASE doi:10.5281/zenodo.5589597"
)
LICENCE = "CC BY-SA 4.0"
PRICE_BASIS = "basic price excl. VAT (no trade and transport margins)"
DEFAULT_QUALITY = (
    "4: spend-based, Norway's economy in EXIOBASE 3 (2019) as a Nordic proxy; basic price"
)
# Categories whose factor needs its reason next to it (see the concordance's notes).
KNOWN: Mapping[str, str] = {
    "electricity": "4: REASON: Norwegian hydro and wind generation with the grid, a low-carbon "
    "Nordic mix like Sweden's; a kWh-based Scope 2 figure is better",
    "district_heating": "5: PROXY: biomass and waste power; Norway's steam and hot water row "
    "(about 0.65 kg/SEK) is left out as about ten times Swedish district heat; use kWh",
    "fuels": "5: supply chain only; combustion (Scope 1) is not included: use litres",
    "rail_travel": "4: REASON: Norwegian railway services on a largely electrified network, the "
    "nearest to Swedish electric rail here; the travel module's passenger-km are better",
}
HEADER_LINES = (
    "Spend-based emission factors per purchase category, kg CO2e per SEK (2022 prices, excl. VAT).",
    "A NORDIC/EUROPEAN PROXY, NOT A SWEDISH SET: EXIOBASE 3 for Norway, model year 2019, basic "
    "price (producer price without trade and transport margins), AR5 GWP100, via the Open "
    "Emission Factors Database.",
    "PRICE BASIS: the factors are per SEK at basic price and are applied to purchaser-price spend "
    "excl. VAT without a margin step: goods bought through trade are overstated by up to their "
    "trade margin (typically 10-40 %).",
    f"Licence: {LICENCE} (EXIOBASE's licence; this derived set carries it and names the source). "
    "Built by emission_factors/spend/build_exiobase_factors.py from exiobase_by_category.csv, "
    "the 2019 EUR rate in exchange_rates.csv and kpi.csv; do not edit by hand. Set version: "
    "exiobase3-no-2019-sek-1.0.",
)
# Group-level figures from Upphandlingsmyndigheten's EXIOBASE-based analyses (divided by hand,
# ../shared/reference/data/README.md), kg CO2e per SEK of their data year.
SWEDISH_GROUPS: Mapping[str, tuple[str, str]] = {
    "construction_property": ("Mark och byggnad", "0.035"),
    "equipment_materials": ("Utrustning och material", "0.10"),
}
START, END = "<!-- comparison:start -->", "<!-- comparison:end -->"


def read_source(path: Path) -> dict[str, float]:
    """OEFDB activity id -> kg CO2e (AR5) per EUR for Norway, model year 2019."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["region"] == REGION]
    if not rows:
        raise SpendanalysError(f"{path}: no rows for region {REGION}")
    table = {}
    for row in rows:
        if row["activity_unit"] != "EUR" or row["years_calculated_from"] != str(MODEL_YEAR):
            raise SpendanalysError(f"{path}: {row['activity_id']} is not per EUR of {MODEL_YEAR}")
        table[row["activity_id"]] = float(row[VALUE])
    return table


def build_text(source_path: Path, here: Path = HERE) -> str:
    """The factor file's text from the source file and the committed tables."""
    if not source_path.is_file():
        raise SpendanalysError(
            f"reference file not found: {source_path}\nIt is only needed to rebuild the set; "
            f"the committed {DEFAULT_OUT.name} is complete. Give its path as the first argument."
        )
    by_id = read_source(source_path)
    raw = read_data_csv(here / CONCORDANCE.name, ("category_id", "exiobase_product"))
    missing = sorted(set(raw["oefdb_activity_id"]) - set(by_id))
    if missing:
        raise SpendanalysError(f"{CONCORDANCE.name}: ids not in the source: {missing}")
    product_factors = dict(
        zip(raw["exiobase_product"], raw["oefdb_activity_id"].map(by_id), strict=True)
    )
    codes = dict(zip(raw["exiobase_product"], "EXIOBASE " + raw["exiobase_code"], strict=True))
    categories = list(read_data_csv(here / "categories.csv", ("category_id",))["category_id"])
    per_category = concord(
        product_factors, concordance_table(raw, CONCORDANCE.name), categories, file=CONCORDANCE.name
    )
    steps = price_steps(
        "EUR",
        MODEL_YEAR,
        PRICE_YEAR,
        load_exchange_rate_table(here / "exchange_rates.csv"),
        load_kpi(here / "kpi.csv"),
    )
    rows = factor_file_rows(
        per_category,
        steps,
        source=SOURCE,
        licence=LICENCE,
        price_basis=PRICE_BASIS,
        gwp="AR5 GWP100",
        quality=KNOWN,
        default_quality=DEFAULT_QUALITY,
        codes=codes,
    )
    return render_factor_file(rows, HEADER_LINES)


def _factors(path: Path) -> dict[str, float]:
    frame = read_data_csv(path, ("category", "factor"))
    return dict(zip(frame["category"], frame["factor"].astype(float), strict=True))


def comparison_table(exiobase_text: str, here: Path = HERE) -> str:
    """The README's category table: both sets' factors (kg CO2e/SEK, 2022 prices), their
    ratio, and the Swedish group figure where one can be cited."""
    tree = read_data_csv(here / "categories.csv", ("category_id", "group_id", "name_en"))
    epa = _factors(here / EPA_FILE.name)
    lines = [line for line in exiobase_text.splitlines() if not line.startswith("#")]
    exio = {r["category"]: float(r["factor"]) for r in csv.DictReader(lines)}
    out = [
        "| category | EPA v1.3 (US) | EXIOBASE 3 NO | EXIOBASE ÷ EPA | Swedish group figure (its year's SEK) |",
        "|---|---|---|---|---|",
    ]
    for row in tree.to_dict("records"):
        cid = row["category_id"]
        swedish = SWEDISH_GROUPS.get(row["group_id"])
        out.append(
            f"| {row['name_en']} (`{cid}`) | {epa[cid]:.3f} | {exio[cid]:.3f} | "
            f"{exio[cid] / epa[cid]:.1f} | {f'{swedish[0]} ≈ {swedish[1]}' if swedish else ''} |"
        )
    return "\n".join(out)


def with_table(readme: str, table: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise SpendanalysError(f"README.md has no {START} … {END} markers")
    return pattern.sub(lambda _: f"{START}\n{table}\n{END}", readme)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("source_csv", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    try:
        text = build_text(args.source_csv)
        readme = with_table(README.read_text(encoding="utf-8"), comparison_table(text))
    except SpendanalysError as exc:
        print(f"build_exiobase_factors: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = [
            p.name
            for p, new in ((args.out, text), (README, readme))
            if not p.is_file() or p.read_text(encoding="utf-8") != new
        ]
        if stale:
            print(f"build_exiobase_factors: differs from a fresh build: {stale}", file=sys.stderr)
            return 1
        print(f"build_exiobase_factors: {args.out.name} and README.md are up to date")
        return 0
    args.out.write_text(text, encoding="utf-8", newline="")
    README.write_text(readme, encoding="utf-8", newline="")
    print(f"build_exiobase_factors: wrote {args.out} and the README table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
