"""Build the default spend factor set ``factors_epa_v1.3_sek.csv`` from the US EPA file.

Deterministic: the same reference file, ``naics_by_category.csv`` and ``exchange_rates.csv`` give
the same bytes. The output is committed, so users never need the reference file; this script is
how a reviewer reproduces (or a maintainer updates) it::

    python emission_factors/spend/build_factors.py [EPA_CSV] [--out PATH] [--check]

Per category (all amounts in 2022 money, purchaser price, i.e. excluding US sales tax)::

    kg_per_usd = Σ wᵢ · EFᵢ / Σ wᵢ        EFᵢ = "Supply Chain Emission Factors with Margins"
    kg_per_sek = kg_per_usd / (SEK per USD, 2022 annual average)

``--check`` rebuilds in memory and exits 1 when the committed file differs.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = Path(os.environ.get("SPENDANALYS_SHARED", REPO.parent / "shared"))
EPA_NAME = "epa_supply_chain_ghg_factors_v1.3.0_naics_co2e_usd2022.csv"
DEFAULT_EPA = SHARED / "reference" / "data" / EPA_NAME
DEFAULT_OUT = HERE / "factors_epa_v1.3_sek.csv"

PRICE_YEAR = 2022
EPA_CODE = "2017 NAICS Code"
EPA_VALUE = "Supply Chain Emission Factors with Margins"
EPA_UNIT = "Unit"
EXPECTED_EPA_UNIT = "kg CO2e/2022 USD, purchaser price"
SOURCE = "US EPA Supply Chain GHG Emission Factors v1.3.0 (USEEIO v2.2), doi:10.23719/1531143"
LICENCE = "US public domain"
COLUMNS = (
    "category", "factor", "unit", "price_year", "price_basis", "currency_year", "gwp",
    "source", "licence", "naics", "derivation", "data_quality",
)  # fmt: skip

# Data-quality judgement (1 best … 5 worst, the usual Scope 3 scale): a spend-based US average
# for a matching sector is 4; where the US sector is known to misrepresent the Swedish purchase
# (a proxy sector, or a large structural difference), 5 with the reason.
KNOWN_MISMATCH: Mapping[str, str] = {
    "electricity": "proxy sector (no electric power rows in EPA v1.3); use kWh and a Scope 2 factor",
    "district_heating": "US steam/AC supply is fossil-based; Swedish district heat is mostly "
    "biomass and waste; use kWh and the supplier's factor",
    "fuels": "upstream supply chain only; combustion (Scope 1) is not included: use litres",
    "rail_travel": "US diesel line-haul rail; Swedish electric rail is far lower: use the "
    "travel module",
    "waste_management": "US landfill methane; Swedish waste goes to incineration and recycling",
}

HEADER_LINES = (
    "# Default spend-based emission factors per purchase category, kg CO2e per SEK (2022 prices, excl. VAT).",
    "# SPEND-BASED AND US-DERIVED: US EPA Supply Chain GHG Emission Factors v1.3.0 (USEEIO v2.2, US economy 2022), doi:10.23719/1531143, US public domain; 'with margins' = purchaser price.",
    "# Built by emission_factors/spend/build_factors.py from naics_by_category.csv and the 2022 USD rate in exchange_rates.csv; do not edit by hand. Set version: epa-v1.3-sek-1.0.",
    "# Coarse estimates for ranking and screening, not for a climate report; see emission_factors/spend/README.md for the check against Swedish figures and where they differ.",
)


class BuildError(Exception):
    """A reference or mapping file is missing or inconsistent."""


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV whose leading ``#`` lines are provenance comments."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = [line for line in handle]
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        start += 1
    return list(csv.DictReader(io.StringIO("".join(lines[start:]))))


def read_epa(path: Path) -> dict[str, tuple[float, str]]:
    """NAICS code -> (kg CO2e per 2022 USD with margins, NAICS title)."""
    rows = read_csv_rows(path)
    if not rows or EPA_VALUE not in rows[0]:
        raise BuildError(f"{path}: not the EPA v1.3 CO2e file (no '{EPA_VALUE}' column)")
    table: dict[str, tuple[float, str]] = {}
    for row in rows:
        if row[EPA_UNIT] != EXPECTED_EPA_UNIT:
            raise BuildError(f"{path}: unexpected unit {row[EPA_UNIT]!r} for {row[EPA_CODE]}")
        table[row[EPA_CODE].strip()] = (float(row[EPA_VALUE]), row["2017 NAICS Title"])
    return table


def usd_rate(path: Path, year: int = PRICE_YEAR) -> tuple[float, str]:
    """SEK per USD for ``year`` from ``exchange_rates.csv``, with its source."""
    for row in read_csv_rows(path):
        if row["currency"] == "USD" and int(row["year"]) == year:
            return float(row["sek_per_unit"]), row["source"]
    raise BuildError(f"{path}: no USD rate for {year}")


def parse_weights(codes: Sequence[str], text: str, category: str) -> list[float]:
    """Weights for ``codes`` (equal when ``text`` is empty), normalised to sum 1."""
    if not text.strip():
        return [1.0 / len(codes)] * len(codes)
    weights = [float(w) for w in text.split(";")]
    if len(weights) != len(codes) or any(w <= 0 for w in weights):
        raise BuildError(f"{category}: {len(codes)} NAICS codes but weights {text!r}")
    total = sum(weights)
    return [w / total for w in weights]


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def build_rows(
    mapping: Sequence[Mapping[str, str]],
    categories: Sequence[str],
    epa: Mapping[str, tuple[float, str]],
    sek_per_usd: float,
) -> list[dict[str, str]]:
    """One factor row per category id, in the order of ``categories``."""
    by_category = {row["category_id"]: row for row in mapping}
    missing = [c for c in categories if c not in by_category]
    unknown = [c for c in by_category if c not in set(categories)]
    if missing or unknown:
        raise BuildError(f"naics mapping: missing {missing}, not in the tree {unknown}")
    rows = []
    for category in categories:
        spec = by_category[category]
        codes = [c.strip() for c in spec["naics_codes"].split(";") if c.strip()]
        absent = [c for c in codes if c not in epa]
        if not codes or absent:
            raise BuildError(f"{category}: NAICS codes not in the EPA file: {absent or codes}")
        weights = parse_weights(codes, spec["weights"], category)
        per_usd = sum(w * epa[c][0] for c, w in zip(codes, weights, strict=True))
        per_sek = per_usd / sek_per_usd
        if len(codes) == 1:
            how = f"NAICS {codes[0]} ({_num(per_usd)} kg/USD2022)"
        elif len(set(weights)) == 1:
            how = f"mean of NAICS {','.join(codes)} ({_num(per_usd)} kg/USD2022)"
        else:
            parts = ", ".join(f"{c}×{_num(w)}" for c, w in zip(codes, weights, strict=True))
            how = f"weighted mean of NAICS {parts} ({_num(per_usd)} kg/USD2022)"
        quality = (
            f"5: {KNOWN_MISMATCH[category]}"
            if category in KNOWN_MISMATCH
            else "4: spend-based, US economy average for the sector"
        )
        rows.append(
            {
                "category": category,
                "factor": f"{per_sek:.6f}",
                "unit": "kg CO2e/SEK",
                "price_year": str(PRICE_YEAR),
                "price_basis": "purchaser price excl. VAT",
                "currency_year": str(PRICE_YEAR),
                "gwp": "AR5 GWP100",
                "source": SOURCE,
                "licence": LICENCE,
                "naics": ";".join(codes),
                "derivation": f"{how} ÷ {sek_per_usd:g} SEK/USD",
                "data_quality": quality,
            }
        )
    return rows


def render(rows: Sequence[Mapping[str, str]]) -> str:
    """The output file's text: provenance lines, header, rows (LF line ends)."""
    out = io.StringIO()
    out.write("\n".join(HEADER_LINES) + "\n")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def build_text(epa_path: Path, here: Path = HERE) -> str:
    """Build the factor file's text from the EPA file and the committed mapping files."""
    if not epa_path.is_file():
        raise BuildError(
            f"reference file not found: {epa_path}\n"
            "The EPA v1.3 CSV is only needed to rebuild the factor set; the committed "
            f"{DEFAULT_OUT.name} is complete. Give its path as the first argument."
        )
    categories = [row["category_id"] for row in read_csv_rows(here / "categories.csv")]
    mapping = read_csv_rows(here / "naics_by_category.csv")
    rate, _ = usd_rate(here / "exchange_rates.csv")
    return render(build_rows(mapping, categories, read_epa(epa_path), rate))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("epa_csv", nargs="?", type=Path, default=DEFAULT_EPA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="compare with --out instead of writing it"
    )
    args = parser.parse_args(argv)
    try:
        text = build_text(args.epa_csv)
    except BuildError as exc:
        print(f"build_factors: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"build_factors: {args.out} differs from a fresh build", file=sys.stderr)
            return 1
        print(f"build_factors: {args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8", newline="")
    print(
        f"build_factors: wrote {args.out} ({text.count(chr(10)) - len(HEADER_LINES) - 1} factors)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
