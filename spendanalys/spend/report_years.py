"""Two sheets of the spend workbook: År (spend and emissions per year, the change per agreement
and in total) and Datakvalitet (emissions per factor grade, each agreement's grade).

In the catalogue's words and the workbook's units like every other sheet (issue 16): tonnes
CO2e with one decimal, tkr per agreement, MSEK for totals, percent with one decimal, each cell
holding the rounded value its format shows. Every year is priced with the same factor set,
each line at the factor's price year through KPI, so the change between years is a change in
what was bought, not in the factors (DESIGN.md §7).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import pandas as pd

from spendanalys.i18n import t
from spendanalys.i18n.figures import UNITS, rounded, with_unit
from spendanalys.i18n.sheets import Col, sheet_columns, value_maps
from spendanalys.spend.analysis import SpendAnalysis
from spendanalys.spend.breakdowns import NOT_STATED, UNDATED, change_between, dated_years
from spendanalys.xlsx import (
    Column,
    append_rows,
    formatted,
    safe_cell_value,
    set_widths,
    table_widths,
    write_table,
)

AGREEMENT_ID_COLUMNS = [
    Col("agreement_id", "col.agreement_id"),
    Col("name", "col.name"),
    Col("supplier", "col.supplier"),
]
TOTAL_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("spend_sek", "rpt.col.spend", "msek"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("invoice_lines", "col.invoice_lines", "int"),
]
GRADE_COLUMNS = [
    Col("grade", "spendyears.col_grade", values="grade"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("share", "rpt.col.share_of_kg", "share"),
    Col("spend_sek", "rpt.col.spend", "msek"),
]
AGREEMENT_GRADE_COLUMNS = [
    Col("agreement_id", "col.agreement_id"),
    Col("name", "col.name"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("factor_grade", "spendyears.col_grade", values="grade"),
    Col("factor_grades", "rpt.years.grades_col"),
    Col("factor_source", "rpt.col.factor_source"),
]
# Per agreement and year, the measure, its label key and unit: "Utgift 2024 (tkr)".
YEAR_MEASURES = (("spend_sek", "rpt.col.spend", "tkr"), ("kg_co2e", "rpt.col.emissions", "t"))


def year_label(value: object, lang: str) -> Any:
    """A year as the workbook writes it: the number (2024), lines without a date in words."""
    text = str(value)
    if text == UNDATED:
        return t("rpt.years.undated", lang)
    return int(text) if text.isdigit() else value


def grades_text(value: Any, lang: str) -> Any:
    """``"3 (60 %); not stated (40 %)"`` with the grade words in ``lang``."""
    if not isinstance(value, str):
        return value
    return value.replace(NOT_STATED, t("rpt.years.grade.not_stated", lang))


def agreement_years(
    analysis: SpendAnalysis, lang: str
) -> tuple[pd.DataFrame, list[Column], dict[str, Callable[[Any], Any]]]:
    """Per agreement (in rank order): spend and kg CO2e per year and the change from the first
    to the last year, with the columns to write and the rounding of each."""
    table = analysis.by_year.get("agreements")
    years = dated_years(table) if table is not None else []
    base = analysis.agreements[["agreement_id", "name", "supplier"]].copy()
    columns = sheet_columns(AGREEMENT_ID_COLUMNS, lang)
    maps = value_maps(AGREEMENT_ID_COLUMNS, lang)
    if table is None or not years:
        return base, columns, maps
    wide = table.pivot_table(index="key", columns="year", values=["spend_sek", "kg_co2e"])
    ids = base["agreement_id"].astype("string").to_numpy(dtype=object)

    def add(field: str, values: Any, header: str, unit: str) -> None:
        base[field] = values
        columns.append(Column(field, with_unit(header, unit, lang), UNITS[unit].excel_format))
        maps[field] = partial(rounded, unit=unit)

    for measure, key, unit in YEAR_MEASURES:
        for year in years:
            values = (
                wide[(measure, year)].reindex(ids).to_numpy() if (measure, year) in wide else None
            )
            add(f"{measure}_{year}", values, f"{t(key, lang)} {year}", unit)
    if len(years) >= 2:
        first, last = years[0], years[-1]
        change = change_between(table, first, last, key="key").set_index("key")
        span = {"first": first, "last": last}
        add(
            "change_kg_co2e",
            change["change_kg_co2e"].reindex(ids).to_numpy(),
            t("spendyears.change", lang, **span),
            "t",
        )
        add(
            "change_share",
            change["change_share"].reindex(ids).to_numpy(),
            t("rpt.years.change_share", lang, **span),
            "share",
        )
    return base, columns, maps


def write_year_sheets(wb: Any, analysis: SpendAnalysis, lang: str = "sv") -> None:
    """Add the sheets År (when the spend is from invoices) and Datakvalitet to ``wb``."""
    if analysis.by_year:
        _years(wb, analysis, lang)
    _quality(wb, analysis, lang)


def _write(
    ws: Any,
    frame: pd.DataFrame,
    cols: Sequence[Col],
    lang: str,
    extra: Mapping[str, Callable[[Any], Any]] | None = None,
) -> None:
    maps = value_maps(cols, lang, extra=extra)
    write_table(ws, frame, sheet_columns(cols, lang), value_maps=maps)


def _years(wb: Any, analysis: SpendAnalysis, lang: str) -> None:
    totals = analysis.by_year["totals"]
    per_agreement, columns, maps = agreement_years(analysis, lang)
    ws = wb.create_sheet(t("rpt.years.sheet_years", lang))
    widths = table_widths(totals, sheet_columns(TOTAL_COLUMNS, lang))
    set_widths(ws, table_widths(per_agreement, columns, widths))
    ws.append([formatted(ws, t("rpt.years.title", lang), bold=True)])
    append_rows(ws, [(t("rpt.years.same_factors", lang),), ()])
    _write(ws, totals, TOTAL_COLUMNS, lang, {"year": partial(year_label, lang=lang)})
    change = analysis.totals.get("change_between_years")
    if change:
        ws.append([])
        span = {"first": change["from_year"], "last": change["to_year"]}
        ws.append(
            [
                safe_cell_value(ws, with_unit(t("spendyears.change", lang, **span), "t", lang)),
                formatted(ws, rounded(change["change_kg_co2e"], "t"), UNITS["t"].excel_format),
                formatted(
                    ws, rounded(change["change_share"], "share"), UNITS["share"].excel_format
                ),
            ]
        )
    ws.append([])
    ws.append([formatted(ws, t("rpt.years.per_agreement", lang), bold=True)])
    write_table(ws, per_agreement, columns, value_maps=maps)


def _quality(wb: Any, analysis: SpendAnalysis, lang: str) -> None:
    grades = pd.DataFrame(
        [
            {"grade": g, "kg_co2e": v["kg_co2e"], "share": v["share"], "spend_sek": v["spend_sek"]}
            for g, v in analysis.totals.get("kg_co2e_by_grade", {}).items()
        ],
        columns=["grade", "kg_co2e", "share", "spend_sek"],
    )
    agreements = analysis.agreements
    agreement_cols = [c for c in AGREEMENT_GRADE_COLUMNS if c.field in agreements]
    ws = wb.create_sheet(t("rpt.years.sheet_quality", lang))
    widths = table_widths(grades, sheet_columns(GRADE_COLUMNS, lang))
    set_widths(ws, table_widths(agreements, sheet_columns(agreement_cols, lang), widths))
    ws.append([formatted(ws, t("rpt.years.quality_title", lang), bold=True)])
    append_rows(ws, [(t("rpt.years.grades", lang),), ()])
    _write(ws, grades, GRADE_COLUMNS, lang)
    ws.append([])
    _write(ws, agreements, agreement_cols, lang, {"factor_grades": partial(grades_text, lang=lang)})
