"""The spend job of ``duckdb_reference.py`` written as a plain pandas/pyarrow script: the floor.

The DuckDB reference shows what a data engineer's SQL costs; this script shows what the same five
steps cost on the stack the default path is built on (pyarrow reads and parses, pandas joins and
groups), with nothing else: no header search, no synonyms, no rejected rows, no notes, no
duplicates, one factor set, no breakdowns. ``spendanalys spend`` does all of that on top, so its
time cannot fall below this script's on the same machine; the gap between this floor and DuckDB
is what the stack itself costs, the gap between ``spend`` and this floor what the tool's checks
and reports cost.

The steps and their rules are those of ``duckdb_reference.py`` (read its docstring); the answers
agree with it to 1e-9 relative (``tests/benchmarks/test_pandas_reference.py``). The file is read
with pyarrow's multithreaded CSV reader, text columns are parsed once per distinct value, as a
data engineer tuning a pandas script would.

Usage: ``python benchmarks/pandas_reference.py --contracts C.csv --invoices I.csv --tables DIR
--out result.csv``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

INVOICE_COLUMNS = [
    "Fakturanummer",
    "Fakturadatum",
    "Organisationsnummer",
    "Belopp exkl. moms",
    "Avtalsnummer",
]


def org10(texts: pd.Series) -> pd.Series:
    """The organisation number as 10 digits, by the rule of the DuckDB macro ``org10``."""
    raw = texts.fillna("")
    digits = raw.str.replace(r"[^0-9]", "", regex=True)
    ten = digits.str.len() == 10
    twelve = digits.str.len() == 12
    vat = twelve & raw.str.strip().str.upper().str.startswith("SE")
    century = twelve & digits.str[:2].isin(["19", "20"])
    vat_suffix = twelve & ~vat & ~century & digits.str.endswith("01")
    out = pd.Series(pd.NA, index=texts.index, dtype="string")
    out[ten] = digits[ten]
    out[vat | vat_suffix] = digits[vat | vat_suffix].str[:10]
    out[century & ~vat] = digits[century & ~vat].str[-10:]
    return out


def _distinct(column: pa.ChunkedArray) -> tuple[np.ndarray, pd.Series]:
    """Each line's code (-1 for a null) and the distinct values, so that text is parsed and
    looked up once per distinct value, not once per line."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return codes.astype(np.intp), pd.Series(encoded.dictionary.to_pandas(), dtype="string")


def _lookup(codes: np.ndarray, per_value: np.ndarray) -> np.ndarray:
    """``per_value[code]`` for each line, -1 where the code is -1 (a null)."""
    return (
        np.where(codes >= 0, per_value[np.maximum(codes, 0)], -1)
        if len(per_value)
        else (np.full(len(codes), -1))
    )


def read_register(contracts: Path) -> pd.DataFrame:
    """One row per agreement key: agreement id, org number, the 8 CPV digits (first row wins)."""
    table = pd.read_csv(contracts, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    ids = table["Avtalsnummer"].str.strip()
    register = pd.DataFrame(
        {
            "agreement_key": ids.str.lower(),
            "agreement_id": ids,
            "org": org10(table["Organisationsnummer"].replace("", None)),
            "cpv": table["CPV-kod"].str.replace(r"[^0-9]", "", regex=True).str[:8],
        }
    )[ids != ""]
    # DuckDB's first() keeps the first row's value even when it is null: so does this.
    return register.drop_duplicates("agreement_key", keep="first").reset_index(drop=True)


def agreement_factors(register: pd.DataFrame, cpv_factors: pd.DataFrame) -> pd.DataFrame:
    """Each agreement's factor and price year from the longest CPV prefix that matches."""
    by_prefix = cpv_factors.set_index("cpv_prefix")
    factor = pd.Series(np.nan, index=register.index)
    price_year = pd.Series(np.nan, index=register.index)
    found = pd.Series(False, index=register.index)
    for length in range(8, 0, -1):
        prefix = register["cpv"].str[:length]
        hit = ~found & prefix.isin(by_prefix.index) & (register["cpv"].str.len() >= length)
        factor[hit] = by_prefix.loc[prefix[hit], "kg_co2e_per_sek"].to_numpy()
        price_year[hit] = by_prefix.loc[prefix[hit], "price_year"].to_numpy()
        found |= hit
    return pd.DataFrame(
        {"agreement_id": register["agreement_id"], "factor": factor, "price_year": price_year}
    )


def read_invoices(invoices: Path) -> dict[str, object]:
    """Step 1: the columns the plan needs, the ``Summa`` row dropped; the agreement number and
    the org number as codes into their distinct values."""
    table = pa_csv.read_csv(
        invoices,
        read_options=pa_csv.ReadOptions(skip_rows=1, encoding="latin-1"),
        parse_options=pa_csv.ParseOptions(delimiter=";"),
        convert_options=pa_csv.ConvertOptions(
            include_columns=INVOICE_COLUMNS,
            column_types={name: pa.string() for name in INVOICE_COLUMNS},
            strings_can_be_null=True,
        ),
    )
    number = pc.fill_null(pc.utf8_trim_whitespace(table["Fakturanummer"]), "")
    table = table.filter(pc.invert(pc.starts_with(pc.utf8_lower(number), "summa")))
    amount = pc.replace_substring(
        pc.replace_substring(table["Belopp exkl. moms"], " ", ""), ",", "."
    )
    year = pc.year(pc.strptime(table["Fakturadatum"], format="%Y-%m-%d", unit="s"))
    key_codes, keys = _distinct(table["Avtalsnummer"])
    org_codes, orgs = _distinct(table["Organisationsnummer"])
    return {
        "key_codes": key_codes,
        "keys": keys.str.strip().str.lower().replace("", pd.NA),
        "org_codes": org_codes,
        "orgs": org10(orgs),
        "spend_sek": pc.cast(amount, pa.float64()).to_numpy(),
        "spend_year": pc.cast(year, pa.float64()).to_numpy(zero_copy_only=False),
    }


def spend_by_agreement(
    invoices: dict[str, object], register: pd.DataFrame, factors: pd.DataFrame, kpi: pd.DataFrame
) -> pd.DataFrame:
    """Steps 2-5: link by agreement key, else by a unique org number; price; group."""
    position = pd.Series(np.arange(len(register)), index=register["agreement_key"])
    key_position = invoices["keys"].map(position).fillna(-1).to_numpy(dtype=np.intp)
    orgs = register["org"].dropna()
    counts = orgs.value_counts()
    unique = pd.Series(orgs.index, index=orgs.to_numpy())[counts[counts == 1].index]
    org_position = invoices["orgs"].map(unique).fillna(-1).to_numpy(dtype=np.intp)
    linked = _lookup(invoices["key_codes"], key_position)
    by_org = _lookup(invoices["org_codes"], org_position)
    linked = np.where(linked >= 0, linked, by_org)

    index = kpi.set_index("year")["kpi"]
    low, high = index.index.min(), index.index.max()
    factor = np.append(factors["factor"].to_numpy(dtype=float), np.nan)
    price_year = np.append(factors["price_year"].to_numpy(dtype=float), np.nan)
    factor_kpi = index.reindex(np.clip(price_year, low, high)).to_numpy()
    spend = invoices["spend_sek"]
    spend_kpi = index.reindex(np.clip(invoices["spend_year"], low, high)).to_numpy()
    kg = spend * factor_kpi[linked] / spend_kpi * factor[linked]

    groups = linked + 1  # 0: the unlinked lines
    size = len(register) + 1
    lines = np.bincount(groups, minlength=size)
    priced = np.bincount(groups, weights=~np.isnan(kg), minlength=size)
    result = pd.DataFrame(
        {
            "agreement_id": pd.array([pd.NA, *register["agreement_id"]], dtype="string"),
            "spend_sek": np.bincount(groups, weights=spend, minlength=size),
            # SQL's sum over only nulls is null: a group with no priced line has no kg CO2e.
            "kg_co2e": np.where(
                priced > 0, np.bincount(groups, weights=np.nan_to_num(kg), minlength=size), np.nan
            ),
            "invoice_lines": lines,
        }
    )[lines > 0]
    return result.sort_values("kg_co2e", ascending=False, na_position="last")


def run_reference(contracts: Path, invoices: Path, tables: Path, out: Path) -> float:
    """Run the job; the result lands in ``out`` (CSV, the DuckDB reference's columns). Seconds."""
    start = time.perf_counter()
    register = read_register(contracts)
    factors = agreement_factors(
        register, pd.read_csv(tables / "cpv_factors.csv", dtype={"cpv_prefix": str})
    )
    kpi = pd.read_csv(tables / "kpi.csv")
    result = spend_by_agreement(read_invoices(invoices), register, factors, kpi)
    result.to_csv(out, index=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=Path, required=True)
    parser.add_argument("--invoices", type=Path, required=True)
    parser.add_argument(
        "--tables", type=Path, required=True, help="dir with cpv_factors.csv, kpi.csv"
    )
    parser.add_argument("--out", type=Path, required=True, help="the result (CSV)")
    args = parser.parse_args(argv)
    seconds = run_reference(args.contracts, args.invoices, args.tables, args.out)
    print(f"{seconds:.3f}", file=sys.stderr)
    # The harness reads this line as the time inside the process (imports excluded).
    print(json.dumps({"inner_seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
