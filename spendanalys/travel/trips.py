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

from collections.abc import Callable

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow
from spendanalys.schema import SCHEMAS
from spendanalys.travel.distance_check import BASIS_GIVEN, check_distances
from spendanalys.travel.distances import flight_band, pair_distances, resolve_codes
from spendanalys.travel.factors import TravelFactorSet
from spendanalys.travel.places import place_countries, resolve_places
from spendanalys.travel.variants import car_fuel, hotel_variant
from spendanalys.travel.vocab import CABIN_WORDS, MODE_WORDS, map_column

LINE_COLUMNS = [
    "year", "date", "component", "mode", "mode_as_written", "origin", "destination",
    "origin_airport", "destination_airport", "great_circle_km", "distance_km", "distance_basis",
    "legs", "travellers", "band", "cabin", "cabin_assumed", "fuel", "activity", "activity_unit",
    "person_km", "kg_co2e_per_unit", "kg_co2e", "factor_id", "factor_row", "factor_source",
    "factor_note", "variant", "factor_variant", "unit", "gender", "traveller_id", "cost_sek",
    "source_file", "source_row",
]  # fmt: skip
"""``variant`` is what the line asked the factor set for (a car's fuel code, a hotel's country);
``factor_variant`` the variant of the row that priced it ("" = the mode's default row)."""


FLIGHT_COLUMNS = (
    "origin_airport", "destination_airport", "great_circle_km", "distance_km", "distance_basis",
    "band",
)  # fmt: skip
"""The columns :func:`_flight_distances` fills for flight rows."""


_FLIGHT_READS = ["origin", "destination", "distance_km", "source_file", "source_row"]


def _reject(
    frame: pd.DataFrame,
    mask: pd.Series,
    column: str,
    reason: Callable[[pd.DataFrame], pd.Series] | str,
) -> list[RejectedRow]:
    """RejectedRow for each masked row; ``reason`` is text or a function of the rejected rows."""
    if not mask.any():
        return []
    rows = frame[mask]
    reasons = reason(rows) if callable(reason) else pd.Series(reason, index=rows.index)
    return [
        RejectedRow(str(f), int(r), column, str(why))
        for f, r, why in zip(rows["source_file"], rows["source_row"], reasons, strict=True)
    ]


def _drop(frame: pd.DataFrame, bad: pd.Series) -> pd.DataFrame:
    """``frame`` without the ``bad`` rows; the frame itself when there are none (a boolean
    filter copies every column). Only for frames this module made itself."""
    return frame[~bad] if bad.any() else frame


def _as_object(values: pd.Series) -> pd.Series:
    """``values.astype(object)`` for a string column, built once per distinct value: an Arrow
    column's own conversion boxes every cell (a few ms per 100,000 rows and column)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = getattr(values.dtype, "na_value", np.nan)
    table = np.asarray([*uniques, missing], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype="object", name=values.name)


def _constant(value: str, index: pd.Index) -> pd.Series:
    """An object column holding ``value`` on every row of ``index``."""
    return pd.Series(np.full(len(index), value, dtype=object), index=index, dtype=object)


def _prepare(trips: pd.DataFrame) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Map vocabulary and defaults; reject rows that cannot be placed."""
    # Object columns: filtering Arrow-backed strings row-wise is several times slower.
    missing = [f for f in SCHEMAS["trips"].names if f not in trips]
    if missing:
        trips = trips.copy()
        for field in missing:
            trips[field] = pd.NA
    frame = trips.assign(
        **{
            c: _as_object(trips[c])
            for c in trips.columns
            if pd.api.types.is_string_dtype(trips[c]) and trips[c].dtype != object
        }
    )
    if "source_file" not in frame:
        frame["source_file"] = "trips"
    if "source_row" not in frame:
        frame["source_row"] = np.arange(2, len(frame) + 2)
    rejected: list[RejectedRow] = []
    frame["mode_as_written"] = frame["mode"]
    frame["mode"] = map_column(frame["mode"], MODE_WORDS)
    bad = frame["mode"].isna() | (frame["mode"].isin(("?",)))
    rejected += _reject(
        frame,
        bad,
        "mode",
        lambda r: (
            "mode '"
            + r["mode_as_written"].fillna("").astype(str)
            + "' is not a known travel mode (flight, rail, car, taxi, bus, hotel)"
        ).where(r["mode_as_written"].notna(), "no travel mode given"),
    )
    frame = _drop(frame, bad)
    dates = pd.to_datetime(frame["date"], errors="coerce")
    bad = dates.isna()
    rejected += _reject(frame, bad, "date", "no travel date: the year is unknown")
    frame, dates = _drop(frame, bad), dates[~bad]
    frame["year"] = dates.dt.year.astype("int64")
    cabin = (
        map_column(frame["cabin"], CABIN_WORDS)
        if "cabin" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="object")
    )
    is_flight = frame["mode"].isin(("flight",))
    bad = is_flight & (cabin == "?").fillna(False)
    rejected += _reject(
        frame,
        bad,
        "cabin",
        lambda r: (
            "cabin class '"
            + r["cabin"].fillna("").astype(str)
            + "' is not known (economy, premium, business, first)"
        ),
    )
    frame, cabin, is_flight = _drop(frame, bad), cabin[~bad], is_flight[~bad]
    frame["cabin_assumed"] = is_flight & cabin.isna()
    frame["cabin"] = cabin.fillna("economy").where(is_flight, "")
    travellers = pd.to_numeric(frame["travellers"], errors="coerce").astype("float64").fillna(1.0)
    bad = travellers <= 0
    rejected += _reject(frame, bad, "travellers", "number of travellers must be at least 1")
    frame, travellers = _drop(frame, bad), travellers[~bad]
    frame["travellers"] = travellers
    round_trip = frame["round_trip"].astype("boolean").fillna(False).astype(bool)
    frame["legs"] = np.where(round_trip, 2, 1)
    frame["distance_km"] = pd.to_numeric(frame["distance_km"], errors="coerce").astype("float64")
    bad = frame["distance_km"] < 0
    rejected += _reject(frame, bad, "distance_km", "distance must not be negative")
    return _drop(frame, bad), rejected


def _no_distance_reason(rows: pd.DataFrame) -> pd.Series:
    mode = rows["mode"].astype(str)
    what = pd.Series("no distance (km)", index=rows.index, dtype="object")
    what[mode == "taxi"] = "no distance (km) and no cost"
    return what + " for a " + mode + " trip"


def _unknown_code_reason(side: str, column: str) -> Callable[[pd.DataFrame], pd.Series]:
    def reason(rows: pd.DataFrame) -> pd.Series:
        # A place name the place table knows gets its code as a hint, never as a guess.
        code = resolve_places(rows[column])["code"]
        hint = np.where(
            code != "", " (a place name: write its IATA code, e.g. " + code + ", or a distance)", ""
        )
        return (
            f"{side} '"
            + rows[column].fillna("").astype(str)
            + "' is not a known IATA airport or city code"
            + hint
        )

    return reason


def _flight_distances(
    frame: pd.DataFrame, uplift: float, home_country: str
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Great-circle distance, band and used one-way km for flight rows."""
    rejected: list[RejectedRow] = []
    o = resolve_codes(frame["origin"])
    d = resolve_codes(frame["destination"])
    given = frame["distance_km"].notna() & (frame["distance_km"] > 0)
    for side, res, column in (("origin", o, "origin"), ("destination", d, "destination")):
        written = frame[column]
        unknown = res["airport"].isna() & written.notna() & ~given
        rejected += _reject(
            frame,
            unknown,
            column,
            _unknown_code_reason(side, column),
        )
    missing = (
        (o["airport"].isna() | d["airport"].isna())
        & ~given
        & frame["origin"].notna()
        & frame["destination"].notna()
    )
    no_route = (frame["origin"].isna() | frame["destination"].isna()) & ~given
    rejected += _reject(
        frame,
        no_route,
        "origin",
        "a flight needs origin and destination airport codes or a distance",
    )
    keep = ~(missing | no_route)
    frame, o, d, given = _drop(frame, ~keep), o[keep], d[keep], given[keep]
    frame["origin_airport"], frame["destination_airport"] = o["airport"], d["airport"]
    gc = pair_distances(o["airport"], d["airport"])
    same = (gc == 0) & ~given
    rejected += _reject(frame, same, "destination", "origin and destination are the same airport")
    frame, gc, o, d, given = _drop(frame, same), gc[~same], o[~same], d[~same], given[~same]
    frame["great_circle_km"] = gc
    frame["distance_km"] = np.where(given, frame["distance_km"], gc * (1.0 + uplift))
    frame["distance_basis"] = pd.Series(
        np.where(given, BASIS_GIVEN, f"great circle × {1 + uplift:g}"),
        index=frame.index,
        dtype="object",
    )
    band_km = gc.where(gc.notna(), frame["distance_km"])
    frame["band"] = flight_band(band_km, o["country"], d["country"], home_country)
    return frame, rejected


_MATCHED = ("kg_co2e_per_unit", "factor_id", "factor_row", "source", "note", "variant")


def _match(
    lines: pd.DataFrame,
    factors: TravelFactorSet,
    radiative_forcing: bool,
    columns: tuple[str, ...] = _MATCHED,
) -> pd.DataFrame:
    """The factor row of each line: exact (mode, band, cabin, variant, basis) first, then the
    band's average row (empty cabin), then the mode's default row (empty variant), then the same
    three with an empty band. Matching runs once per distinct key, not per line. Unmatched
    lines get NaN ``kg_co2e_per_unit``. ``columns``: the factor row's columns to return
    (``kg_co2e_per_unit`` first)."""
    rf = "yes" if radiative_forcing else "no"
    table = factors.table[factors.table["radiative_forcing"].isin(["", rf])]
    table = table.astype(object).assign(
        _kg=pd.to_numeric(table["kg_co2e_per_unit"], errors="coerce").astype("float64")
    )
    # A row with the requested RF wins over an RF-blank row of the same key.
    table = table.assign(_rank=(table["radiative_forcing"] != rf).astype(int)).sort_values(
        "_rank", kind="stable"
    )
    table["factor_row"] = [f"{factors.name} row {r}" for r in table["row"]]
    index: dict[tuple[str, ...], int] = {}
    for i, key in enumerate(
        zip(
            table["mode"],
            table["band"],
            table["cabin"],
            table["variant"],
            table["basis"],
            strict=True,
        )
    ):
        index.setdefault(key, i)
    # Combine per-column codes into one integer key (a MultiIndex of tuples is slow); a missing
    # value is the empty key "" (its own code, last).
    combined = np.zeros(len(lines), dtype=np.int64)
    levels = []
    for column in ("mode", "band", "cabin", "variant", "activity_unit"):
        col_codes, present = pd.factorize(lines[column], use_na_sentinel=True)
        col_uniques = np.array([*present, ""], dtype=object)
        col_codes = np.where(col_codes < 0, len(present), col_codes)
        combined = combined * (len(col_uniques) + 1) + col_codes
        levels.append((col_codes, col_uniques))
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    uniques = [tuple(str(u[c[i]]) for c, u in levels) for i in first]
    chosen = []
    for mode, band, cabin, variant, basis in uniques:
        found = None
        # A row with an empty band applies to every band (e.g. a user's single flight factor).
        fallbacks: tuple[tuple[str, str, str], ...] = (
            (band, cabin, variant), (band, "", variant), (band, "", ""),
            ("", cabin, variant), ("", "", variant), ("", "", ""),
        )  # fmt: skip
        for b, c, v in fallbacks:
            found = index.get((mode, b, c, v, basis))
            if found is not None:
                break
        chosen.append(-1 if found is None else found)
    position = np.asarray(chosen, dtype=int)[codes] if len(lines) else np.zeros(0, dtype=int)
    cols = list(columns)
    if not len(table):
        out = pd.DataFrame(columns=cols, index=range(len(lines)))
        out.index = lines.index
        out["kg_co2e_per_unit"] = pd.to_numeric(out["kg_co2e_per_unit"], errors="coerce").where(
            position >= 0
        )
        return out
    at = np.where(position < 0, 0, position)
    out = pd.DataFrame(
        {
            c: pd.Series(table[c].array.take(at), index=lines.index, dtype=table[c].dtype)
            for c in cols
            if c != "kg_co2e_per_unit"
        },
        index=lines.index,
    )
    # The factor as a float, looked up per distinct key and spread (not parsed per line).
    kg = np.where(position >= 0, table["_kg"].to_numpy()[at], np.nan)
    out.insert(0, "kg_co2e_per_unit", kg)
    return out


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
    frame, rejected = _prepare(trips.reset_index(drop=True))
    frame = frame.reset_index(drop=True)
    for col in ("origin_airport", "destination_airport", "band"):
        frame[col] = pd.Series(pd.NA, index=frame.index, dtype="object")
    frame["great_circle_km"] = np.nan
    # Object columns throughout: a scalar string would make an Arrow string column, and every
    # write-back and concat below would convert it to object and back (tens of ms each).
    frame["distance_basis"] = _constant(BASIS_GIVEN, frame.index)
    is_flight = frame["mode"].isin(("flight",))
    # Only the columns the flight step reads and writes: filtering every column costs more.
    flights, bad = _flight_distances(frame.loc[is_flight, _FLIGHT_READS], uplift, home_country)
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
    mode = frame["mode"]
    km = frame["distance_km"] * frame["legs"]
    has_km = frame["distance_km"].notna() & (frame["distance_km"] > 0)
    cost = (
        pd.to_numeric(frame["cost_sek"], errors="coerce")
        if "cost_sek" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    taxi_by_cost = mode.isin(("taxi",)) & ~has_km & cost.notna() & (cost > 0)
    needs_km = mode.isin(["rail", "bus", "car", "taxi"]) & ~has_km & ~taxi_by_cost
    rejected += _reject(
        frame,
        needs_km,
        "distance_km",
        _no_distance_reason,
    )
    nights = pd.to_numeric(frame["hotel_nights"], errors="coerce").astype("float64")
    bad_hotel = mode.isin(("hotel",)) & ~(nights > 0)
    rejected += _reject(
        frame, bad_hotel, "hotel_nights", "a hotel row needs a number of nights > 0"
    )
    frame = _drop(frame, needs_km | bad_hotel)
    taxi_by_cost, km, cost, nights = (
        taxi_by_cost[frame.index],
        km[frame.index],
        cost[frame.index],
        nights[frame.index],
    )
    mode = frame["mode"]
    per_person = mode.isin(["flight", "rail", "bus"])
    activity = np.select(
        [
            per_person,
            mode.isin(["car", "taxi"]) & ~taxi_by_cost,
            taxi_by_cost,
            mode.isin(("hotel",)),
        ],
        [km * frame["travellers"], km, cost, nights * frame["travellers"]],
        default=np.nan,
    )
    basis = np.select(
        [per_person, taxi_by_cost, mode.isin(("hotel",))], ["pkm", "SEK", "night"], default="vkm"
    )
    lines = frame.assign(
        component=_constant("travel", frame.index),
        activity=activity,
        activity_unit=pd.Series(basis, index=frame.index, dtype="object"),
    )
    lines["person_km"] = np.where(
        lines["activity_unit"].isin(("SEK",)), np.nan, km * frame["travellers"]
    )
    # Hotel nights carried on a travel row become a hotel line of their own, after the travel
    # lines: one take of every column (a filter, an assign and a concat copy each twice).
    extra = np.flatnonzero((~mode.isin(("hotel",)) & (nights > 0)).to_numpy())
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
    is_hotel = (lines["mode"].isin(("hotel",))).to_numpy()
    variant = lines["variant"].to_numpy(copy=True)
    variant[is_hotel] = place_countries(lines.loc[is_hotel, "destination"])
    lines["variant"] = pd.Series(variant, index=lines.index, dtype="object")
    for col in ("distance_km", "great_circle_km", "person_km"):
        lines[col] = lines[col].where(~is_hotel, np.nan)
    basis = lines["distance_basis"].to_numpy(copy=True)
    basis[is_hotel] = ""
    lines["distance_basis"] = pd.Series(basis, index=lines.index, dtype="object")
    return lines, rejected


def line_factors(
    lines: pd.DataFrame, factors: TravelFactorSet, *, radiative_forcing: bool = True
) -> pd.Series:
    """kg CO2e per unit of activity for each of :func:`activity_lines` under ``factors``
    (NaN where the set has no factor): the factor :func:`price_lines` multiplies by."""
    matched = _match(
        lines.assign(variant=hotel_variant(lines, factors)),
        factors,
        radiative_forcing,
        ("kg_co2e_per_unit",),
    )
    return matched["kg_co2e_per_unit"]


def price_lines(
    lines: pd.DataFrame, factors: TravelFactorSet, *, radiative_forcing: bool = True
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Price :func:`activity_lines` with one factor set: kg CO2e = activity × factor.

    Returns the emission lines (``LINE_COLUMNS``) and the lines the set has no factor for
    (rejected, in line order). ``lines`` is not modified.
    """
    rejected: list[RejectedRow] = []
    matched = _match(
        lines.assign(variant=hotel_variant(lines, factors)), factors, radiative_forcing
    )
    unmatched = matched["kg_co2e_per_unit"].isna()

    def what(r: pd.DataFrame) -> pd.Series:
        reason: pd.Series = (
            "the factor set '"
            + factors.name
            + "' has no factor for "
            + r["mode"]
            + np.where(r["band"] != "", " " + r["band"], "")
            + np.where(r["cabin"] != "", " " + r["cabin"], "")
            + " per "
            + r["activity_unit"]
        )
        return reason

    rejected += _reject(lines, unmatched, "mode", what)
    lines, matched = lines[~unmatched], matched[~unmatched]
    lines["kg_co2e_per_unit"] = matched["kg_co2e_per_unit"].astype("float64")
    lines["kg_co2e"] = lines["activity"].astype("float64") * lines["kg_co2e_per_unit"]
    lines["factor_id"] = matched["factor_id"]
    lines["factor_row"] = matched["factor_row"]
    lines["factor_source"] = matched["source"]
    lines["factor_note"] = matched["note"]
    lines["factor_variant"] = matched["variant"].fillna("").astype(object)
    lines["cost_sek"] = pd.to_numeric(lines["cost_sek"], errors="coerce").where(
        lines["component"].isin(("travel",))
    )
    for col in ("unit", "gender", "origin", "destination", "fuel", "traveller_id"):
        if col not in lines:
            lines[col] = pd.Series(pd.NA, index=lines.index, dtype="object")
    return lines[LINE_COLUMNS].reset_index(drop=True), rejected
