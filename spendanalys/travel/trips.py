"""Trip emissions: from the canonical trips table to one row per emission line with its trail.

For each accepted input row the engine writes one *travel* line (its mode) and, when the row
carries hotel nights and is not itself a hotel row, one *hotel* line. Each line keeps the
distance, band, cabin, activity, the factor row and its source, and ``kg_co2e``:

- flight: pkm = one-way km × legs × travellers, with one-way km = great-circle km between the
  airports × (1 + uplift); a distance written in the file is used as given, *without* uplift
  (it is the agency's own figure, e.g. the flown distance from the travel agency). Band from the
  airports (DESIGN.md §3); without airports a given distance bands short/long by its length.
- rail, bus: pkm = km × legs × travellers.
- car, taxi: vkm = km × legs (the travellers share the vehicle). Taxi without a distance but
  with a cost uses a per-SEK factor when the set has one. A car's ``fuel`` (Drivmedel: bensin,
  diesel, el, laddhybrid, hybrid, E85, biogas/fordonsgas, HVO; ``FUEL_WORDS``) picks the car row
  of that fuel (``variant``); a blank fuel, a fuel not known and a fuel the set has no row for
  price as the set's average car (the row without a variant), the last two with a note and the
  count (:func:`spendanalys.travel.variants.variant_notes`). Taxi rows ignore the fuel.
- hotel: room-nights = nights × travellers (one room each).

A hotel line's country comes from its place (``Till``): a city name, an airport or city code, a
country code or name (:mod:`spendanalys.travel.places`); the set's row for that country prices
it, else its region's row (``rest_of_eu``, ``rest_of_world``), else the default hotel row.

legs = 2 for a round trip (tur och retur), else 1; unknown round-trip = one way; unknown
travellers = 1; unknown cabin = economy (marked ``cabin_assumed``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow
from spendanalys.travel.distance_check import BASIS_GIVEN, check_distances
from spendanalys.travel.factors import TravelFactorSet
from spendanalys.travel.flights import FLIGHT_COLUMNS, FLIGHT_READS, flight_distances
from spendanalys.travel.intake import prepare_trips
from spendanalys.travel.places import place_countries
from spendanalys.travel.pricing import LINE_COLUMNS, line_factors, price_lines
from spendanalys.travel.rows import TextCodes, constant_column, drop_rows, reject_rows
from spendanalys.travel.variants import car_fuel

__all__ = ["LINE_COLUMNS", "activity_lines", "line_factors", "price_lines", "trip_emissions"]
"""The pricing half lives in :mod:`spendanalys.travel.pricing`; it is named here too because
this module is the entry to the engine (trips in, emission lines out)."""


def _no_distance_reason(rows: pd.DataFrame) -> pd.Series:
    mode = rows["mode"].astype(str)
    what = pd.Series("no distance (km)", index=rows.index, dtype="object")
    what[mode == "taxi"] = "no distance (km) and no cost"
    return what + " for a " + mode + " trip"


def trip_emissions(
    trips: pd.DataFrame,
    factors: TravelFactorSet,
    *,
    uplift: float = 0.08,
    home_country: str = "SE",
    radiative_forcing: bool = True,
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Emission lines (``LINE_COLUMNS``) and the rejected rows of a canonical trips table."""
    lines, rejected = activity_lines(trips, uplift=uplift, home_country=home_country)
    priced, unpriced = price_lines(lines, factors, radiative_forcing=radiative_forcing)
    rejected = rejected + unpriced
    rejected.sort(key=lambda r: (r.file, r.row))
    return priced, rejected


def activity_lines(
    trips: pd.DataFrame, *, uplift: float = 0.08, home_country: str = "SE"
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """The factor-independent half of :func:`trip_emissions`: one line per travel component with
    its distance, band, cabin, activity and unit, not yet priced; and the rows rejected so far.

    Kept apart so that another factor set can price the same lines (:func:`price_lines`)
    without reading, mapping and resolving the trips again.
    """
    # Lines come in the order of the input's index labels. Unique labels (positions) let the
    # resolved flights be written back in place, without a concat + sort of every column.
    if not trips.index.is_monotonic_increasing:
        trips = trips.sort_index(kind="stable")
    frame, rejected = prepare_trips(trips.reset_index(drop=True))
    frame = frame.reset_index(drop=True)
    for col in ("origin_airport", "destination_airport", "band"):
        frame[col] = pd.Series(pd.NA, index=frame.index, dtype="object")
    frame["great_circle_km"] = np.nan
    # Object columns throughout: a scalar string would make an Arrow string column, and every
    # write-back and concat below would convert it to object and back (tens of ms each).
    frame["distance_basis"] = constant_column(BASIS_GIVEN, frame.index)
    is_flight = frame["mode"].isin(("flight",))
    # Only the columns the flight step reads and writes: filtering every column costs more.
    flights, bad = flight_distances(frame.loc[is_flight, FLIGHT_READS], uplift, home_country)
    rejected += bad
    keep = ~is_flight.to_numpy()
    keep[flights.index.to_numpy()] = True
    if not keep.all():
        frame = frame[keep]
    at = frame.index.get_indexer(flights.index)
    for col in FLIGHT_COLUMNS:
        values = frame[col].to_numpy(copy=True)
        values[at] = flights[col].to_numpy()
        frame[col] = pd.Series(values, index=frame.index, dtype=frame[col].dtype)
    frame["band"] = frame["band"].fillna("")
    frame = check_distances(frame)
    frame["variant"] = car_fuel(frame)
    # The mode's codes once: every test below compares integers, not the text of each line.
    mode = TextCodes(frame["mode"])
    km = frame["distance_km"] * frame["legs"]
    has_km = frame["distance_km"].notna() & (frame["distance_km"] > 0)
    cost = (
        pd.to_numeric(frame["cost_sek"], errors="coerce")
        if "cost_sek" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    taxi_by_cost = mode.isin("taxi") & ~has_km & cost.notna() & (cost > 0)
    needs_km = mode.isin("rail", "bus", "car", "taxi") & ~has_km & ~taxi_by_cost
    rejected += reject_rows(
        frame,
        needs_km,
        "distance_km",
        _no_distance_reason,
    )
    nights = pd.to_numeric(frame["hotel_nights"], errors="coerce").astype("float64")
    is_hotel_row = mode.isin("hotel")
    bad_hotel = is_hotel_row & ~(nights > 0)
    rejected += reject_rows(
        frame, bad_hotel, "hotel_nights", "a hotel row needs a number of nights > 0"
    )
    dropped = needs_km | bad_hotel
    frame = drop_rows(frame, dropped)
    taxi_by_cost, km, cost, nights = (
        taxi_by_cost[frame.index],
        km[frame.index],
        cost[frame.index],
        nights[frame.index],
    )
    kept = ~dropped.to_numpy()
    per_person = mode.isin("flight", "rail", "bus").to_numpy()[kept]
    by_vehicle = mode.isin("car", "taxi").to_numpy()[kept]
    hotel_row = is_hotel_row.to_numpy()[kept]
    by_cost = taxi_by_cost.to_numpy()
    activity = np.select(
        [
            per_person,
            by_vehicle & ~by_cost,
            by_cost,
            hotel_row,
        ],
        [km * frame["travellers"], km, cost, nights * frame["travellers"]],
        default=np.nan,
    )
    basis = np.select([per_person, by_cost, hotel_row], ["pkm", "SEK", "night"], default="vkm")
    lines = frame.assign(
        component=constant_column("travel", frame.index),
        activity=activity,
        activity_unit=pd.Series(basis, index=frame.index, dtype="object"),
    )
    # activity_unit is "SEK" exactly on the taxi lines known by cost
    lines["person_km"] = np.where(by_cost, np.nan, km * frame["travellers"])
    # Hotel nights carried on a travel row become a hotel line of their own, after the travel
    # lines: one take of every column (a filter, an assign and a concat copy each twice).
    extra = np.flatnonzero(~hotel_row & (nights > 0).to_numpy())
    n = len(lines)
    hotel_activity = (nights.to_numpy() * frame["travellers"].to_numpy())[extra]
    lines = lines.take(np.concatenate([np.arange(n), extra])).reset_index(drop=True)
    for col, value in (
        ("component", "hotel"),
        ("mode", "hotel"),
        ("activity", hotel_activity),
        ("activity_unit", "night"),
        ("person_km", np.nan),
        ("band", ""),
        ("cabin", ""),
    ):
        values = lines[col].to_numpy(copy=True)
        values[n:] = value
        lines[col] = pd.Series(values, index=lines.index, dtype=lines[col].dtype)
    is_hotel = np.concatenate([hotel_row, np.ones(len(extra), dtype=bool)])
    variant = lines["variant"].to_numpy(copy=True)
    variant[is_hotel] = place_countries(lines.loc[is_hotel, "destination"])
    lines["variant"] = pd.Series(variant, index=lines.index, dtype="object")
    for col in ("distance_km", "great_circle_km", "person_km"):
        lines[col] = lines[col].where(~is_hotel, np.nan)
    basis = lines["distance_basis"].to_numpy(copy=True)
    basis[is_hotel] = ""
    lines["distance_basis"] = pd.Series(basis, index=lines.index, dtype="object")
    return lines, rejected
