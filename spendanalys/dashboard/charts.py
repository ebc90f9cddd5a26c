"""Plotly figures of the analyses, labelled in the page's language."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from spendanalys.dashboard.components import figure_layout
from spendanalys.i18n import format_number, t
from spendanalys.schema import TRAVEL_MODES


def travel_per_fte(analysis: Any, language: str, after: pd.DataFrame | None = None) -> go.Figure:
    """kg CO2e per FTE per year (bars) against the straight-line path and the target."""
    years = analysis.years.dropna(subset=["kg_co2e_per_fte"])
    path = analysis.path
    fig = go.Figure()
    fig.add_bar(
        x=years["year"],
        y=years["kg_co2e_per_fte"],
        name=t("travel.per_fte", language),
        marker_color="#1f5f8b",
        text=[format_number(v, language) for v in years["kg_co2e_per_fte"]],
        textposition="inside",
        insidetextanchor="end",
    )
    if after is not None:
        shown = after.dropna(subset=["kg_co2e_per_fte_after"])
        fig.add_bar(
            x=shown["year"],
            y=shown["kg_co2e_per_fte_after"],
            name=t("travel.after_switch", language),
            marker_color="#6aa84f",
        )
    fig.add_scatter(
        x=path["year"],
        y=path["path_kg_co2e_per_fte"],
        mode="lines",
        name=t("travel.path", language),
        line={"dash": "dash", "color": "#e69138"},
    )
    target = analysis.target
    fig.add_scatter(
        x=[target["year"]],
        y=[target["kg_co2e_per_fte"]],
        mode="markers",
        marker={"size": 12, "symbol": "star", "color": "#cc0000"},
        name=t("travel.target", language),
    )
    forecast = getattr(analysis, "forecast", None)
    if forecast and after is None:
        fig.add_scatter(
            x=[forecast["year"]],
            y=[forecast["kg_co2e_per_fte"]],
            mode="markers+text",
            marker={"size": 11, "symbol": "diamond-open", "color": "#5b3f8c", "line": {"width": 2}},
            text=[
                t(
                    "verdict.forecast_point",
                    language,
                    value=format_number(forecast["kg_co2e_per_fte"], language),
                )
            ],
            textposition="top center",
            name=t("verdict.forecast_legend", language),
        )
    known = set(years["year"].astype(int))
    latest = max(known) if known else None
    for year in path["year"].astype(int):
        if latest is not None and year < latest and year not in known:
            fig.add_annotation(
                x=year,
                y=0,
                yanchor="bottom",
                textangle=-90,
                text=t("verdict.no_data_year", language),
                showarrow=False,
                font={"color": "#4f5b66"},
            )
    return figure_layout(
        fig,
        language,
        yaxis_title="kg CO2e / " + t("unit.fte", language),
        xaxis={"dtick": 1},
        barmode="group",
    )


def travel_by_mode(analysis: Any, language: str) -> go.Figure:
    """kg CO2e per year, stacked by mode of travel."""
    years = analysis.years
    fig = go.Figure()
    for mode in TRAVEL_MODES:
        column = f"kg_co2e_{mode}"
        if column in years and years[column].sum() > 0:
            fig.add_bar(x=years["year"], y=years[column] / 1000, name=t(f"mode.{mode}", language))
    return figure_layout(fig, language, barmode="stack", yaxis_title="t CO2e", xaxis={"dtick": 1})


def pareto(curve: pd.DataFrame, language: str, top: int = 60) -> go.Figure:
    """Agreements by kg CO2e (bars, the largest ``top``) and the cumulative share (line)."""
    shown = curve.head(top)
    labels = shown["agreement_id"].astype(str)
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=shown["kg_co2e"] / 1000,
        name="t CO2e",
        marker_color="#1f5f8b",
        hovertext=shown["name"].astype(str),
    )
    fig.add_scatter(
        x=labels,
        y=shown["cumulative_share"] * 100,
        name=t("spend.cumulative", language),
        yaxis="y2",
        mode="lines+markers",
        line={"color": "#e69138"},
    )
    fig.add_hline(y=80, line_dash="dot", line_color="#999", yref="y2")
    return figure_layout(
        fig,
        language,
        margin={"l": 50, "r": 40, "t": 20, "b": 120},
        legend={"orientation": "h", "y": 1.08, "x": 0},
        yaxis={"title": "t CO2e"},
        yaxis2={"title": "%", "overlaying": "y", "side": "right", "range": [0, 105], "dtick": 20},
        xaxis={"type": "category", "tickangle": -60},
    )


def breakdown(frame: pd.DataFrame, label: str, language: str) -> go.Figure:
    """Horizontal bars of kg CO2e per group (suppressed groups are absent)."""
    fig = go.Figure(
        go.Bar(
            y=frame[label].astype(str),
            x=frame["kg_co2e"] / 1000,
            orientation="h",
            marker_color="#1f5f8b",
        )
    )
    return figure_layout(fig, language, xaxis_title="t CO2e", yaxis={"autorange": "reversed"})


def decomposition(result: dict[str, Any], language: str) -> go.Figure:
    """Waterfall from one year's kg CO2e per FTE to another's, by effect: a reduction green, an
    increase red (less CO2e is the good direction), every step labelled with its value."""
    effects = result["effects"]
    names = [t(f"effect.{k}", language) for k in effects]
    values = [result["from_kg_co2e_per_fte"], *effects.values(), result["to_kg_co2e_per_fte"]]
    labels = [format_number(values[0], language, 1)]
    labels += [("+" if v > 0 else "") + format_number(v, language, 1) for v in effects.values()]
    labels.append(format_number(values[-1], language, 1))
    fig = go.Figure(
        go.Waterfall(
            x=[str(result["from_year"]), *names, str(result["to_year"])],
            y=values,
            measure=["absolute", *["relative"] * len(effects), "total"],
            connector={"line": {"color": "#999"}},
            text=labels,
            textposition="outside",
            increasing={"marker": {"color": "#a3231a"}},
            decreasing={"marker": {"color": "#1e6b34"}},
            totals={"marker": {"color": "#1f5f8b"}},
        )
    )
    return figure_layout(fig, language, yaxis_title="kg CO2e / " + t("unit.fte", language))
