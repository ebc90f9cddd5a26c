"""Spend and business travel in one total, travel counted once (DESIGN.md §2, boundaries).

Travel bought on invoices (tickets, hotel nights) is priced per SEK by the spend analysis; the
travel module counts the same trips from activity data (km, nights), which is better. The
combined total therefore takes travel from the activity data and leaves out the invoice spend of
the travel categories the trips cover, year by year::

    combined_kg_co2e = spend kg CO2e − kg of the left-out travel lines + travel kg CO2e

for the years both analyses cover. A travel category is left out only in a year whose trips
hold its mode (no hotel nights in the trips: hotel invoices stay). Pure: the travel figures come
in as a plain table, so ``spend/`` imports nothing from ``travel/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.spend.breakdowns import year_labels

# Travel mode of the trips → the spend category of the same purchase. Car is not here: a trip
# by car is mostly the employee's own car (paid with the salary, outside the spend boundary),
# and the vehicle leasing category also holds the agency's own fleet.
MODE_CATEGORIES: Mapping[str, str] = {
    "flight": "air_travel",
    "rail": "rail_travel",
    "taxi": "taxi",
    "bus": "passenger_transport",
    "hotel": "hotels_conference",
}


def travel_by_year_and_mode(years: pd.DataFrame) -> pd.DataFrame:
    """The travel analysis' per-year table (``year``, ``kg_co2e_<mode>`` columns) as a long
    table ``year`` (text), ``mode``, ``kg_co2e``; modes with no emissions in a year left out."""
    rows = []
    for mode in ("flight", "rail", "car", "taxi", "bus", "hotel"):
        column = f"kg_co2e_{mode}"
        if column in years:
            kg = years[column].to_numpy(dtype=float, na_value=np.nan)
            for year, value in zip(years["year"], kg, strict=True):
                if value and not np.isnan(value):
                    rows.append({"year": str(int(year)), "mode": mode, "kg_co2e": float(value)})
    return pd.DataFrame(rows, columns=["year", "mode", "kg_co2e"])


def travel_spend_by_year(lines: pd.DataFrame) -> pd.DataFrame:
    """Invoice spend and kg CO2e of the travel categories (``MODE_CATEGORIES``) per year and
    category, lines inside the boundary: ``year`` (text), ``category_id``, ``spend_sek``,
    ``kg_co2e``. Small (a few rows a year), so the dashboard can keep it beside its summary."""
    active = ~lines["excluded"].to_numpy(dtype=bool)
    category = lines["category_id"].astype("object").to_numpy(dtype=object)
    travel = active & np.isin(category.astype(str), list(MODE_CATEGORIES.values()))
    frame = pd.DataFrame(
        {
            "year": year_labels(lines)[travel],
            "category_id": category[travel],
            "spend_sek": lines["spend_sek"].to_numpy(dtype=float)[travel],
            "kg_co2e": lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[travel],
        }
    )
    grouped = frame.groupby(["year", "category_id"], sort=True)
    return grouped[["spend_sek", "kg_co2e"]].sum().reset_index()


def combine_with_travel(
    lines: pd.DataFrame, totals: Mapping[str, Any], travel: pd.DataFrame
) -> dict[str, Any]:
    """:func:`combine` on an analysis' priced lines and totals."""
    active = ~lines["excluded"].to_numpy(dtype=bool)
    spend_years = sorted({str(y) for y in year_labels(lines)[active]})
    return combine(float(totals["kg_co2e"]), spend_years, travel_spend_by_year(lines), travel)


def combine(
    spend_kg_co2e: float,
    spend_years: Sequence[str],
    travel_spend: pd.DataFrame,
    travel: pd.DataFrame,
) -> dict[str, Any]:
    """The combined figures: ``combined_kg_co2e``, ``travel_activity_kg_co2e`` (from the trips,
    the spend's years only), ``travel_left_out_sek`` and ``travel_left_out_kg_co2e`` (invoice
    spend left out), ``travel_left_out_categories`` and ``combined_years``; ``combined_notes``
    says which years had spend but no trips (their travel invoices stay in).

    ``spend_kg_co2e`` is the spend analysis' total, ``spend_years`` its years (text),
    ``travel_spend`` its :func:`travel_spend_by_year` table, ``travel`` the
    :func:`travel_by_year_and_mode` table of the trips."""
    trip_years = set(travel["year"].astype(str))
    both = [y for y in spend_years if y in trip_years]
    left = pd.Series(False, index=travel_spend.index)
    for y in both:
        modes = set(travel.loc[travel["year"].astype(str) == y, "mode"])
        cats = {MODE_CATEGORIES[m] for m in modes if m in MODE_CATEGORIES}
        left |= (travel_spend["year"].astype(str) == y) & travel_spend["category_id"].isin(cats)
    left_out = travel_spend[left.to_numpy(dtype=bool)]
    left_kg = float(np.nansum(left_out["kg_co2e"].to_numpy(dtype=float)))
    activity = float(travel.loc[travel["year"].astype(str).isin(both), "kg_co2e"].sum())
    notes = [
        f"{y}: spend but no trips; travel bought on invoices stays in the combined total"
        for y in spend_years
        if y not in trip_years
    ]
    return {
        "combined_kg_co2e": spend_kg_co2e - left_kg + activity,
        "travel_activity_kg_co2e": activity,
        "travel_left_out_sek": float(left_out["spend_sek"].sum()),
        "travel_left_out_kg_co2e": left_kg,
        "travel_left_out_categories": sorted(set(left_out["category_id"])),
        "combined_years": both,
        "combined_notes": notes,
    }
