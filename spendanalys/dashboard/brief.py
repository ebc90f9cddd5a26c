"""The verdicts the overview states in words, read off the engines' results (no Dash here).

The travel verdict compares the latest year with data to the straight-line path of the goal
(``TravelAnalysis.path``: ``gap_to_path`` = measured − path, kg CO2e per FTE) and states the
engine's forecast for the target year (``TravelAnalysis.forecast``) against the target. Years
between the baseline and the latest year without a figure are named, so an empty bar in the
chart is never mistaken for zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

ON_TRACK, OFF_TRACK, UNKNOWN = "on_track", "off_track", "unknown"
TOLERANCE_KG = 1e-9  # the engine's own rule: on or below the path


@dataclass(frozen=True)
class TravelVerdict:
    year: int
    kg_per_fte: float
    path_kg_per_fte: float
    gap_kg: float  # measured − path; positive = above the path
    status: str
    target_year: int
    target_kg_per_fte: float
    forecast_kg_per_fte: float | None
    forecast_years: tuple[int, ...]
    forecast_status: str
    years_without_data: tuple[int, ...]


def travel_verdict(analysis: Any) -> TravelVerdict | None:
    """The verdict of a travel analysis; None when no year has a per-FTE figure."""
    path: pd.DataFrame = analysis.path
    known = path.dropna(subset=["kg_co2e_per_fte"]).sort_values("year")
    if known.empty:
        return None
    latest = known.iloc[-1]
    gap = float(latest["gap_to_path"])
    target_year = int(analysis.target["year"])
    target = float(analysis.target["kg_co2e_per_fte"])
    forecast = analysis.forecast or {}
    forecast_value = forecast.get("kg_co2e_per_fte")
    forecast_status = (
        UNKNOWN
        if forecast_value is None
        else ON_TRACK
        if float(forecast_value) <= target + TOLERANCE_KG
        else OFF_TRACK
    )
    first, last = int(analysis.baseline["year"]), int(latest["year"])
    empty = path[(path["year"] > first) & (path["year"] < last) & path["kg_co2e_per_fte"].isna()]
    return TravelVerdict(
        year=last,
        kg_per_fte=float(latest["kg_co2e_per_fte"]),
        path_kg_per_fte=float(latest["path_kg_co2e_per_fte"]),
        gap_kg=gap,
        status=ON_TRACK if gap <= TOLERANCE_KG else OFF_TRACK,
        target_year=target_year,
        target_kg_per_fte=target,
        forecast_kg_per_fte=None if forecast_value is None else float(forecast_value),
        forecast_years=tuple(int(y) for y in forecast.get("years_used", ())),
        forecast_status=forecast_status,
        years_without_data=tuple(int(y) for y in empty["year"]),
    )


def year_span(years: tuple[int, ...] | list[int]) -> str:
    """``(2020, 2021)`` → "2020–2021"; ``(2020, 2022)`` → "2020, 2022"; one year as itself."""
    ordered = sorted(set(years))
    if not ordered:
        return ""
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(str(y) for y in ordered)
