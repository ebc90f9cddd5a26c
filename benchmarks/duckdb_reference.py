"""The spend job written directly as DuckDB SQL: the baseline a data engineer would pick.

Same job as ``spendanalys spend`` on the benchmark files, reduced to what SQL says plainly:

1. read the invoice export as it is (``;``, one title row, Latin-1 — the generator keeps the text
   inside the range where cp1252 and Latin-1 agree), drop the ``Summa`` row, parse ``12 345,50``
   by removing spaces and turning the comma into a point;
2. link each line to an agreement by its agreement id, else by the supplier's organisation number
   (normalised to 10 digits; ``SE…01`` VAT numbers included) when exactly one agreement has it;
3. price each agreement through its CPV code: the longest CPV prefix of the mapping table gives
   the category's factor (kg CO2e per SEK at the factor's price year);
4. bring the spend to the factor's price year with the consumer price index,
   ``kg CO2e = spend_sek × KPI[price year] / KPI[spend year] × kg_co2e_per_sek``
   (a year outside the index table takes its nearest year, as the engine does);
5. group by agreement (unlinked lines form one group with an empty agreement id).

The factor tables (``cpv_factors.csv``: cpv_prefix, kg_co2e_per_sek, price_year; ``kpi.csv``:
year, kpi) are prepared once from the project's own data files by
``benchmarks/reference_tables.py``, so both implementations use the same numbers. This script
imports only DuckDB and the standard library, so that its process time is what a data engineer's
script would cost.

Step 1 can also run once on its own (``--write-parquet DIR``): the parsed lines (agreement key,
org number, spend, spend year) land in Parquet partitioned by spend year, and steps 2-5 then run
on them (``--parquet DIR``) with the same SQL text; ``--memory-limit`` caps DuckDB's memory (it
spills to ``--temp-directory`` above the cap). That is the out-of-core path of RESULTS.md.

Usage: ``python benchmarks/duckdb_reference.py --contracts C.csv --invoices I.csv --tables DIR
--out result.csv``; ``... --invoices I.csv --write-parquet P/``; ``... --parquet P/
--memory-limit 1GB --out result.csv``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

SETUP_SQL = """
CREATE MACRO digits(s) AS regexp_replace(coalesce(s, ''), '[^0-9]', '', 'g');
CREATE MACRO org10(s) AS CASE
    WHEN length(digits(s)) = 10 THEN digits(s)
    WHEN length(digits(s)) = 12 AND upper(trim(s)) LIKE 'SE%' THEN left(digits(s), 10)
    WHEN length(digits(s)) = 12 AND right(digits(s), 2) = '01'
         AND left(digits(s), 2) NOT IN ('19', '20') THEN left(digits(s), 10)
    WHEN length(digits(s)) = 12 AND left(digits(s), 2) IN ('19', '20') THEN right(digits(s), 10)
    ELSE NULL END;

CREATE TEMP TABLE cpv_factors AS
    SELECT * FROM read_csv({cpv_factors}, header = true,
        columns = {{'cpv_prefix': 'VARCHAR', 'kg_co2e_per_sek': 'DOUBLE', 'price_year': 'INTEGER'}});
CREATE TEMP TABLE kpi AS
    SELECT * FROM read_csv({kpi}, header = true, columns = {{'year': 'INTEGER', 'kpi': 'DOUBLE'}});

CREATE TEMP TABLE register AS
    SELECT lower(trim("Avtalsnummer")) AS agreement_key,
           first(trim("Avtalsnummer")) AS agreement_id,
           first(org10("Organisationsnummer")) AS org,
           first(left(digits("CPV-kod"), 8)) AS cpv
    FROM read_csv({contracts}, delim = ';', header = true, all_varchar = true)
    WHERE nullif(trim("Avtalsnummer"), '') IS NOT NULL
    GROUP BY ALL;

CREATE TEMP TABLE agreement_factor AS
    SELECT r.agreement_id,
           arg_max(f.kg_co2e_per_sek, length(f.cpv_prefix)) AS kg_co2e_per_sek,
           arg_max(f.price_year, length(f.cpv_prefix)) AS price_year
    FROM register r JOIN cpv_factors f ON starts_with(r.cpv, f.cpv_prefix)
    GROUP BY r.agreement_id;
"""

# Step 1, parse: one row per invoice line with the four columns the rest of the plan needs.
PARSE_CSV_SQL = """
    SELECT nullif(lower(trim("Avtalsnummer")), '') AS agreement_key,
           org10("Organisationsnummer") AS org,
           CAST(replace(replace("Belopp exkl. moms", ' ', ''), ',', '.') AS DOUBLE) AS spend_sek,
           year(CAST("Fakturadatum" AS DATE)) AS spend_year
    FROM read_csv({invoices}, delim = ';', skip = 1, header = true, all_varchar = true,
                  encoding = 'latin-1')
    WHERE coalesce(trim("Fakturanummer"), '') NOT ILIKE 'summa%'
"""

# The parsed lines as they lie in Parquet partitioned by year (``--write-parquet``).
PARSE_PARQUET_SQL = """
    SELECT agreement_key, org, spend_sek, CAST(spend_year AS INTEGER) AS spend_year
    FROM read_parquet({parquet_glob}, hive_partitioning = true)
"""

# Steps 2-5, link, categorise, price, aggregate, over the parsed lines (whatever their source).
SPEND_SQL = """
COPY (
    WITH invoices AS ({parsed}),
    org_unique AS (
        SELECT org, any_value(agreement_id) AS agreement_id
        FROM register WHERE org IS NOT NULL GROUP BY org HAVING count(*) = 1
    ),
    linked AS (
        SELECT coalesce(r.agreement_id, o.agreement_id) AS agreement_id, i.spend_sek, i.spend_year
        FROM invoices i
        LEFT JOIN register r ON i.agreement_key = r.agreement_key
        LEFT JOIN org_unique o ON r.agreement_id IS NULL AND i.org = o.org
    ),
    bounds AS (SELECT min(year) AS low, max(year) AS high FROM kpi)
    SELECT l.agreement_id,
           sum(l.spend_sek) AS spend_sek,
           sum(l.spend_sek * kf.kpi / ks.kpi * af.kg_co2e_per_sek) AS kg_co2e,
           count(*) AS invoice_lines
    FROM linked l
    CROSS JOIN bounds b
    LEFT JOIN agreement_factor af ON af.agreement_id = l.agreement_id
    LEFT JOIN kpi ks ON ks.year = least(greatest(l.spend_year, b.low), b.high)
    LEFT JOIN kpi kf ON kf.year = least(greatest(af.price_year, b.low), b.high)
    GROUP BY l.agreement_id
    ORDER BY kg_co2e DESC NULLS LAST
) TO {out} (FORMAT CSV, HEADER true);
"""

WRITE_PARQUET_SQL = """
COPY ({parsed}) TO {parquet_dir} (FORMAT PARQUET, PARTITION_BY (spend_year), OVERWRITE_OR_IGNORE);
"""


def _literal(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _setup_sql(contracts: Path, tables: Path) -> str:
    return SETUP_SQL.format(
        contracts=_literal(contracts),
        cpv_factors=_literal(tables / "cpv_factors.csv"),
        kpi=_literal(tables / "kpi.csv"),
    )


def _parsed_sql(invoices: Path | None, parquet: Path | None) -> str:
    if parquet is not None:
        return PARSE_PARQUET_SQL.format(parquet_glob=_literal(parquet / "**" / "*.parquet"))
    if invoices is None:
        raise ValueError("give the invoice CSV or the Parquet directory")
    return PARSE_CSV_SQL.format(invoices=_literal(invoices))


def spend_sql(
    contracts: Path, invoices: Path | None, tables: Path, out: Path, parquet: Path | None = None
) -> str:
    """The whole job as one SQL script (paths quoted as SQL string literals); the invoice lines
    come from the CSV export, or, with ``parquet``, from lines parsed into Parquet before."""
    return _setup_sql(contracts, tables) + SPEND_SQL.format(
        parsed=_parsed_sql(invoices, parquet), out=_literal(out)
    )


def _connect(memory_limit: str | None, temp_directory: Path | None) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    if memory_limit:
        # Above the limit DuckDB spills operator state to temp_directory instead of failing.
        con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        con.execute("SET preserve_insertion_order = false")
    if temp_directory is not None:
        con.execute(f"SET temp_directory = {_literal(temp_directory)}")
    return con


def run_reference(
    contracts: Path,
    invoices: Path | None,
    tables: Path,
    out: Path,
    *,
    parquet: Path | None = None,
    memory_limit: str | None = None,
    temp_directory: Path | None = None,
) -> float:
    """Run the job in a fresh in-memory DuckDB; the result lands in ``out`` (CSV). Seconds."""
    start = time.perf_counter()
    con = _connect(memory_limit, temp_directory)
    try:
        con.execute(spend_sql(contracts, invoices, tables, out, parquet))
    finally:
        con.close()
    return time.perf_counter() - start


def write_parquet(
    invoices: Path,
    contracts: Path,
    tables: Path,
    parquet_dir: Path,
    *,
    memory_limit: str | None = None,
    temp_directory: Path | None = None,
) -> float:
    """Step 1 once: parse the CSV export into Parquet partitioned by spend year
    (``parquet_dir/spend_year=2024/*.parquet``), as an ingest job would land it. Seconds."""
    start = time.perf_counter()
    con = _connect(memory_limit, temp_directory)
    try:
        con.execute(_setup_sql(contracts, tables))
        con.execute(
            WRITE_PARQUET_SQL.format(
                parsed=_parsed_sql(invoices, None), parquet_dir=_literal(parquet_dir)
            )
        )
    finally:
        con.close()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=Path, required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--invoices", type=Path, help="the invoice export (CSV)")
    source.add_argument(
        "--parquet", type=Path, help="a directory of parsed lines written by --write-parquet"
    )
    parser.add_argument(
        "--tables", type=Path, required=True, help="dir with cpv_factors.csv, kpi.csv"
    )
    parser.add_argument("--out", type=Path, help="the result (CSV)")
    parser.add_argument(
        "--write-parquet",
        type=Path,
        metavar="DIR",
        help="only parse --invoices into Parquet partitioned by spend year under DIR",
    )
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 1GB (spills above it)")
    parser.add_argument("--temp-directory", type=Path, help="where DuckDB spills")
    args = parser.parse_args(argv)
    limits = {"memory_limit": args.memory_limit, "temp_directory": args.temp_directory}
    if args.write_parquet is not None:
        if args.invoices is None:
            parser.error("--write-parquet reads --invoices")
        seconds = write_parquet(
            args.invoices, args.contracts, args.tables, args.write_parquet, **limits
        )
    else:
        if args.out is None:
            parser.error("--out is required")
        seconds = run_reference(
            args.contracts, args.invoices, args.tables, args.out, parquet=args.parquet, **limits
        )
    print(f"{seconds:.3f}", file=sys.stderr)
    # The harness reads this line as the time inside the process (imports excluded).
    print(json.dumps({"inner_seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
