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

from collections.abc import Iterable

import numpy as np
import pandas as pd

from spendanalys.travel.factors import TravelFactorSet
from spendanalys.travel.places import REST_OF_EU, REST_OF_WORLD, country_region
from spendanalys.travel.rows import LineCodes, line_codes
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


def variant_notes(
    lines: pd.DataFrame, factor_set: str, codes: LineCodes | None = None
) -> list[str]:
    """Notes on lines priced by a more general row than they asked for: a car fuel not known or
    without a row in the set; a hotel place not resolved to a country, a hotel without a place,
    a country without a hotel row (priced by its region's row or the default). Each note gives
    the count and the values. ``codes``: the lines' :class:`LineCodes`, when the caller has
    them."""
    notes: list[str] = []
    codes = line_codes(lines, codes)
    # Only the columns read: filtering every line column costs more than the notes.
    car = lines.loc[codes.mode.mask("car") & codes.travel(), ["fuel", "variant", "factor_variant"]]
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
    hotel = lines.loc[codes.mode.mask("hotel"), ["destination", "variant", "factor_variant"]]
    # Whether a place is written, once per distinct place.
    places, written_places = pd.factorize(hotel["destination"], use_na_sentinel=True)
    has_place = np.array([bool(str(p).strip()) for p in written_places] + [False])[places]
    unknown_place = hotel[has_place & (hotel["variant"] == "").to_numpy()]
    if len(unknown_place):
        notes.append(
            f"{len(unknown_place)} hotel line(s) whose place could not be resolved to a country "
            f"({_count_phrase(unknown_place['destination'])}): priced with the factor set's "
            "default hotel row"
        )
    no_place = hotel[~has_place]
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


def hotel_choices(countries: Iterable[object], factors: TravelFactorSet) -> dict[object, str]:
    """Each hotel country -> the variant the set prices it by: the country when the set has a
    row for it, else its region's row (``rest_of_eu`` or ``rest_of_world``) when the set has
    one, else "" (the set's default hotel row)."""
    rows = set(factors.table.loc[factors.table["mode"].isin(("hotel",)), "variant"])
    choice: dict[object, str] = {}
    for country in countries:
        region = country_region(str(country)) if country else ""
        choice[country] = country if country in rows else region if region in rows else ""  # type: ignore[assignment]
    return choice


def hotel_variant(lines: pd.DataFrame, factors: TravelFactorSet) -> pd.Series:
    """The variant a line is priced by: a hotel's country when the set has a row for it, else
    its region's row (``rest_of_eu`` or ``rest_of_world``) when the set has one, else "" (the
    set's default hotel row). Other lines: their own variant."""
    hotel = (lines["mode"].isin(("hotel",))).to_numpy()
    if not hotel.any():
        return lines["variant"]
    codes, countries = pd.factorize(lines.loc[hotel, "variant"], use_na_sentinel=False)
    choice = hotel_choices(countries, factors)
    out = lines["variant"].to_numpy(copy=True)
    out[hotel] = np.array([choice[c] for c in countries], dtype=object)[codes]
    return pd.Series(out, index=lines.index, dtype="object")
