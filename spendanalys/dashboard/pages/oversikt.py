"""Översikt (leadership, read-only): a one-page brief of the two goals, read in five seconds.

Each goal has its verdict in words (with a mark, so colour never carries it alone) and its
years; every figure says which year or date it holds for, a share comes with its count, and
what is left out (rent and grants) or counted twice (travel bought through the travel agency)
is said on the page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, clientside_callback, html

from spendanalys import services
from spendanalys.dashboard import brief, page_data, security, spend_years
from spendanalys.dashboard.components import (
    card,
    graph,
    lang,
    message,
    page_guard,
    table,
    verdict_line,
)
from spendanalys.errors import SpendanalysError
from spendanalys.i18n import format_date, format_number, format_percent, t
from spendanalys.i18n.notes import worded

dash.register_page(__name__, path="/", title="Spendanalys – översikt", order=0, nav="nav.overview")

TOP_COLUMNS = (
    ("rank", "col.rank", "text"),
    ("agreement_id", "col.agreement_id", "text"),
    ("name", "col.name", "text"),
    ("supplier", "col.supplier", "text"),
    ("kg_co2e", "col.kg_co2e", "number"),
    ("requirements", "col.requirements", "yesno"),
    ("end_date", "col.end_date", "date"),
)
FRESHNESS_COLUMNS = (
    ("kind_label", "col.dataset", "text"),
    ("file_name", "col.file", "text"),
    ("uploaded_by", "col.uploaded_by", "text"),
    ("uploaded_at", "col.uploaded_at", "datetime"),
    ("rows_accepted", "col.rows_accepted", "number"),
    ("rows_rejected", "col.rows_rejected", "number"),
)
PATH_COLUMNS = (
    ("year", "col.year", "text"),
    ("kg_co2e_per_fte", "col.kg_per_fte", "number1"),
    ("path_kg_co2e_per_fte", "verdict.col_path", "number1"),
    ("gap_to_path", "verdict.col_gap", "number1"),
    ("status_text", "verdict.col_status", "text"),
)


def _kg(value: float, language: str) -> str:
    return format_number(value, language, 1)


def _travel_verdicts(v: brief.TravelVerdict, language: str) -> html.Div:
    """The travel goal in words: the latest year against the path, the forecast, the gaps."""
    side = "verdict.above_path" if v.status == brief.OFF_TRACK else "verdict.below_path"
    lines: list[Any] = [
        verdict_line(
            t(
                side,
                language,
                year=v.year,
                value=_kg(v.kg_per_fte, language),
                path=_kg(v.path_kg_per_fte, language),
                gap=_kg(abs(v.gap_kg), language),
            ),
            v.status,
            element_id="verdict-travel",
        )
    ]
    if v.forecast_kg_per_fte is not None:
        reach = (
            "verdict.forecast_reaches"
            if v.forecast_status == brief.ON_TRACK
            else "verdict.forecast_misses"
        )
        lines.append(
            verdict_line(
                t(
                    reach,
                    language,
                    year=v.target_year,
                    value=_kg(v.forecast_kg_per_fte, language),
                    target=_kg(v.target_kg_per_fte, language),
                    years=brief.year_span(v.forecast_years),
                ),
                v.forecast_status,
                element_id="verdict-forecast",
            )
        )
    if v.years_without_data:
        lines.append(
            html.P(
                t(
                    "verdict.years_without_data",
                    language,
                    years=brief.year_span(v.years_without_data),
                ),
                className="muted",
                id="verdict-gaps",
            )
        )
    return html.Div(lines, className="brief")


def _path_table(analysis: Any, language: str) -> Any:
    frame = analysis.path.copy()
    frame["year"] = frame["year"].astype(str)
    frame["status_text"] = [
        t("verdict.status_no_data", language)
        if s == "no data"
        else t("verdict.status_below", language)
        if s == "on or below the path"
        else t("verdict.status_above", language)
        for s in frame["status"]
    ]
    return table(frame, PATH_COLUMNS, language, table_id="overview-path", limit=100)


def _travel_section(store: services.Store, language: str) -> list[Any]:
    try:
        analysis = services.travel_view(store)
    except SpendanalysError as exc:
        return [message(t("travel.error", language, reason=worded(str(exc), language)), "error")]
    if analysis is None:
        return [message(t("travel.no_data", language), "info")]
    verdict = brief.travel_verdict(analysis)
    if verdict is None:
        return [message(t("travel.no_data", language), "info")]
    base = analysis.baseline
    change = verdict.kg_per_fte / float(base["kg_co2e_per_fte"]) - 1
    target_year = int(analysis.target["year"])
    cards = html.Div(
        [
            card(
                t("overview.travel_latest", language, year=verdict.year),
                f"{format_number(verdict.kg_per_fte, language, 1)} kg",
                t("overview.per_fte_note", language),
                card_id="card-travel-latest",
                frame=t("verdict.frame_year", language, year=verdict.year),
            ),
            card(
                t("overview.travel_change", language, year=int(base["year"])),
                format_percent(change, language),
                t(
                    "overview.travel_goal",
                    language,
                    reduction=format_percent(analysis.target["reduction"], language),
                    year=target_year,
                ),
                frame=t("verdict.frame_years", language, start=int(base["year"]), end=verdict.year),
            ),
            card(
                t("overview.travel_target", language, year=target_year),
                f"{format_number(analysis.target['kg_co2e_per_fte'], language, 1)} kg",
                t("overview.per_fte_note", language),
                frame=t("verdict.frame_target", language, year=target_year, base=int(base["year"])),
            ),
        ],
        className="cards",
    )
    summary = t(
        "verdict.chart_summary",
        language,
        first=int(base["year"]),
        last=verdict.year,
        value=_kg(verdict.kg_per_fte, language),
        target=_kg(verdict.target_kg_per_fte, language),
        year=target_year,
    )
    chart = graph(
        "overview-travel-chart",
        page_data.travel_figure(store, analysis, language),
        height=340,
        summary=summary,
        data=_path_table(analysis, language),
        language=language,
    )
    return [_travel_verdicts(verdict, language), cards, chart]


def _spend_notes(summary: services.SpendSummary, language: str) -> list[Any]:
    """What the spend figures leave out and what they share with the travel figure."""
    totals = summary.totals
    notes: list[Any] = []
    excluded = totals.get("excluded_spend_sek") or 0.0
    if excluded:
        notes.append(
            html.P(
                t(
                    "verdict.excluded",
                    language,
                    total=format_number((totals.get("spend_sek", 0) + excluded) / 1e6, language, 1),
                    excluded=format_number(excluded / 1e6, language, 1),
                    lines=format_number(totals.get("excluded_lines"), language),
                    spend=format_number(totals.get("spend_sek", 0) / 1e6, language, 1),
                ),
                id="spend-excluded",
            )
        )
    travel_kg = totals.get("travel_kg_co2e") or 0.0
    if travel_kg:
        notes.append(
            html.P(
                t(
                    "verdict.travel_overlap",
                    language,
                    t=format_number(travel_kg / 1000, language),
                    msek=format_number((totals.get("travel_spend_sek") or 0) / 1e6, language, 1),
                ),
                id="spend-travel-overlap",
            )
        )
    unlinked = totals.get("unlinked_spend_sek") or 0.0
    if unlinked:
        notes.append(
            html.P(
                t(
                    "verdict.unlinked",
                    language,
                    msek=format_number(unlinked / 1e6, language, 1),
                    share=format_percent(unlinked / (totals.get("spend_sek") or 1), language),
                )
            )
        )
    return notes


def _spend_section(store: services.Store, language: str) -> list[Any]:
    summary = page_data.summary(store)
    if summary is None:
        return [message(t("spend.no_data", language), "info")]
    totals = summary.totals
    agreements = summary.agreements
    share = totals.get("share_agreements_with_requirements")
    years = brief.year_span(page_data.spend_years(store))
    as_of = format_date(date.today(), language)
    frame = t("verdict.frame_spend", language, years=years or "–", date=as_of)
    cards = html.Div(
        [
            card(
                t("overview.spend_emissions", language),
                f"{format_number(totals.get('kg_co2e', 0) / 1000, language)} t CO2e",
                t(
                    "overview.spend_basis",
                    language,
                    basis=t(
                        "basis.invoices" if summary.spend_basis == "invoices" else "basis.estimate",
                        language,
                    ),
                ),
                card_id="card-spend-total",
                frame=frame,
            ),
            card(
                t("overview.spend_total", language),
                f"{format_number(totals.get('spend_sek', 0) / 1e6, language, 1)} MSEK",
                t("verdict.spend_total_note", language),
                frame=frame,
                card_id="card-spend-sek",
            ),
            _requirements_card(totals, language)
            if "ongoing_agreements" in totals
            else card(
                t("overview.requirements_share", language),
                format_percent(share, language),
                t(
                    "verdict.requirements_count",
                    language,
                    n=format_number(totals.get("agreements_with_requirements"), language),
                    total=format_number(totals.get("agreements"), language),
                ),
                card_id="card-requirements",
                frame=t("verdict.frame_as_of", language, date=as_of),
            ),
        ],
        className="cards",
    )
    top = agreements.head(10)  # ranked already
    return [
        cards,
        *spend_years.overview_parts(store, summary, language),
        html.Div(_spend_notes(summary, language), className="brief", id="spend-notes"),
        html.H2(t("overview.top_agreements", language)),
        table(top, TOP_COLUMNS, language, table_id="overview-top"),
    ]


def _requirements_card(totals: dict[str, Any], language: str) -> Any:
    """The KPI as the agency reports it: ongoing agreements with miljökrav, with the number
    whose miljökrav is unknown beside the share (never a bare share)."""
    return card(
        t("agree.requirements_card_title", language),
        format_percent(totals.get("share_ongoing_agreements_with_requirements"), language),
        t(
            "agree.requirements_card_note",
            language,
            with_requirements=totals.get("ongoing_agreements_with_requirements", 0),
            ongoing=totals.get("ongoing_agreements", 0),
            unknown=totals.get("ongoing_agreements_requirements_unknown", 0),
            as_of=totals.get("ongoing_as_of", ""),
            value_share=format_percent(
                totals.get("share_ongoing_spend_with_requirements"), language
            ),
        ),
        card_id="card-requirements",
    )


def layout(**_query: Any) -> Any:
    redirect = page_guard()
    if redirect is not None:
        return redirect
    language = lang()
    store = security.current_store()
    return page_data.rendered(store, f"overview:{language}", lambda: _page(store, language))


def _page(store: services.Store, language: str) -> html.Div:
    fresh = page_data.freshness(store)
    fresh["kind_label"] = page_data.kind_labels(fresh, language)
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("overview.title", language)),
                    html.Button(
                        t("verdict.print", language), id="overview-print", className="button"
                    ),
                ],
                className="title-row",
            ),
            html.H2(t("overview.travel_heading", language)),
            *_travel_section(store, language),
            html.H2(t("overview.spend_heading", language)),
            *_spend_section(store, language),
            html.H2(t("overview.freshness", language)),
            table(fresh, FRESHNESS_COLUMNS, language, table_id="overview-freshness"),
        ]
    )


clientside_callback(
    ClientsideFunction(namespace="spendanalys_a11y", function_name="printPage"),
    Output("overview-print", "title"),
    Input("overview-print", "n_clicks"),
    prevent_initial_call=True,
)
