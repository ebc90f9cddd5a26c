"""Two sheets of the Excel report: År (spend and kg CO2e per year, the change per agreement and
in total) and Datakvalitet (kg CO2e per factor grade, each agreement's grade).

Every year is priced with the same factor set, each line at the factor's price year through KPI,
so the change between years is a change in what was bought, not in the factors (DESIGN.md §7).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from spendanalys.spend.analysis import SpendAnalysis
from spendanalys.spend.breakdowns import change_between, dated_years
from spendanalys.xlsx import (
    INTEGER_FORMAT,
    KG_FORMAT,
    SEK_FORMAT,
    SHARE_FORMAT,
    Column,
    append_rows,
    formatted,
    set_widths,
    table_widths,
    write_table,
)

SAME_FACTORS = (
    "Alla år är beräknade med samma faktorer (omräknade till faktorns prisår med KPI): "
    "förändringen mellan åren visar vad som köpts, inte nya faktorer."
)
GRADES = (
    "Kvalitetsklass enligt faktorfilen (kolumnen data_quality; i standardfaktorerna 1 = bäst, "
    "5 = sämst: 4 är ett amerikanskt branschgenomsnitt, 5 en närliggande bransch)."
)


def agreement_years(analysis: SpendAnalysis) -> tuple[pd.DataFrame, list[Column]]:
    """Per agreement (in rank order): spend and kg CO2e per year and the change from the first
    to the last year, with the columns to write."""
    table = analysis.by_year.get("agreements")
    years = dated_years(table) if table is not None else []
    base = analysis.agreements[["agreement_id", "name", "supplier"]].copy()
    columns = [
        Column("agreement_id", "Avtals-ID"),
        Column("name", "Avtalsnamn"),
        Column("supplier", "Leverantör"),
    ]
    if table is None or not years:
        return base, columns
    wide = table.pivot_table(index="key", columns="year", values=["spend_sek", "kg_co2e"])
    ids = base["agreement_id"].astype("string").to_numpy(dtype=object)
    for measure, header, fmt in (
        ("spend_sek", "Utgift {} (SEK)", SEK_FORMAT),
        ("kg_co2e", "Utsläpp {} (kg CO2e)", KG_FORMAT),
    ):
        for year in years:
            name = f"{measure}_{year}"
            base[name] = (
                wide[(measure, year)].reindex(ids).to_numpy() if (measure, year) in wide else None
            )
            columns.append(Column(name, header.format(year), fmt))
    if len(years) >= 2:
        change = change_between(table, years[0], years[-1], key="key").set_index("key")
        base["change_kg_co2e"] = change["change_kg_co2e"].reindex(ids).to_numpy()
        base["change_share"] = change["change_share"].reindex(ids).to_numpy()
        span = f"{years[0]}–{years[-1]}"
        columns += [
            Column("change_kg_co2e", f"Förändring {span} (kg CO2e)", KG_FORMAT),
            Column("change_share", f"Förändring {span} (andel)", SHARE_FORMAT),
        ]
    return base, columns


def write_year_sheets(wb: Any, analysis: SpendAnalysis) -> None:
    """Add the sheets År (when the spend is from invoices) and Datakvalitet to ``wb``."""
    if analysis.by_year:
        _years(wb, analysis)
    _quality(wb, analysis)


def _years(wb: Any, analysis: SpendAnalysis) -> None:
    totals = analysis.by_year["totals"]
    per_agreement, columns = agreement_years(analysis)
    total_columns = [
        Column("year", "År"),
        Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
        Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
        Column("invoice_lines", "Fakturarader", INTEGER_FORMAT),
    ]
    ws = wb.create_sheet("År")
    set_widths(ws, table_widths(per_agreement, columns, table_widths(totals, total_columns)))
    ws.append([formatted(ws, "Utgift och utsläpp per år", bold=True)])
    append_rows(ws, [(SAME_FACTORS,), ()])
    write_table(ws, totals, total_columns, value_maps={"year": _year})
    change = analysis.totals.get("change_between_years")
    if change:
        ws.append([])
        span = f"{change['from_year']}–{change['to_year']}"
        ws.append(
            [
                formatted(ws, f"Förändring {span} (kg CO2e)"),
                formatted(ws, change["change_kg_co2e"], KG_FORMAT),
                formatted(ws, change["change_share"], SHARE_FORMAT),
            ]
        )
    ws.append([])
    ws.append([formatted(ws, "Per avtal", bold=True)])
    write_table(ws, per_agreement, columns)


def _quality(wb: Any, analysis: SpendAnalysis) -> None:
    grades = pd.DataFrame(
        [
            {"grade": g, "kg_co2e": v["kg_co2e"], "share": v["share"], "spend_sek": v["spend_sek"]}
            for g, v in analysis.totals.get("kg_co2e_by_grade", {}).items()
        ],
        columns=["grade", "kg_co2e", "share", "spend_sek"],
    )
    grade_columns = [
        Column("grade", "Kvalitetsklass"),
        Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
        Column("share", "Andel av utsläppen", SHARE_FORMAT),
        Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
    ]
    agreement_columns = [
        Column("agreement_id", "Avtals-ID"),
        Column("name", "Avtalsnamn"),
        Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
        Column("factor_grade", "Kvalitetsklass"),
        Column("factor_grades", "Klasser (andel av avtalets utsläpp)"),
        Column("factor_source", "Faktorkälla"),
    ]
    agreements = analysis.agreements
    ws = wb.create_sheet("Datakvalitet")
    set_widths(ws, table_widths(agreements, agreement_columns, table_widths(grades, grade_columns)))
    ws.append([formatted(ws, "Utsläpp per faktorernas kvalitetsklass", bold=True)])
    append_rows(ws, [(GRADES,), ()])
    write_table(ws, grades, grade_columns)
    ws.append([])
    write_table(ws, agreements, [c for c in agreement_columns if c.field in agreements])


def _year(value: object) -> str:
    return "utan datum" if value == "undated" else str(value)
