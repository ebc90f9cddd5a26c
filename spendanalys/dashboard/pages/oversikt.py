"""Översikt (leadership, read-only): the two goals at a glance, top agreements, freshness."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from spendanalys import services
from spendanalys.dashboard import page_data, security, spend_years
from spendanalys.dashboard.components import card, graph, lang, message, page_guard, table
from spendanalys.errors import SpendanalysError
from spendanalys.i18n import format_number, format_percent, t

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


def _travel_section(store: services.Store, language: str) -> list[Any]:
    try:
        analysis = services.travel_view(store)
    except SpendanalysError as exc:
        return [message(t("travel.error", language, reason=str(exc)), "error")]
    if analysis is None:
        return [message(t("travel.no_data", language), "info")]
    known = analysis.years.dropna(subset=["kg_co2e_per_fte"])
    latest = known.iloc[-1]
    base = analysis.baseline
    change = float(latest["kg_co2e_per_fte"]) / float(base["kg_co2e_per_fte"]) - 1
    cards = html.Div(
        [
            card(
                t("overview.travel_latest", language, year=int(latest["year"])),
                f"{format_number(latest['kg_co2e_per_fte'], language)} kg",
                t("overview.per_fte_note", language),
                card_id="card-travel-latest",
            ),
            card(
                t("overview.travel_change", language, year=int(base["year"])),
                format_percent(change, language),
                t(
                    "overview.travel_goal",
                    language,
                    reduction=format_percent(analysis.target["reduction"], language),
                    year=int(analysis.target["year"]),
                ),
            ),
            card(
                t("overview.travel_target", language, year=int(analysis.target["year"])),
                f"{format_number(analysis.target['kg_co2e_per_fte'], language)} kg",
            ),
        ],
        className="cards",
    )
    chart = graph(
        "overview-travel-chart", page_data.travel_figure(store, analysis, language), height=340
    )
    return [cards, chart]


def _spend_section(store: services.Store, language: str) -> list[Any]:
    summary = page_data.summary(store)
    if summary is None:
        return [message(t("spend.no_data", language), "info")]
    totals = summary.totals
    agreements = summary.agreements
    share = totals.get("share_agreements_with_requirements")
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
            ),
            card(
                t("overview.spend_total", language),
                f"{format_number(totals.get('spend_sek', 0) / 1e6, language, 1)} MSEK",
            ),
            _requirements_card(totals, language)
            if "ongoing_agreements" in totals
            else card(
                t("overview.requirements_share", language),
                format_percent(share, language),
                t("overview.requirements_note", language),
                card_id="card-requirements",
            ),
        ],
        className="cards",
    )
    top = agreements.head(10)  # ranked already
    return [
        cards,
        *spend_years.overview_parts(store, summary, language),
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
            html.H1(t("overview.title", language)),
            html.H2(t("overview.travel_heading", language)),
            *_travel_section(store, language),
            html.H2(t("overview.spend_heading", language)),
            *_spend_section(store, language),
            html.H2(t("overview.freshness", language)),
            table(fresh, FRESHNESS_COLUMNS, language, table_id="overview-freshness"),
        ]
    )
