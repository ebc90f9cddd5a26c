"""One function per sheet of the travel workbook; every word from the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference

from spendanalys.i18n import t
from spendanalys.i18n.figures import UNITS, figure, rounded, with_unit
from spendanalys.i18n.notes import translate
from spendanalys.i18n.sheets import Col, code, sheet_columns, value_maps
from spendanalys.travel.naturvardsverket import (
    FLIGHT_SPLIT_KM,
    naturvardsverket_table,
    naturvardsverket_years,
)
from spendanalys.travel.report.columns import (
    COMPARISON_COLUMNS,
    GENDER_COLUMNS,
    NV_COLUMNS,
    NV_YEAR_COLUMNS,
    YEAR_COLUMNS,
)
from spendanalys.travel.summary import TravelSummary
from spendanalys.xlsx import (
    append_rows,
    formatted,
    safe_cell_value,
    set_widths,
    table_widths,
    write_table,
)

Maps = dict[str, Callable[[Any], Any]]


def sheet(
    wb: Workbook, title: str, tables: Sequence[tuple[pd.DataFrame, Sequence[Col]]], lang: str
) -> Any:
    ws = wb.create_sheet(title)
    widths: dict[int, float] = {}
    for frame, cols in tables:
        table_widths(frame, sheet_columns(cols, lang), widths)
    widths[1] = max(widths.get(1, 0), 28)
    set_widths(ws, widths)
    return ws


def table(
    ws: Any, frame: pd.DataFrame, cols: Sequence[Col], lang: str, extra: Maps | None = None
) -> None:
    maps = value_maps(cols, lang, extra=extra)
    write_table(ws, frame, sheet_columns(cols, lang), value_maps=maps)


def unit_text(value: Any, lang: str) -> Any:
    """A factor unit as written (``kg CO2e/pkm``) with its activity word in ``lang``."""
    if not isinstance(value, str):
        return value
    for unit in ("pkm", "vkm"):
        value = value.replace(f"/{unit}", f"/{t(f'unit.{unit}', lang)}")
    return value


def rf_words(on: bool, lang: str) -> str:
    return t("travel.rf_included" if on else "travel.rf_excluded", lang)


def hotel_words(on: bool, lang: str) -> str:
    return t("travel.hotels_included" if on else "travel.hotels_excluded", lang)


def suppressed_note(n: int, lang: str) -> Callable[[Any], Any]:
    def note(value: Any) -> Any:
        if value in (None, "", False):
            return value
        if isinstance(value, str) and value.startswith("no traveller identity"):
            return translate(value, lang)
        return t("rpt.travel.suppressed", lang, n=n)

    return note


def summary_sheet(wb: Workbook, summary: TravelSummary, lang: str) -> None:
    a = summary.analysis
    s = a.settings
    years = a.years.merge(
        a.path[["year", "path_kg_co2e_per_fte", "change_vs_baseline", "status"]],
        on="year",
        how="left",
    )
    ws = sheet(wb, t("rpt.sheet.summary", lang), [(years, YEAR_COLUMNS)], lang)
    ws.append([formatted(ws, t("rpt.travel.title", lang), bold=True)])
    rows: list[tuple[str, Any, str]] = [
        (t("goal.baseline", lang), s.baseline_year, "year"),
        (
            with_unit(t("rpt.travel.baseline_per_fte", lang), "kg", lang),
            a.baseline["kg_co2e_per_fte"],
            "kg",
        ),
        (t("goal.target", lang), s.target_year, "year"),
        (t("rpt.travel.reduction", lang), s.reduction, "share"),
        (
            with_unit(t("rpt.travel.target_per_fte", lang), "kg", lang),
            a.target["kg_co2e_per_fte"],
            "kg",
        ),
    ]
    if a.forecast:
        label = t("rpt.travel.forecast", lang, year=s.target_year)
        rows.append((with_unit(label, "kg", lang), a.forecast["kg_co2e_per_fte"], "kg"))
    for label, value, unit in rows:
        cell = formatted(ws, rounded(value, unit), UNITS[unit].excel_format)
        ws.append([safe_cell_value(ws, label), cell])
    append_rows(
        ws,
        [
            (t("col.factor_set", lang), a.factors.name),
            (t("rpt.travel.rf", lang), rf_words(s.radiative_forcing, lang)),
            (t("rpt.travel.uplift", lang), figure(s.uplift, "share", lang)),
            (t("rpt.travel.hotels", lang), hotel_words(s.include_hotels, lang)),
        ],
    )
    if a.forecast:
        append_rows(
            ws, [(t("rpt.travel.forecast_method", lang), translate(a.forecast["method"], lang))]
        )
    ws.append([])
    header_row = 1 + len(rows) + 4 + (1 if a.forecast else 0) + 2
    table(ws, years, YEAR_COLUMNS, lang)
    if len(years) > 1:
        chart = LineChart()
        chart.title = t("rpt.col.per_fte", lang)
        chart.y_axis.title = t("rpt.unit.kg", lang)
        data = Reference(
            ws, min_col=4, max_col=5, min_row=header_row, max_row=header_row + len(years)
        )
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(
            Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + len(years))
        )
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, f"A{header_row + len(years) + 3}")
    ws.append([])
    append_rows(ws, [(t("col.note", lang), translate(note, lang)) for note in a.notes])


def naturvardsverket_sheet(wb: Workbook, summary: TravelSummary, lang: str) -> None:
    a = summary.analysis
    s = a.settings
    rows = naturvardsverket_table(a.trips, FLIGHT_SPLIT_KM)
    years = naturvardsverket_years(a, rows)
    title = t("rpt.sheet.naturvardsverket", lang)
    ws = sheet(wb, title, [(rows, NV_COLUMNS), (years, NV_YEAR_COLUMNS)], lang)
    ws.append([formatted(ws, t("rpt.nv.title", lang), bold=True)])
    append_rows(
        ws,
        [
            (t("col.factor_set", lang), a.factors.name),
            (t("rpt.travel.rf", lang), rf_words(s.radiative_forcing, lang)),
            (t("rpt.travel.hotels", lang), hotel_words(s.include_hotels, lang)),
            (
                t("rpt.nv.split", lang),
                t("rpt.nv.split_text", lang, km=f"{FLIGHT_SPLIT_KM:g}", factor=f"{1 + s.uplift:g}"),
            ),
            (t("rpt.nv.distance", lang), t("rpt.nv.distance_text", lang)),
            (t("rpt.nv.car_kind", lang), t("rpt.nv.car_kind_text", lang)),
            (),
        ],
    )
    table(ws, years, NV_YEAR_COLUMNS, lang)
    ws.append([])
    table(ws, rows, NV_COLUMNS, lang)


def gender_sheet(wb: Workbook, summary: TravelSummary, lang: str) -> None:
    a = summary.analysis
    frame = summary.gender if summary.gender is not None else pd.DataFrame()
    ws = sheet(wb, t("rpt.sheet.gender", lang), [(frame, GENDER_COLUMNS)], lang)
    ws.append([formatted(ws, t("rpt.gender.title", lang), bold=True)])
    n = a.settings.min_group_travellers
    append_rows(
        ws,
        [
            (t("col.gender", lang), t("rpt.gender.gender_text", lang)),
            (t("col.travellers", lang), t("rpt.gender.travellers_text", lang)),
            (t("rpt.gender.shares", lang), t("rpt.gender.shares_text", lang)),
            (t("rpt.gender.small", lang), t("rpt.gender.small_text", lang, n=n)),
            (t("rpt.travel.hotels", lang), hotel_words(a.settings.include_hotels, lang)),
            (),
        ],
    )
    table(ws, frame, GENDER_COLUMNS, lang, extra={"note": suppressed_note(n, lang)})


def change_sheet(wb: Workbook, summary: TravelSummary, lang: str) -> None:
    comparison = (
        summary.factor_comparison if summary.factor_comparison is not None else pd.DataFrame()
    )
    ws = sheet(wb, t("rpt.sheet.change", lang), [(comparison, COMPARISON_COLUMNS)], lang)
    d = summary.decomposition
    kg = UNITS["kg"].excel_format
    if d:
        heading = t("rpt.change.title", lang, start=d["from_year"], end=d["to_year"])
        ws.append([formatted(ws, heading, bold=True)])
        ws.append(
            [
                safe_cell_value(ws, t("rpt.change.total", lang)),
                formatted(ws, rounded(d["total_change"], "kg"), kg),
            ]
        )
        for key, value in d["effects"].items():
            ws.append(
                [
                    safe_cell_value(ws, code(key, "effect", lang)),
                    formatted(ws, rounded(value, "kg"), kg),
                ]
            )
        append_rows(ws, [(t("rpt.word.method", lang), translate(d["method"], lang)), ()])
    else:
        append_rows(ws, [(t("rpt.change.none", lang),), ()])
    sets = comparison.attrs.get("factor_sets", ("", ""))
    heading = t("rpt.change.other_set", lang, used=sets[0], other=sets[1])
    ws.append([formatted(ws, heading, bold=True)])
    table(ws, comparison, COMPARISON_COLUMNS, lang)
