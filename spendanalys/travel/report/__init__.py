"""The Excel report of the travel analysis, in the catalogue's words (Swedish by default).

Sheets: Sammanfattning (goal, per-FTE per year against the path, forecast, and a line chart),
Naturvårdsverket (tonnes and km per mode and year as the yearly miljöledning report asks),
Förändring (what drove the change, and what the factor set alone moves), Tåg i stället för flyg
(per route and per year), Per enhet / Per kön (small groups suppressed), Jämställdhet (per gender
and year), Resor (every emission line with distance, band, factor row and source), Avvisade
rader, Metod och källor (settings and every factor row of the set in use). Whether hotel nights
are in the per-FTE figures is stated on the sheets that show them.

Totals are in tonnes, per-FTE and per-traveller figures and single trips in kg, each cell the
rounded value its format shows (``i18n.figures``); codes, notes and sources through the
catalogue (``i18n.sheets``, ``i18n.notes``). Written in openpyxl's write-only mode; every value
goes through ``xlsx.safe_cell_value``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from spendanalys.i18n import t
from spendanalys.i18n.sheets import Col
from spendanalys.travel.report.columns import (
    FACTOR_COLUMNS,
    LINE_COLUMNS,
    REJECTED_COLUMNS,
    ROUTE_COLUMNS,
    WHATIF_YEAR_COLUMNS,
)
from spendanalys.travel.report.sheets import (
    change_sheet,
    gender_sheet,
    naturvardsverket_sheet,
    sheet,
    summary_sheet,
    suppressed_note,
    table,
    unit_text,
)
from spendanalys.travel.summary import TravelSummary, factor_set_records
from spendanalys.xlsx import append_rows

__all__ = ["write_travel_report"]

# Settings by name: how the method sheet words each value.
SETTING_UNITS = {"reduction": "share", "uplift": "share"}


def _whatif(wb: Workbook, summary: TravelSummary, lang: str) -> None:
    s = summary.analysis.settings
    routes, years = summary.what_if["routes"], summary.what_if["years"]
    title = t("whatif.heading", lang)
    ws = sheet(wb, title, [(routes, ROUTE_COLUMNS), (years, WHATIF_YEAR_COLUMNS)], lang)
    scope = t("rpt.whatif.scope", lang, km=f"{s.train_threshold_km:g}", detour=f"{s.rail_detour:g}")
    append_rows(ws, [(scope,), (t("rpt.whatif.about", lang),), ()])
    table(ws, routes, ROUTE_COLUMNS, lang)
    ws.append([])
    table(ws, years, WHATIF_YEAR_COLUMNS, lang)


def _breakdowns(wb: Workbook, summary: TravelSummary, lang: str) -> None:
    n = summary.analysis.settings.min_group_travellers
    for key, title in (("unit", "rpt.sheet.per_unit"), ("gender", "rpt.sheet.per_gender")):
        if key not in summary.breakdowns:
            continue
        frame = summary.breakdowns[key]
        cols = [
            Col("year", "col.year", "year"),
            Col(
                key,
                "rpt.col.org_unit" if key == "unit" else "col.gender",
                values=None if key == "unit" else "gender",
            ),
            Col("travellers", "rpt.col.traveller_rows", "int"),
            Col("kg_co2e", "rpt.col.emissions", "t"),
            Col("share", "col.share", "share"),
        ]
        if "kg_co2e_per_fte" in frame:
            cols.append(Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"))
        cols.append(Col("note", "col.note"))
        ws = sheet(wb, t(title, lang), [(frame, cols)], lang)
        table(ws, frame, cols, lang, extra={"note": suppressed_note(n, lang)})


def _setting(name: str, value: Any, lang: str) -> Any:
    if isinstance(value, bool):
        return t("value.yes" if value else "value.no", lang)
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value)) or t("rpt.word.none", lang)
    return value


def _method(wb: Workbook, summary: TravelSummary, lang: str) -> None:
    a = summary.analysis
    ws = sheet(wb, t("rpt.sheet.method", lang), [(a.factors.table, FACTOR_COLUMNS)], lang)
    # Each set by name, version, licence and file name: never the path it was read from.
    header = (
        "",
        t("rpt.col.set_name", lang),
        "Version",
        t("col.licence", lang),
        t("col.file", lang),
    )
    append_rows(
        ws,
        [
            (t("rpt.word.method", lang), t("rpt.travel.method", lang)),
            (*header, t("rpt.col.role", lang)),
        ],
    )
    for d in factor_set_records(summary):
        row = (t("col.factor_set", lang), d["name"], d["version"], d["licence"], d["file"])
        append_rows(ws, [(*row, t(f"rpt.set_role.{d['role']}", lang))])
    setting = t("rpt.word.setting", lang)
    append_rows(
        ws,
        [
            (setting, t(f"rpt.setting.{k}", lang), _setting(k, v, lang))
            for k, v in vars(a.settings).items()
        ],
    )
    ws.append([])
    table(ws, a.factors.table, FACTOR_COLUMNS, lang, extra={"unit": lambda v: unit_text(v, lang)})


def write_travel_report(summary: TravelSummary, path: str | Path, *, lang: str = "sv") -> None:
    """Write the travel analysis to an .xlsx workbook at ``path`` (overwritten), in ``lang``."""
    a = summary.analysis
    wb = Workbook(write_only=True)
    summary_sheet(wb, summary, lang)
    naturvardsverket_sheet(wb, summary, lang)
    change_sheet(wb, summary, lang)
    _whatif(wb, summary, lang)
    _breakdowns(wb, summary, lang)
    if summary.gender is not None:
        gender_sheet(wb, summary, lang)
    ws = sheet(wb, t("rpt.sheet.trips", lang), [(a.trips, LINE_COLUMNS)], lang)
    table(ws, a.trips, LINE_COLUMNS, lang)
    rejected = pd.DataFrame(
        [r.as_dict() for r in a.rejected], columns=["file", "row", "column", "reason"]
    )
    ws = sheet(wb, t("rpt.sheet.rejected", lang), [(rejected, REJECTED_COLUMNS)], lang)
    table(ws, rejected, REJECTED_COLUMNS, lang)
    _method(wb, summary, lang)
    wb.save(str(path))
