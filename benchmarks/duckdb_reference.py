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

Usage: ``python benchmarks/duckdb_reference.py --contracts C.csv --invoices I.csv --tables DIR
--out result.csv``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

SPEND_SQL = """
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

COPY (
    WITH invoices AS (
        SELECT nullif(lower(trim("Avtalsnummer")), '') AS agreement_key,
               org10("Organisationsnummer") AS org,
               CAST(replace(replace("Belopp exkl. moms", ' ', ''), ',', '.') AS DOUBLE) AS spend_sek,
               year(CAST("Fakturadatum" AS DATE)) AS spend_year
        FROM read_csv({invoices}, delim = ';', skip = 1, header = true, all_varchar = true,
                      encoding = 'latin-1')
        WHERE coalesce(trim("Fakturanummer"), '') NOT ILIKE 'summa%'
    ),
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


def _literal(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def spend_sql(contracts: Path, invoices: Path, tables: Path, out: Path) -> str:
    """The whole job as one SQL script (paths quoted as SQL string literals)."""
    return SPEND_SQL.format(
        contracts=_literal(contracts),
        invoices=_literal(invoices),
        cpv_factors=_literal(tables / "cpv_factors.csv"),
        kpi=_literal(tables / "kpi.csv"),
        out=_literal(out),
    )


def run_reference(contracts: Path, invoices: Path, tables: Path, out: Path) -> float:
    """Run the job in a fresh in-memory DuckDB; the result lands in ``out`` (CSV). Seconds."""
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(":memory:")
    try:
        con.execute(spend_sql(contracts, invoices, tables, out))
    finally:
        con.close()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=Path, required=True)
    parser.add_argument("--invoices", type=Path, required=True)
    parser.add_argument(
        "--tables", type=Path, required=True, help="dir with cpv_factors.csv, kpi.csv"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    seconds = run_reference(args.contracts, args.invoices, args.tables, args.out)
    print(f"{seconds:.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
