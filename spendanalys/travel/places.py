"""Places written as names: which country a city, an airport or a country name lies in.

A hotel row names where the night was spent ("Köpenhamn", "Bryssel", "FRA", "DE"); its factor
depends on the country. :func:`resolve_places` tries, for each distinct written value:

1. the place table ``data/places.csv`` (Swedish, English and local city names);
2. an IATA airport or city code (``airportsdata`` and ``data/city_airports.csv``);
3. a two-letter (ISO) country code, then a country name (``data/countries.csv``);
4. a city of ``airportsdata`` that lies in exactly one country (a name that is a city in
   several countries, such as Paris or London, is only taken from the place table).

What none of them knows is left unresolved and reported by the caller with its count, never
guessed. Names fold like headers: Unicode NFKD, diacritics dropped, case folded, everything that
is not a letter or digit removed ("Göteborg" = "GOTEBORG" = "göte-borg").
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from spendanalys.travel.distances import airport_of, airport_table

DATA_DIR = Path(__file__).with_name("data")
PLACES_PATH = DATA_DIR / "places.csv"
COUNTRIES_PATH = DATA_DIR / "countries.csv"
REST_OF_EU = "rest_of_eu"
REST_OF_WORLD = "rest_of_world"


def fold(text: str) -> str:
    """A name as compared: NFKD, diacritics dropped, case folded, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def _table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def place_table() -> dict[str, tuple[str, str]]:
    """Folded place name -> (country, IATA code or "") from ``data/places.csv``."""
    table = _table(PLACES_PATH)
    return {
        fold(p): (c.strip().upper(), code.strip().upper())
        for p, c, code in zip(table["place"], table["country"], table["code"], strict=True)
    }


@lru_cache(maxsize=1)
def country_table() -> pd.DataFrame:
    """``data/countries.csv`` indexed by ISO code: name_sv, name_en, eu (bool)."""
    table = _table(COUNTRIES_PATH)
    table["code"] = table["code"].str.strip().str.upper()
    table["eu"] = table["eu"].str.strip().str.lower() == "yes"
    return table.set_index("code")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    table = country_table()
    names: dict[str, str] = {}
    for code, sv, en in zip(table.index, table["name_sv"], table["name_en"], strict=True):
        names.setdefault(fold(sv), str(code))
        names.setdefault(fold(en), str(code))
    return names


@lru_cache(maxsize=1)
def airport_city_countries() -> dict[str, str]:
    """Folded city of an IATA airport -> its country, for cities that lie in one country only."""
    airports = airport_table()
    cities = pd.DataFrame(
        {"city": [fold(str(c)) for c in airports["city"]], "country": airports["country"]}
    )
    cities = cities[cities["city"] != ""].drop_duplicates()
    single = cities.groupby("city")["country"].nunique() == 1
    chosen = cities[cities["city"].map(single)]
    return dict(zip(chosen["city"], chosen["country"], strict=True))


def _resolve_one(text: str, codes: dict[str, tuple[str, str]]) -> tuple[str, str, str]:
    """(country, IATA code, how) for one written value; ("", "", "") when unknown."""
    key = fold(text)
    if not key:
        return "", "", ""
    if key in codes:
        country, code = codes[key]
        return country, code, "place table"
    upper = text.strip().upper()
    if len(upper) == 3 and upper.isalpha():
        found = airport_of(upper)
        if found is not None:
            return found[1], upper, "IATA code"
    if len(upper) == 2 and upper.isascii() and upper.isalpha():
        return upper, "", "country code"
    if key in _country_names():
        return _country_names()[key], "", "country name"
    if key in airport_city_countries():
        return airport_city_countries()[key], "", "airportsdata city"
    # "Malmö, Sverige" / "Paris (FR)": the first part alone
    for sep in (",", "(", "/"):
        if sep in text:
            head = text.split(sep, 1)[0]
            if head.strip() and head != text:
                return _resolve_one(head, codes)
    return "", "", ""


def _resolved(written: pd.Series) -> np.ndarray:
    """(country, code, resolved_by) per row of ``written`` as an object array of 3 columns,
    resolved once per distinct value."""
    position, unique = pd.factorize(written, use_na_sentinel=True)
    codes = place_table()
    resolved = [_resolve_one(str(u), codes) for u in unique] + [("", "", "")]
    table = np.array(resolved, dtype=object).reshape(-1, 3)
    at = np.where(position < 0, len(resolved) - 1, position)
    out: np.ndarray = table[at]
    return out


def resolve_places(written: pd.Series) -> pd.DataFrame:
    """Aligned with ``written``: ``country`` (ISO code or ""), ``code`` (the IATA city or
    airport code standing for the place, or "") and ``resolved_by`` ("place table", "IATA
    code", "country code", "country name", "airportsdata city" or "" when unknown). Once per
    distinct value."""
    table = _resolved(written)
    return pd.DataFrame(
        {"country": table[:, 0], "code": table[:, 1], "resolved_by": table[:, 2]},
        index=written.index,
    )


def place_countries(written: pd.Series) -> np.ndarray:
    """``resolve_places(written)["country"]`` as an object array, without the frame (whose
    text columns would be converted to Arrow strings and back)."""
    out: np.ndarray = _resolved(written)[:, 0]
    return out


def country_region(country: str) -> str:
    """``rest_of_eu`` for an EU member state (``data/countries.csv``), else ``rest_of_world``."""
    table = country_table()
    return REST_OF_EU if country in table.index and bool(table.at[country, "eu"]) else REST_OF_WORLD


def place_airports(places: pd.Series) -> np.ndarray:
    """The airport standing for each written place (its IATA code resolved), or None; once
    per distinct place."""
    codes, unique = pd.factorize(places, use_na_sentinel=True)
    found = resolve_places(pd.Series(unique, dtype=object))["code"]
    airports = [None if not code else (airport_of(code) or (None,))[0] for code in found]
    table: np.ndarray = np.array([*airports, None], dtype=object)
    return table[codes]
