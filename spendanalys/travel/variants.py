"""Factor variants: what an emission line asks the factor set for beyond mode, band and cabin.

- a car line asks for its fuel (``vocab.FUEL_WORDS``: petrol, diesel, electric, ...), a blank or
  unknown fuel for the set's average car (the car row without a variant);
- a hotel line asks for its country (resolved from its place by ``places.py``); the set's row
  for that country prices it, else its region's row (``rest_of_eu``, ``rest_of_world``), else the
  default hotel row.

:func:`variant_notes` reports, with counts, every line priced by a more general row than it
asked for, so that no fallback is silent.
"""

from __future__ import annotations

import pandas as pd

from spendanalys.travel.factors import TravelFactorSet
from spendanalys.travel.places import REST_OF_EU, REST_OF_WORLD, country_region
from spendanalys.travel.vocab import FUEL_WORDS, map_column


def car_fuel(frame: pd.DataFrame) -> pd.Series:
    """A car line's factor variant: its fuel code (``FUEL_WORDS``), else "" (the average car).
    Other modes get ""."""
    variant = pd.Series("", index=frame.index, dtype="object")
    car = frame["mode"].isin(("car",))
    if "fuel" in frame and car.any():
        codes = map_column(frame.loc[car, "fuel"].astype(object), FUEL_WORDS)
        variant[car] = codes.where(codes.notna() & (codes != "?"), "").to_numpy()
    return variant


def _count_phrase(values: pd.Series, limit: int = 5) -> str:
    """The most common written values with their counts: "'X' ×3, 'Y'"."""
    counts = values.astype(str).value_counts()
    shown = [f"'{v}'" + (f" ×{n}" if n > 1 else "") for v, n in counts.head(limit).items()]
    more = f" and {len(counts) - limit} more" if len(counts) > limit else ""
    return ", ".join(shown) + more


def variant_notes(lines: pd.DataFrame, factor_set: str) -> list[str]:
    """Notes on lines priced by a more general row than they asked for: a car fuel not known or
    without a row in the set; a hotel place not resolved to a country, a hotel without a place,
    a country without a hotel row (priced by its region's row or the default). Each note gives
    the count and the values."""
    notes: list[str] = []
    # Only the columns read: filtering every line column costs more than the notes.
    mode = lines["mode"]
    car = lines.loc[
        mode.isin(("car",)) & lines["component"].isin(("travel",)),
        ["fuel", "variant", "factor_variant"],
    ]
    written = car["fuel"].astype("string").str.strip()
    unknown = car[written.notna() & (written != "") & (car["variant"] == "")]
    if len(unknown):
        notes.append(
            f"{len(unknown)} car row(s) with a fuel not known ({_count_phrase(unknown['fuel'])}): "
            "priced as the average car (the factor set's car row without a fuel)"
        )
    missing = car[(car["variant"] != "") & (car["factor_variant"] == "")]
    if len(missing):
        notes.append(
            f"{len(missing)} car row(s) with a fuel the factor set {factor_set} has no row for "
            f"({_count_phrase(missing['variant'])}): priced as its average car"
        )
    hotel = lines.loc[mode.isin(("hotel",)), ["destination", "variant", "factor_variant"]]
    place = hotel["destination"].astype("string").str.strip()
    unknown_place = hotel[place.notna() & (place != "") & (hotel["variant"] == "")]
    if len(unknown_place):
        notes.append(
            f"{len(unknown_place)} hotel line(s) whose place could not be resolved to a country "
            f"({_count_phrase(unknown_place['destination'])}): priced with the factor set's "
            "default hotel row"
        )
    no_place = hotel[place.isna() | (place == "")]
    if len(no_place):
        notes.append(
            f"{len(no_place)} hotel line(s) without a place: priced with the factor set's "
            "default hotel row"
        )
    fallback = hotel[(hotel["variant"] != "") & (hotel["factor_variant"] != hotel["variant"])]
    for used, group in fallback.groupby("factor_variant", sort=False):
        what = {REST_OF_EU: "its rest-of-the-EU row", REST_OF_WORLD: "its rest-of-the-world row"}
        notes.append(
            f"{len(group)} hotel line(s) in countries without a hotel row of their own in "
            f"{factor_set} ({_count_phrase(group['variant'])}): priced with "
            f"{what.get(str(used), 'its default hotel row')}"
        )
    return notes


def hotel_variant(lines: pd.DataFrame, factors: TravelFactorSet) -> pd.Series:
    """The variant a line is priced by: a hotel's country when the set has a row for it, else
    its region's row (``rest_of_eu`` or ``rest_of_world``) when the set has one, else "" (the
    set's default hotel row). Other lines: their own variant."""
    hotel = (lines["mode"].isin(("hotel",))).to_numpy()
    if not hotel.any():
        return lines["variant"]
    rows = set(factors.table.loc[factors.table["mode"].isin(("hotel",)), "variant"])
    countries = pd.unique(lines.loc[hotel, "variant"])
    choice: dict[str, str] = {}
    for country in countries:
        region = country_region(str(country)) if country else ""
        choice[country] = country if country in rows else region if region in rows else ""
    out = lines["variant"].to_numpy(copy=True)
    out[hotel] = [choice[c] for c in lines["variant"].to_numpy()[hotel]]
    return pd.Series(out, index=lines.index, dtype="object")
