"""Deterministic generators of the travel inputs: a trips export and FTE per year.

Trips are written as the travel agency's export (UTF-8, ``;``, decimal comma), with Swedish
vocabulary (Flyg, Tåg, Bil, Taxi, Buss, Hyrbil; Ekonomi, Business; Ja/Nej) that the travel engine
maps. Flights carry IATA codes and no distance (the engine computes great-circle distances);
ground trips carry their distance in km.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from benchmarks.generate import TRIP_HEADERS, format_iso_dates, format_swedish_amount

TRIP_YEARS = (2019, 2022, 2023, 2024)
DOMESTIC_AIRPORTS = ("GOT", "MMX", "LLA", "UME", "OSD", "VBY", "KRN", "SDL")
FOREIGN_AIRPORTS = (
    "CPH",
    "OSL",
    "HEL",
    "BRU",
    "FRA",
    "LHR",
    "CDG",
    "AMS",
    "MUC",
    "VIE",
    "JFK",
    "SIN",
)
PLACES = (
    ("Göteborg", 470),
    ("Malmö", 610),
    ("Uppsala", 70),
    ("Västerås", 110),
    ("Örebro", 200),
    ("Linköping", 200),
    ("Norrköping", 160),
    ("Gävle", 180),
    ("Sundsvall", 390),
    ("Karlstad", 300),
)
UNITS = (
    "Analysavdelningen",
    "IT-avdelningen",
    "Ledningsstaben",
    "Kommunikationsenheten",
    "HR-enheten",
    "Tillsynsavdelningen",
)
MODES = ("Flyg", "Tåg", "Bil", "Taxi", "Buss", "Hyrbil")
MODE_SHARES = (0.30, 0.45, 0.09, 0.08, 0.05, 0.03)
FTE_BY_YEAR = {2019: 412.5, 2020: 418.0, 2021: 425.25, 2022: 431.0, 2023: 440.75, 2024: 452.0}


def _decimal_comma(values: np.ndarray, decimals: int) -> np.ndarray:
    return np.char.replace(np.char.mod(f"%.{decimals}f", values), ".", ",").astype(object)


def write_trips_csv(n_trips: int, path: Path, *, seed: int = 23) -> Path:
    """``n_trips`` trips spread over 2019 and 2022–2024 (the baseline and recent years)."""
    rng = np.random.default_rng(seed)
    mode_idx = rng.choice(len(MODES), n_trips, p=MODE_SHARES)
    mode = np.array(MODES, dtype=object)[mode_idx]
    flight = mode_idx == 0
    year = np.array(TRIP_YEARS)[rng.integers(0, len(TRIP_YEARS), n_trips)]
    first = dt.date(TRIP_YEARS[0], 1, 1)
    day = np.array([(dt.date(int(y), 1, 1) - first).days for y in TRIP_YEARS])
    offset = day[np.searchsorted(TRIP_YEARS, year)] + rng.integers(0, 365, n_trips)
    airports = np.array(DOMESTIC_AIRPORTS + FOREIGN_AIRPORTS, dtype=object)
    abroad = rng.random(n_trips) < 0.45
    dest_air = np.where(
        abroad,
        airports[len(DOMESTIC_AIRPORTS) + rng.integers(0, len(FOREIGN_AIRPORTS), n_trips)],
        airports[rng.integers(0, len(DOMESTIC_AIRPORTS), n_trips)],
    )
    place_names = np.array([p[0] for p in PLACES], dtype=object)
    place_km = np.array([p[1] for p in PLACES], dtype=float)
    place = rng.integers(0, len(PLACES), n_trips)
    local = np.isin(mode_idx, (3,))  # taxi: short local rides
    km = np.where(
        local, rng.uniform(3, 40, n_trips), place_km[place] * rng.uniform(0.95, 1.1, n_trips)
    )
    origin = np.where(flight, "ARN", "Stockholm").astype(object)
    destination = np.where(
        flight, dest_air, np.where(local, "Stockholm", place_names[place])
    ).astype(object)
    distance = np.where(flight, "", _decimal_comma(km, 1)).astype(object)
    travellers = rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3], n_trips).astype(str).astype(object)
    cabin_draw = rng.choice(3, n_trips, p=[0.9, 0.08, 0.02])
    cabin = np.where(
        flight, np.array(["Ekonomi", "Business", "Premium"], dtype=object)[cabin_draw], ""
    )
    round_trip = np.where(rng.random(n_trips) < 0.8, "Ja", "Nej").astype(object)
    unit = np.array(UNITS, dtype=object)[rng.integers(0, len(UNITS), n_trips)]
    gender = np.array(["Kvinna", "Man", ""], dtype=object)[
        rng.choice(3, n_trips, p=[0.5, 0.45, 0.05])
    ]
    cost = format_swedish_amount(np.round(rng.lognormal(7.5, 0.8, n_trips) * 100).astype(np.int64))
    nights = rng.choice([0, 0, 0, 1, 1, 2, 3], n_trips).astype(str).astype(object)
    columns = [
        format_iso_dates(offset, first),
        mode,
        origin,
        destination,
        distance,
        travellers,
        cabin.astype(object),
        round_trip,
        unit,
        gender,
        cost,
        nights,
    ]
    rows = columns[0]
    for col in columns[1:]:
        rows = rows + ";" + col
    text = ";".join(TRIP_HEADERS) + "\n" + "\n".join(rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def write_fte_csv(path: Path) -> Path:
    """Årsarbetskrafter per year, 2019–2024, with a decimal comma."""
    lines = ["År;Årsarbetskrafter"] + [
        f"{year};{str(fte).replace('.', ',')}" for year, fte in FTE_BY_YEAR.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
