"""Naturvårdsverket's yearly figures for business travel (miljöledning i staten, DESIGN.md §7).

Per year, tonnes CO2e and km per mode as the yearly report asks for them: flights under and
over 500 km (50 mil), rail, bus, car by kind, taxi, and hotel nights apart; with the factor set,
the high-altitude choice and the hotel choice named.

- **km** are passenger-km for flight, rail and bus and vehicle-km for car and taxi (the
  travellers share the vehicle), exactly the activity the engine prices; for hotels the
  activity is room-nights.
- **Flights under 500 km**: one-way distance as used (great circle × (1 + uplift), or the
  distance written in the file) below 500 km; a round trip is two legs of that length. At
  500 km or more a flight is "500 km and over".
- **Car by kind**, only where the mode as written says it (``CAR_KIND_WORDS``): own car
  (Egen bil), rental (Hyrbil), fleet (Tjänstebil, Bilpool, Förmånsbil); a plain "Bil" is
  ``unspecified``. Taxi is its own row.
- Taxi rows known only by cost carry tonnes but no km; they are counted in
  ``lines_without_km``.
- tonnes = kg / 1000. Every category appears in every year with data (0 where nothing was
  travelled), so the table reads like the form.

Hand-worked example: ``tests/travel/test_travel_naturvardsverket.py``.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from spendanalys.jsonable import records
from spendanalys.travel.analysis import TravelAnalysis
from spendanalys.travel.rows import LineCodes, line_codes
from spendanalys.travel.vocab import CAR_KIND_WORDS, map_column
from spendanalys.travel.yearly import hotels_stated

FLIGHT_SPLIT_KM = 500.0
CATEGORIES: tuple[str, ...] = (
    "flight_under_500",
    "flight_500_and_over",
    "rail",
    "bus",
    "car_own",
    "car_rental",
    "car_fleet",
    "car_unspecified",
    "taxi",
    "hotel",
)
CATEGORY_MODE: dict[str, str] = {
    "flight_under_500": "flight",
    "flight_500_and_over": "flight",
    "rail": "rail",
    "bus": "bus",
    "car_own": "car",
    "car_rental": "car",
    "car_fleet": "car",
    "car_unspecified": "car",
    "taxi": "taxi",
    "hotel": "hotel",
}
KM_UNIT: dict[str, str] = {
    "flight": "pkm",
    "rail": "pkm",
    "bus": "pkm",
    "car": "vkm",
    "taxi": "vkm",
    "hotel": "night",
}
KM_UNITS_STATED = (
    "km are passenger-km (pkm) for flight, rail and bus and vehicle-km (vkm) for car and taxi; "
    "hotel rows count room-nights"
)


def categorise(lines: pd.DataFrame, split_km: float = FLIGHT_SPLIT_KM) -> pd.Series:
    """Each emission line's category in :data:`CATEGORIES` (see the module docstring)."""
    mode = lines["mode"].astype(object)
    category = mode.copy()
    flight = mode.isin(("flight",)).to_numpy()
    under = (lines["distance_km"] < split_km).to_numpy()
    category[flight & under] = "flight_under_500"
    category[flight & ~under] = "flight_500_and_over"
    car = mode.isin(("car",)).to_numpy()
    if car.any():
        kinds = map_column(lines.loc[car, "mode_as_written"].astype(object), CAR_KIND_WORDS)
        kinds = kinds.where(kinds.isin(["own", "rental", "fleet"]), "unspecified")
        category[car] = ("car_" + kinds.astype(str)).to_numpy()
    return category


def _category_codes(lines: pd.DataFrame, codes: LineCodes, split_km: float) -> np.ndarray:
    """:func:`categorise` as positions in :data:`CATEGORIES` (-1: a mode of none of them),
    from the lines' mode codes: the text of no line is compared again."""
    by_mode = {CATEGORY_MODE[c]: i for i, c in reversed(list(enumerate(CATEGORIES)))}
    table = np.array([by_mode.get(str(m), -1) for m in codes.mode.uniques] + [-1], dtype=np.int64)
    category = table[codes.mode.codes]
    flight = codes.mode.mask("flight")
    under = (lines["distance_km"] < split_km).to_numpy()
    category[flight & under] = CATEGORIES.index("flight_under_500")
    category[flight & ~under] = CATEGORIES.index("flight_500_and_over")
    car = codes.mode.mask("car")
    if car.any():
        kinds = map_column(lines.loc[car, "mode_as_written"].astype(object), CAR_KIND_WORDS)
        kinds = kinds.where(kinds.isin(["own", "rental", "fleet"]), "unspecified")
        kind_codes = {k: CATEGORIES.index(f"car_{k}") for k in ("own", "rental", "fleet")}
        kind_codes["unspecified"] = CATEGORIES.index("car_unspecified")
        category[car] = kinds.map(kind_codes).to_numpy(dtype=np.int64)
    out: np.ndarray = category
    return out


def naturvardsverket_table(
    lines: pd.DataFrame, split_km: float = FLIGHT_SPLIT_KM, codes: LineCodes | None = None
) -> pd.DataFrame:
    """One row per year with lines and category: year, category, mode, kg_co2e, t_co2e, km,
    km_unit, traveller_trips, lines_without_km.

    ``km`` is the priced activity (pkm, vkm or room-nights, see :data:`KM_UNIT`);
    ``traveller_trips`` is Σ travellers over the transport rows (a round trip counts once;
    hotel lines count no trip, their row has none). ``codes``: the lines' :class:`LineCodes`,
    when the caller has them.
    """
    codes = line_codes(lines, codes)
    category = _category_codes(lines, codes, split_km)
    frame = pd.DataFrame(
        {
            "year": lines["year"].to_numpy(),
            # positions in CATEGORIES: grouped as integers, labelled by the full index below
            "category": category,
            "kg_co2e": lines["kg_co2e"].astype("float64").to_numpy(),
            "km": np.where(codes.unit.mask("pkm", "vkm", "night"), lines["activity"], 0.0).astype(
                "float64"
            ),
            "traveller_trips": np.where(codes.transport(), lines["travellers"], 0.0).astype(
                "float64"
            ),
            "lines_without_km": codes.unit.mask("SEK").astype("int64"),
        }
    )
    years = sorted(frame["year"].unique())
    if (category < 0).any():
        frame = frame[category >= 0]
    summed = frame.groupby(["year", "category"]).sum()
    grouped = cast(pd.MultiIndex, summed.index)
    names = np.asarray(CATEGORIES, dtype=object)[grouped.levels[1].to_numpy()]
    summed.index = grouped.set_levels(names, level="category")
    full = pd.MultiIndex.from_product([years, list(CATEGORIES)], names=["year", "category"])
    table = summed.reindex(full, fill_value=0).reset_index()
    table.insert(2, "mode", table["category"].map(CATEGORY_MODE))
    table.insert(4, "t_co2e", table["kg_co2e"] / 1000.0)
    table.insert(6, "km_unit", table["mode"].map(KM_UNIT))
    table["year"] = table["year"].astype("int64")
    table["lines_without_km"] = table["lines_without_km"].astype("int64")
    table.loc[table["category"] == "hotel", "traveller_trips"] = np.nan
    return table


def naturvardsverket_years(analysis: TravelAnalysis, table: pd.DataFrame) -> pd.DataFrame:
    """Per year with data: fte, t_co2e (the headline, hotels in or out as set), t_co2e_transport,
    t_co2e_hotel, hotel_nights and kg_co2e_per_fte, with the hotel choice stated."""
    years = analysis.years.dropna(subset=["kg_co2e"])
    hotel = table[table["category"] == "hotel"].set_index("year")
    transport = table[table["category"] != "hotel"].groupby("year")["kg_co2e"].sum()
    out = pd.DataFrame({"year": years["year"].astype("int64").to_numpy()})
    out["fte"] = years["fte"].to_numpy()
    out["t_co2e"] = years["kg_co2e"].to_numpy() / 1000.0
    out["t_co2e_transport"] = out["year"].map(transport).fillna(0.0) / 1000.0
    out["t_co2e_hotel"] = out["year"].map(hotel["kg_co2e"]).fillna(0.0) / 1000.0
    out["hotel_nights"] = out["year"].map(hotel["km"]).fillna(0.0)
    out["kg_co2e_per_fte"] = years["kg_co2e_per_fte"].to_numpy()
    out["hotels"] = hotels_stated(analysis.settings.include_hotels)
    return out


def naturvardsverket_payload(
    analysis: TravelAnalysis, split_km: float = FLIGHT_SPLIT_KM
) -> dict[str, Any]:
    """The ``naturvardsverket`` key of the travel JSON: settings stated, then per year the
    totals and one row per category (tonnes, km with their unit, traveller-trips)."""
    table = naturvardsverket_table(analysis.trips, split_km, analysis.line_codes)
    years = naturvardsverket_years(analysis, table)
    rows = {
        int(year): records(table[table["year"] == year].drop(columns="year"))
        for year in table["year"].unique()
    }
    s = analysis.settings
    return {
        "factor_set": analysis.factors.name,
        "radiative_forcing": s.radiative_forcing,
        "flight_split_km": split_km,
        "flight_distance": (
            f"one-way distance as used: great circle × {1 + s.uplift:g}, "
            "or the distance written in the file"
        ),
        "km_units": KM_UNITS_STATED,
        "hotels": hotels_stated(s.include_hotels),
        "hotels_note": (
            "hotel nights are in t_co2e and kg_co2e_per_fte; also shown apart"
            if s.include_hotels
            else "hotel nights are not in t_co2e and kg_co2e_per_fte; shown apart only"
        ),
        "years": [{**year, "rows": rows.get(int(year["year"]), [])} for year in records(years)],
    }
