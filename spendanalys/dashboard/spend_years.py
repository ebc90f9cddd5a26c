"""The overview's years, data quality and combined total of purchases and travel (issue 14).

Read from the small spend summary (``services.spend_summary``) and, for the combined total,
the travel analysis (``services.combined_totals``): no invoice lines are loaded here.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from spendanalys import services
from spendanalys.dashboard.components import card, figure_layout, graph
from spendanalys.errors import SpendanalysError
from spendanalys.i18n import format_number, format_percent, t


def years_figure(summary: services.SpendSummary, language: str) -> go.Figure:
    """kg CO2e per year of the purchases, in tonnes (every year at the same factors)."""
    years = summary.years[summary.years["year"] != "undated"]
    fig = go.Figure()
    fig.add_bar(
        x=years["year"].astype(str),
        y=years["kg_co2e"] / 1000,
        name=t("spendyears.figure_series", language),
        marker_color="#1f5f8b",
    )
    return figure_layout(
        fig,
        language,
        title=t("spendyears.figure_title", language),
        yaxis_title="t CO2e",
        xaxis={"type": "category"},
    )


def overview_parts(
    store: services.Store, summary: services.SpendSummary, language: str
) -> list[Any]:
    """Cards for the change between years, the data quality and (with trips) the combined
    total, and the per-year figure when there are two years or more."""
    cards: list[Any] = []
    totals = summary.totals
    change = totals.get("change_between_years")
    if change:
        cards.append(
            card(
                t("spendyears.change", language, first=change["from_year"], last=change["to_year"]),
                format_percent(change["change_share"], language),
                t(
                    "spendyears.change_note",
                    language,
                    tonnes=format_number(change["change_kg_co2e"] / 1000, language, 1),
                ),
                card_id="card-spend-change",
            )
        )
    grades = totals.get("kg_co2e_by_grade") or {}
    if grades:
        grade, top = max(grades.items(), key=lambda item: item[1]["share"])
        cards.append(
            card(
                t("spendyears.quality", language),
                t(
                    "spendyears.quality_value",
                    language,
                    share=format_percent(top["share"], language),
                    grade=grade,
                ),
                t("spendyears.quality_note", language),
                card_id="card-spend-quality",
            )
        )
    try:
        combined = services.combined_totals(store)
    except SpendanalysError:
        combined = None  # the travel section says why
    if combined and combined["combined_years"]:
        cards.append(
            card(
                t("spendyears.combined", language),
                f"{format_number(combined['combined_kg_co2e'] / 1000, language)} t CO2e",
                t(
                    "spendyears.combined_note",
                    language,
                    msek=format_number(combined["travel_left_out_sek"] / 1e6, language, 1),
                    years=", ".join(combined["combined_years"]),
                ),
                card_id="card-combined-total",
            )
        )
    parts: list[Any] = [html.Div(cards, className="cards")] if cards else []
    dated = (
        summary.years[summary.years["year"] != "undated"] if len(summary.years) else summary.years
    )
    if len(dated) >= 2:
        caption = (
            t("spendyears.figure_title", language)
            + ": "
            + "; ".join(
                f"{y} {format_number(kg / 1000, language)} t CO2e"
                for y, kg in zip(dated["year"], dated["kg_co2e"].fillna(0.0), strict=True)
            )
        )
        parts.append(
            graph(
                "overview-spend-years",
                years_figure(summary, language),
                height=300,
                summary=caption,
                language=language,
            )
        )
    return parts
