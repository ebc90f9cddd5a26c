"""Everything the travel command, report and dashboard show, computed once.

:func:`summarise_travel` bundles the per-FTE analysis with the decomposition (baseline year to
the latest year with data), the factor-set comparison, the train-instead-of-flight what-if and
the breakdowns; :func:`travel_payload` turns it into the JSON of DESIGN.md §5 plus the keys
``path, forecast, decomposition, factor_comparison, what_if, breakdowns, naturvardsverket,
gender_perspective, settings, notes``. Each year also carries ``pkm_by_mode`` (passenger-km: flight, rail, bus),
``vkm_by_mode`` (vehicle-km: car, taxi), ``hotel_nights`` and ``hotels`` ("included" or
"excluded": whether hotel nights are in its kg CO2e and kg CO2e per FTE).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from spendanalys.jsonable import records
from spendanalys.schema import TRAVEL_MODES
from spendanalys.travel.analysis import TravelAnalysis
from spendanalys.travel.breakdowns import breakdowns
from spendanalys.travel.factors import TravelFactorSet, other_builtin_set
from spendanalys.travel.gender import SHARE_MODES, gender_perspective
from spendanalys.travel.naturvardsverket import naturvardsverket_payload
from spendanalys.travel.whatif import decompose_change, factor_set_effect, train_instead_of_flight
from spendanalys.travel.yearly import PKM_MODES, VKM_MODES, hotels_stated

COMPARISON_ABOUT = (
    "a comparison of two ways to travel (CO2e, cost and door-to-door time, one way per "
    "traveller), not a verdict; each route names the source of its cost (rail_cost_source, "
    "flight_cost_source: a user's route file, else the agency's own median with its count, else "
    "the route table) and of its times (time_source: a user's route file, else the route table "
    "spendanalys/travel/data/route_times.csv, whose rows give source, date and quality)"
)


@dataclass
class TravelSummary:
    analysis: TravelAnalysis
    decomposition: dict[str, Any] | None
    factor_comparison: pd.DataFrame | None
    what_if: dict[str, pd.DataFrame]
    breakdowns: dict[str, pd.DataFrame]
    compared_factors: TravelFactorSet | None = None  # the set of ``factor_comparison``
    gender: pd.DataFrame | None = None  # the gender perspective (travel/gender.py)


def summarise_travel(
    analysis: TravelAnalysis,
    *,
    compare_with: TravelFactorSet | None = None,
    route_figures: pd.DataFrame | None = None,
) -> TravelSummary:
    """Run the follow-up analyses on one :class:`TravelAnalysis`.

    ``compare_with`` defaults to the other built-in factor set.
    """
    years = analysis.years.dropna(subset=["kg_co2e_per_fte"])
    base = analysis.settings.baseline_year
    later = years[years["year"] > base]["year"]
    decomposition = decompose_change(analysis, base, int(later.max())) if len(later) else None
    other = compare_with if compare_with is not None else other_builtin_set(analysis.factors)
    comparison = factor_set_effect(analysis, other)
    what_if = train_instead_of_flight(analysis, route_figures)
    codes = analysis.line_codes
    if analysis.settings.include_hotels:
        headline = analysis.trips
    else:
        # headline_lines, on the codes: the lines and their codes without the hotel lines
        kept = ~codes.mode.mask("hotel")
        headline = analysis.trips[kept]
        codes = codes.take(kept, headline.index)
    minimum = analysis.settings.min_group_travellers
    parts = breakdowns(headline, analysis.fte, minimum, codes=codes)
    gender = gender_perspective(headline, analysis.fte, min_group=minimum, codes=codes)
    return TravelSummary(analysis, decomposition, comparison, what_if, parts, other, gender)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:

    return records(frame)


def factor_set_records(summary: TravelSummary) -> list[dict[str, Any]]:
    """The set in use and the one compared with, by name, version, licence and file name."""
    sets = [("used", summary.analysis.factors), ("compared", summary.compared_factors)]
    return [{**fs.describe(), "role": role} for role, fs in sets if fs is not None]


def travel_payload(summary: TravelSummary, *, include_trips: bool = False) -> dict[str, Any]:
    """The JSON document of ``spendanalys travel --format json``."""
    a = summary.analysis
    hotels = hotels_stated(a.settings.include_hotels)
    years = []
    for row in a.years.to_dict(orient="records"):
        years.append(
            {
                "year": int(row["year"]),
                "kg_co2e": row["kg_co2e"],
                "fte": row["fte"],
                "kg_co2e_per_fte": row["kg_co2e_per_fte"],
                "by_mode": {m: row[f"kg_co2e_{m}"] for m in TRAVEL_MODES},
                "pkm_by_mode": {m: row[f"pkm_{m}"] for m in PKM_MODES},
                "vkm_by_mode": {m: row[f"vkm_{m}"] for m in VKM_MODES},
                "hotel_nights": row["hotel_nights"],
                "hotels": hotels,
            }
        )
    payload: dict[str, Any] = {
        "years": years,
        "baseline": {**a.baseline, "hotels": hotels},
        "target": {**a.target, "hotels": hotels},
        "rejected_rows": [r.as_dict() for r in a.rejected],
        "path": _records(a.path),
        "forecast": a.forecast,
        "decomposition": summary.decomposition,
        "factor_comparison": None
        if summary.factor_comparison is None
        else {
            "factor_sets": list(summary.factor_comparison.attrs.get("factor_sets", ())),
            "years": _records(summary.factor_comparison),
        },
        "what_if": {
            "train_instead_of_flight": {
                **{k: _records(v) for k, v in summary.what_if.items()},
                "about": COMPARISON_ABOUT,
            }
        },
        "breakdowns": {k: _records(v) for k, v in summary.breakdowns.items()},
        "naturvardsverket": naturvardsverket_payload(a),
        "gender_perspective": None
        if summary.gender is None
        else {
            "min_group": a.settings.min_group_travellers,
            "hotels": hotels,
            "mode_shares": f"share of traveller-trips: {', '.join(SHARE_MODES)} (car without taxi)",
            "travellers": "distinct traveller_id when every trip row carries one, else unknown",
            "years": _records(summary.gender),
        },
        "settings": {**asdict(a.settings), "factor_set": a.factors.name},
        "factor_sets": factor_set_records(summary),
        "notes": a.notes,
    }
    if include_trips:
        payload["trips"] = _records(a.trips)
    return payload
