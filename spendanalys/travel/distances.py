"""Flight distances from IATA codes: airport coordinates, city codes, great circles, haul bands.

Coordinates come from the ``airportsdata`` package (MIT; airport reference points in decimal
degrees). Travel-agency exports often carry IATA *city* codes (STO, LON, NYC); those map to one
airport through ``spendanalys/data/city_airports.csv``, a small table whose header explains the
rule. A code that is neither an airport nor a listed city is reported back, never guessed.

Everything here works on unique codes and unique pairs, then spreads the result: 100,000 trips
usually hold a few hundred distinct routes.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import compute as pa_compute
from pyarrow import csv as pa_csv

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
SHORT_HAUL_MAX_KM = 3700.0  # DESNZ: short haul up to 3,700 km great-circle distance
CITY_AIRPORTS_PATH = Path(__file__).with_name("data") / "city_airports.csv"
CODE_CHANGES_PATH = Path(__file__).with_name("data") / "airport_code_changes.csv"
# Excel's text prefix ('FRA), quotes and spaces around a code are not part of it.
_CODE_JUNK = " \t'\"`´’‘"


def _airportsdata_file(name: str) -> Path:
    """A data file shipped inside the ``airportsdata`` package (``airports.csv``, ``iata_macs.csv``)."""
    spec = importlib.util.find_spec("airportsdata")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the airportsdata package is not installed")
    return Path(spec.origin).with_name(name)


@lru_cache(maxsize=1)
def airport_table() -> pd.DataFrame:
    """Every IATA airport in ``airportsdata``: index ``code``, columns lat, lon, country, name,
    city.

    Reads the package's own ``airports.csv`` with Arrow's CSV reader, only the columns needed
    (``airportsdata.load`` builds a dict per row with the csv module: ~4× the CPU). Same
    content as ``airportsdata.load("IATA")``: rows without an IATA code dropped, and where a
    code repeats the last row wins. Text is read verbatim (no NA guessing: "NA" is Namibia).
    """
    text = pa.string()
    columns = {
        "iata": text,
        "lat": pa.float64(),
        "lon": pa.float64(),
        "country": text,
        "name": text,
        "city": text,
    }
    table = pa_csv.read_csv(
        _airportsdata_file("airports.csv"),
        read_options=pa_csv.ReadOptions(use_threads=False),
        convert_options=pa_csv.ConvertOptions(
            include_columns=list(columns),
            column_types=columns,
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    # Rows without an IATA code dropped in Arrow, before any text becomes a Python object.
    table = table.filter(pa_compute.not_equal(table.column("iata"), ""))

    def texts(name: str) -> pd.Series:
        return pd.Series(table.column(name).to_numpy(zero_copy_only=False), dtype=object)

    frame = pd.DataFrame(
        {
            "code": texts("iata"),
            "lat": table.column("lat").to_numpy(),
            "lon": table.column("lon").to_numpy(),
            "country": texts("country"),
            "name": texts("name"),
            "city": texts("city"),
        }
    )
    frame = frame.drop_duplicates("code", keep="last")
    frame.index = pd.Index(frame.pop("code").to_numpy(), dtype="str", name="code")
    return frame


@lru_cache(maxsize=4)
def city_airports(path: Path = CITY_AIRPORTS_PATH) -> dict[str, str]:
    """City code -> the airport that stands for it (see the data file's header)."""
    table = pd.read_csv(path, comment="#", dtype=str)
    return {
        str(c).strip().upper(): str(a).strip().upper()
        for c, a in zip(table["city_code"], table["airport"], strict=True)
    }


@lru_cache(maxsize=1)
def metro_of_airport() -> dict[str, str]:
    """Airport -> its metropolitan-area code (BMA -> STO, LGW -> LON), for grouping routes.

    Built from airportsdata's IATA multi-airport-city list (its ``iata_macs.csv``, read
    directly: ``airportsdata.load_iata_macs`` parses the whole airport file again) plus the
    city table. An airport listed under two cities keeps the first.
    """
    macs = pd.read_csv(
        _airportsdata_file("iata_macs.csv"),
        usecols=["City Code", "Airport Code"],
        dtype=str,
        keep_default_na=False,
        na_filter=False,
    )
    metro: dict[str, str] = {}
    for city, airport in zip(macs["City Code"], macs["Airport Code"], strict=True):
        metro.setdefault(str(airport), str(city))
    for city, airport in city_airports().items():
        metro.setdefault(airport, city)
    return metro


@lru_cache(maxsize=4)
def code_changes(path: Path = CODE_CHANGES_PATH) -> dict[str, str]:
    """Retired IATA code -> the code its airport's traffic runs under now (see the file's header)."""
    table = pd.read_csv(path, comment="#", dtype=str)
    return {
        str(o).strip().upper(): str(n).strip().upper()
        for o, n in zip(table["old_code"], table["new_code"], strict=True)
    }


def clean_code(text: object) -> str:
    """A written code as looked up: Excel's leading apostrophe, quotes and spaces removed,
    upper case ("'fra " -> "FRA")."""
    return str(text).strip(_CODE_JUNK).upper()


@lru_cache(maxsize=4096)
def airport_of(code: str) -> tuple[str, str] | None:
    """(airport, country) of one written code as :func:`resolve_codes` resolves it, or None."""
    cleaned = clean_code(code)
    airports = airport_table()
    changes = code_changes()
    if cleaned not in airports.index and cleaned in changes:
        cleaned = changes[cleaned]
    cleaned = city_airports().get(cleaned, cleaned)
    if cleaned not in airports.index:
        return None
    return cleaned, str(airports.at[cleaned, "country"])


def resolve_codes(codes: pd.Series) -> pd.DataFrame:
    """Map written codes to airports, on unique values.

    Returns a frame aligned with ``codes``: ``airport`` (IATA airport code or <NA> when the code
    is unknown), ``lat``, ``lon``, ``country`` and ``renamed_from`` (the retired code as cleaned,
    when ``data/airport_code_changes.csv`` moved it to a newer one, else ""). A code is cleaned
    first (:func:`clean_code`); a listed city code wins over an airport of the same letters only
    when the table says so (most such rows map a code to itself).
    """
    position, unique = pd.factorize(codes, use_na_sentinel=True)
    cities, changes = city_airports(), code_changes()
    airports = airport_table()
    cleaned = [clean_code(u) for u in unique]
    renamed = [c if c not in airports.index and c in changes else "" for c in cleaned]
    mapped = [changes[c] if r else c for c, r in zip(cleaned, renamed, strict=True)]
    mapped = [cities.get(c, c) for c in mapped]
    at = airports.index.get_indexer(pd.Index([*mapped, ""], dtype=object))
    found = at >= 0
    pick = np.where(position < 0, len(at) - 1, position)
    rows = at[pick]
    hit = found[pick]
    lat = np.where(hit, airports["lat"].to_numpy()[rows], np.nan)
    lon = np.where(hit, airports["lon"].to_numpy()[rows], np.nan)
    country = np.where(hit, airports["country"].to_numpy()[rows], np.nan).astype(object)
    country[~hit] = np.nan
    names = np.array([*mapped, ""], dtype=object)[pick]
    airport = names.copy()
    airport[~hit] = None
    renamed_from = np.array([*renamed, ""], dtype=object)[pick]
    renamed_from[~hit] = ""
    index = codes.index
    return pd.DataFrame(
        {
            "airport": pd.Series(airport, index=index, dtype=object),
            "lat": pd.Series(lat, index=index, dtype="float64"),
            "lon": pd.Series(lon, index=index, dtype="float64"),
            "country": pd.Series(country, index=index, dtype=object),
            "renamed_from": pd.Series(renamed_from, index=index, dtype=object),
        },
        index=index,
    )


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between points given in decimal degrees.

    d = 2 R asin(√(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2))), R = 6371.0088 km.
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    km: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return km


def great_circle_km(origin: str, destination: str) -> float:
    """Great-circle km between two IATA airport or city codes (KeyError when unknown)."""
    pair = resolve_codes(pd.Series([origin, destination]))
    if pair["airport"].isna().any():
        unknown = [
            c for c, a in zip([origin, destination], pair["airport"], strict=True) if pd.isna(a)
        ]
        raise KeyError(f"unknown airport code(s): {', '.join(unknown)}")
    return float(
        haversine_km(
            pair["lat"].to_numpy()[:1],
            pair["lon"].to_numpy()[:1],
            pair["lat"].to_numpy()[1:],
            pair["lon"].to_numpy()[1:],
        )[0]
    )


def pair_distances(origin_airport: pd.Series, destination_airport: pd.Series) -> pd.Series:
    """Great-circle km per row (NaN where an airport is missing).

    Each side is factorized once; coordinates are looked up and the formula evaluated once per
    distinct pair, then spread (elementwise the same numbers as per row)."""
    sides = []
    for airports in (origin_airport, destination_airport):
        codes, unique = pd.factorize(airports.to_numpy(dtype=object), use_na_sentinel=True)
        sides += [codes, np.asarray(unique, dtype=object)]
    return pd.Series(
        coded_pair_distances(*sides), index=origin_airport.index, name="great_circle_km"
    )


def coded_pair_distances(
    o_codes: np.ndarray, o_airports: np.ndarray, d_codes: np.ndarray, d_airports: np.ndarray
) -> np.ndarray:
    """:func:`pair_distances` of factorized airports (``airports[codes]``; code -1 or a None
    airport = missing): km per row, NaN where either side is missing."""
    o_ok = np.array([a is not None for a in o_airports] + [False])[o_codes]
    d_ok = np.array([a is not None for a in d_airports] + [False])[d_codes]
    valid = o_ok & d_ok
    km = np.full(len(o_codes), np.nan)
    if valid.any():
        pair = o_codes[valid].astype(np.int64) * len(d_airports) + d_codes[valid]
        pairs, inverse = np.unique(pair, return_inverse=True)
        table = airport_table()
        o = table.loc[o_airports[pairs // len(d_airports)]]
        d = table.loc[d_airports[pairs % len(d_airports)]]
        per_pair = haversine_km(
            o["lat"].to_numpy(), o["lon"].to_numpy(), d["lat"].to_numpy(), d["lon"].to_numpy()
        )
        km[valid] = per_pair[inverse.reshape(-1)]
    return km


def flight_band(
    great_circle_km: pd.Series,
    origin_country: pd.Series,
    destination_country: pd.Series,
    home_country: str,
) -> pd.Series:
    """DESIGN.md §3 band: ``domestic`` when both airports are in ``home_country``; else ``short``
    up to 3,700 km great-circle distance; else ``long``. Unknown countries band by distance."""
    home = home_country.strip().upper()
    domestic = (origin_country == home) & (destination_country == home)
    band = np.where(great_circle_km <= SHORT_HAUL_MAX_KM, "short", "long")
    band = np.where(domestic.fillna(False).to_numpy(dtype=bool), "domestic", band)
    return pd.Series(band, index=great_circle_km.index, dtype="object")
