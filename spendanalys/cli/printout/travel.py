"""What ``spendanalys travel`` prints: the settings, the goal, the years, the forecast, the
drivers of the change, the factor comparison, Naturvårdsverket's figures, train instead of flight,
the breakdowns and the rejected rows, in the catalogue's words (``--lang``)."""

from __future__ import annotations

import pandas as pd

from spendanalys.cli.printout import note_line, print_cols, worded
from spendanalys.cli.reasons import print_reasons
from spendanalys.i18n import DEFAULT_LANGUAGE, format_number, format_percent, t
from spendanalys.i18n.columns import Col, code
from spendanalys.schema import TRAVEL_MODES
from spendanalys.travel.naturvardsverket import FLIGHT_SPLIT_KM, naturvardsverket_table

# The workbook's words for a hidden group; it loads openpyxl, which a printed travel summary
# pays for once (the JSON output does not import this module).
from spendanalys.travel.report.columns import GENDER_COLUMNS  # the workbook's Per kön sheet
from spendanalys.travel.report.sheets import suppressed_note

# The printed tables: each column's catalogue label and unit as the travel workbook has them
# (travel/report/columns.py): totals in tonnes, per-FTE figures in kg.
YEAR_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("fte", "kind.fte", "decimal"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"),
    Col("path_kg_co2e_per_fte", "rpt.col.path", "kg"),
    Col("status", "rpt.col.status", values="status"),
    *[Col(f"kg_co2e_{m}", f"mode.{m}", "t") for m in TRAVEL_MODES],
]
COMPARISON_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte_used", "kg"),
    Col("kg_co2e_per_fte_other", "rpt.col.per_fte_other", "kg"),
    Col("difference_per_fte", "rpt.col.factor_difference", "kg"),
]
ROUTE_COLUMNS = [
    Col("route", "col.route"),
    Col("flights", "rpt.col.flights", "int"),
    Col("flight_km", "rpt.col.flight_km", "km"),
    Col("rail_km", "rpt.col.rail_km", "km"),
    Col("flight_kg_co2e", "mode.flight", "t"),
    Col("rail_kg_co2e", "mode.rail", "t"),
    Col("kg_co2e_saved", "rpt.col.saved", "t"),
    Col("cost_change_sek", "rpt.col.cost_change", "sek"),
    Col("time_change_hours", "rpt.col.time_change", "hours"),
    Col("rail_cost_sek", "rpt.col.rail_cost", "sek"),
    Col("flight_cost_sek", "rpt.col.flight_cost", "sek"),
    Col("rail_door_hours", "rpt.col.rail_hours", "hours"),
    Col("flight_door_hours", "rpt.col.flight_hours", "hours"),
]
WHATIF_YEAR_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"),
    Col("kg_co2e_per_fte_after", "travel.after_switch", "kg"),
    Col("path_kg_co2e_per_fte", "rpt.col.path", "kg"),
]


def _breakdown_cols(key: str, frame: pd.DataFrame) -> list[Col]:
    """A breakdown's columns as the workbook's Per enhet and Per kön sheets have them."""
    cols = [
        Col("year", "col.year", "year"),
        Col(key, "rpt.col.org_unit" if key == "unit" else "col.gender", values=_vocabulary(key)),
        Col("travellers", "rpt.col.traveller_rows", "int"),
        Col("kg_co2e", "rpt.col.emissions", "t"),
        Col("share", "col.share", "share"),
        Col("suppressed", "cli.travel.suppressed", values="yes_no"),
    ]
    if "kg_co2e_per_fte" in frame:
        cols.append(Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"))
    cols.append(Col("note", "col.note"))
    return cols


def _vocabulary(key: str) -> str | None:
    return "gender" if key == "gender" else None


def _per_fte(value: float | None, lang: str) -> str:
    """``295,5 kg CO2e per ÅA``."""

    return f"{format_number(value, lang, 1)} {t('travel.per_fte', lang)}"


def print_naturvardsverket(summary, lang: str = DEFAULT_LANGUAGE) -> None:  # type: ignore[no-untyped-def]
    """Naturvårdsverket's yearly figures: tonnes and km per category, one column per year."""

    a = summary.analysis
    table = naturvardsverket_table(a.trips, FLIGHT_SPLIT_KM)
    if table.empty:
        return
    hotels = t(
        "travel.hotels_included" if a.settings.include_hotels else "travel.hotels_excluded", lang
    )
    rf = t("travel.rf_included" if a.settings.radiative_forcing else "travel.rf_excluded", lang)
    print("\n" + t("cli.travel.nv", lang, heading=t("travel.nv_heading", lang), hotels=hotels))
    print("  " + t("travel.nv_note", lang, factor_set=a.factors.name, rf=rf))
    order = list(dict.fromkeys(table["category"]))
    tonnes = table.pivot(index="category", columns="year", values="t_co2e").reindex(order)
    km = table.pivot(index="category", columns="year", values="km").reindex(order)
    years = list(tonnes.columns)
    frame = pd.DataFrame({"category": [code(c, "nv_category", lang) for c in order]})
    cols = [Col("category", "col.nv_category")]
    suffixes: dict[str, str] = {}
    for year in years:
        frame[f"t_{year}"] = tonnes[year].to_numpy()
        cols.append(Col(f"t_{year}", "rpt.col.emissions", "tonnes"))
        suffixes[f"t_{year}"] = f" {year}"
    for year in years:
        frame[f"km_{year}"] = km[year].to_numpy()
        cols.append(Col(f"km_{year}", "rpt.col.km_or_nights", "int"))
        suffixes[f"km_{year}"] = f" {year}"
    print_cols(frame, cols, lang, suffixes=suffixes)


def print_summary(summary, lang: str = DEFAULT_LANGUAGE) -> None:  # type: ignore[no-untyped-def]
    """The travel figures in the catalogue's words: settings, goal, years, forecast, drivers,
    factor comparison, Naturvårdsverket's figures, train or flight, breakdowns, rejected rows."""

    a = summary.analysis
    s = a.settings
    print_reasons(a.reason_notes, lang)
    print(
        t(
            "cli.travel.heading",
            lang,
            title=t("rpt.travel.title", lang),
            factor_set_label=t("col.factor_set", lang),
            factor_set=a.factors.name,
            rf_label=t("rpt.travel.rf", lang),
            rf=t("travel.rf_included" if s.radiative_forcing else "travel.rf_excluded", lang),
            uplift_label=t("rpt.travel.uplift", lang),
            uplift=format_percent(s.uplift, lang),
            hotels_label=t("rpt.travel.hotels", lang),
            hotels=code("included" if s.include_hotels else "excluded", "hotels", lang),
        )
    )
    print(
        t(
            "cli.travel.goal",
            lang,
            target=t("travel.target", lang),
            baseline_year=s.baseline_year,
            baseline=_per_fte(a.baseline["kg_co2e_per_fte"], lang),
            target_year=s.target_year,
            goal=_per_fte(a.target["kg_co2e_per_fte"], lang),
            reduction=format_percent(-s.reduction, lang),
        )
    )
    years = a.years.merge(a.path[["year", "path_kg_co2e_per_fte", "status"]], on="year", how="left")
    print_cols(years, YEAR_COLUMNS, lang)
    if a.forecast:
        print(
            "\n"
            + t(
                "cli.travel.forecast",
                lang,
                heading=t("rpt.travel.forecast", lang, year=a.target["year"]),
                value=_per_fte(a.forecast["kg_co2e_per_fte"], lang),
                method=worded(a.forecast["method"], lang),
            )
        )
    d = summary.decomposition
    if d:
        heading = t("travel.decomposition", lang, start=d["from_year"], end=d["to_year"])
        print(
            "\n"
            + t(
                "cli.travel.decomposition",
                lang,
                heading=heading,
                change=_per_fte(d["total_change"], lang),
            )
        )
        for name, value in d["effects"].items():
            print(f"  {code(name, 'effect', lang):<24} {_per_fte(value, lang):>24}")
    fc = summary.factor_comparison
    if fc is not None and len(fc):
        sets = fc.attrs.get("factor_sets", ("", ""))
        print("\n" + t("cli.travel.factor_alone", lang, used=sets[0], other=sets[1]))
        print_cols(fc, COMPARISON_COLUMNS, lang)
    print_naturvardsverket(summary, lang)
    routes = summary.what_if["routes"]
    print(
        "\n"
        + t(
            "cli.travel.whatif",
            lang,
            km=format_number(s.train_threshold_km, lang),
            routes=t("cli.travel.listed_routes", lang) if s.train_routes else "",
            detour=format_number(s.rail_detour, lang, 1),
        )
    )
    if len(routes):
        print("  " + t("cli.travel.whatif_note", lang))
        print_cols(routes, ROUTE_COLUMNS, lang)
        for r in routes.itertuples():
            line = t(
                "cli.travel.route_sources",
                lang,
                route=r.route,
                rail_label=t("col.rail_cost_source", lang),
                rail=worded(r.rail_cost_source, lang),
                flight_label=t("rpt.col.flight_cost_source", lang),
                flight=worded(r.flight_cost_source, lang),
                time_label=t("col.time_source", lang),
                times=worded(r.time_source, lang),
            )
            print(f"  {line}")
        print_cols(summary.what_if["years"], WHATIF_YEAR_COLUMNS, lang)
    else:
        print("  " + t("cli.travel.no_flight", lang))
    # the workbook's words for a hidden group (the note says why a row is empty)
    suppressed = {"note": suppressed_note(s.min_group_travellers, lang)}
    for name, table in summary.breakdowns.items():
        what = t("rpt.sheet.per_unit" if name == "unit" else "rpt.sheet.per_gender", lang)
        print("\n" + t("cli.travel.breakdown", lang, what=what, n=s.min_group_travellers))
        print_cols(table, _breakdown_cols(name, table), lang, extra=suppressed)
    if summary.gender is not None and len(summary.gender):
        print("\n" + t("travel.gender_note", lang, n=s.min_group_travellers))
        print_cols(summary.gender, GENDER_COLUMNS, lang, extra=suppressed)
    print(f"\n{t('rpt.sheet.rejected', lang)}: {format_number(len(a.rejected), lang)}")
    for r in a.rejected[:20]:
        where = ", ".join(
            [r.file, t("error.row", lang, row=r.row), t("error.column", lang, column=r.column)]
        )
        print(f"  {where}: {worded(r.reason, lang)}")
    for note in a.notes[len(a.reason_notes) :]:
        print(note_line(note, lang))
