"""Business travel for 2019 and 2022-2024, and FTE (årsarbetskrafter) for 2019-2024.

One row per booked journey; a hotel stay is its own row (Färdsätt "Hotell", the city in Till,
Hotellnätter = room nights for the whole party, Antal resenärer 1). Distances are one way;
"Tur och retur" = Ja means the journey was made both ways.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from _common import swedish_number

HEADER = (
    "Resedatum", "Färdsätt", "Från", "Till", "Avstånd (km)", "Antal resenärer", "Klass",
    "Tur och retur", "Enhet", "Kön", "Kostnad (kr)", "Hotellnätter",
)  # fmt: skip

# IATA code -> (latitude, longitude, Swedish city name); coordinates of the airports.
AIRPORTS: dict[str, tuple[float, float, str]] = {
    "ARN": (59.652, 17.919, "Stockholm"), "GOT": (57.663, 12.280, "Göteborg"),
    "MMX": (55.536, 13.376, "Malmö"), "LLA": (65.544, 22.122, "Luleå"),
    "UME": (63.792, 20.283, "Umeå"), "OSD": (63.194, 14.500, "Östersund"),
    "VBY": (57.663, 18.346, "Visby"), "KRN": (67.822, 20.337, "Kiruna"),
    "CPH": (55.618, 12.656, "Köpenhamn"), "OSL": (60.194, 11.100, "Oslo"),
    "HEL": (60.317, 24.963, "Helsingfors"), "BRU": (50.901, 4.484, "Bryssel"),
    "FRA": (50.026, 8.543, "Frankfurt"), "AMS": (52.309, 4.764, "Amsterdam"),
    "LHR": (51.471, -0.462, "London"), "CDG": (49.013, 2.550, "Paris"),
    "GVA": (46.238, 6.109, "Genève"), "JFK": (40.640, -73.779, "New York"),
    "IAD": (38.947, -77.460, "Washington"), "NBO": (-1.319, 36.928, "Nairobi"),
    "BKK": (13.681, 100.747, "Bangkok"),
}  # fmt: skip
METRO_CODES = {"ARN": "STO", "LHR": "LON", "CDG": "PAR"}  # as some travel agencies write them

# (unit, share of trips, home airport)
UNITS = (
    ("Analysavdelningen", 0.22, "ARN"), ("IT-avdelningen", 0.16, "ARN"),
    ("Administrativa avdelningen", 0.14, "ARN"), ("Tillsynsavdelningen", 0.22, "ARN"),
    ("Regionkontor Norr", 0.13, "UME"), ("Regionkontor Syd", 0.13, "MMX"),
)  # fmt: skip
DOMESTIC = {
    "ARN": {
        "GOT": 0.32,
        "MMX": 0.26,
        "UME": 0.1,
        "LLA": 0.1,
        "OSD": 0.08,
        "VBY": 0.08,
        "KRN": 0.06,
    },
    "UME": {"ARN": 0.85, "GOT": 0.1, "MMX": 0.05},
    "MMX": {"ARN": 0.9, "UME": 0.05, "LLA": 0.05},
}
EUROPE = {"CPH": .1, "OSL": .1, "HEL": .1, "BRU": .22, "FRA": .1, "AMS": .1, "LHR": .1, "CDG": .1, "GVA": .08}  # fmt: skip
LONG_HAUL = {"JFK": 0.3, "IAD": 0.25, "NBO": 0.25, "BKK": 0.2}
# Rail routes from each home city (destination, one-way km along the line, approximate).
RAIL = {
    "ARN": (("Göteborg", 455), ("Malmö", 615), ("Uppsala", 70), ("Linköping", 200),
            ("Norrköping", 160), ("Sundsvall", 390), ("Umeå", 710), ("Karlstad", 330),
            ("Örebro", 200), ("Gävle", 180), ("Oslo", 570), ("Östersund", 570)),
    "UME": (("Stockholm", 710), ("Sundsvall", 250), ("Örnsköldsvik", 110)),
    "MMX": (("Stockholm", 615), ("Göteborg", 275), ("Köpenhamn", 45), ("Kalmar", 290),
            ("Växjö", 200), ("Lund", 18)),
}  # fmt: skip
HOME_CITY = {"ARN": "Stockholm", "UME": "Umeå", "MMX": "Malmö"}
# Road destinations from each home city (place, one-way km by road, approximate).
ROAD = {
    "ARN": (("Uppsala", 70), ("Västerås", 110), ("Eskilstuna", 115), ("Nyköping", 105),
            ("Norrtälje", 70), ("Södertälje", 35), ("Enköping", 80)),
    "UME": (("Skellefteå", 135), ("Lycksele", 125), ("Örnsköldsvik", 110), ("Vindeln", 60),
            ("Piteå", 215)),
    "MMX": (("Helsingborg", 65), ("Kristianstad", 100), ("Ystad", 60), ("Trelleborg", 35),
            ("Landskrona", 40)),
}  # fmt: skip

MODES = ("Flyg", "Tåg", "Taxi", "Bil", "Hyrbil", "Buss")
# year -> journeys, mode shares (MODES order), flight band shares (domestic, Europe, long haul),
# share of business class on long-haul flights. 2020-2021 (pandemic) are left out on purpose.
YEARS = {
    2019: (1450, (0.44, 0.28, 0.12, 0.07, 0.03, 0.06), (0.58, 0.35, 0.07), 0.30),
    2022: (1000, (0.40, 0.36, 0.11, 0.06, 0.03, 0.04), (0.54, 0.37, 0.09), 0.22),
    2023: (1250, (0.41, 0.33, 0.12, 0.06, 0.03, 0.05), (0.54, 0.38, 0.08), 0.25),
    2024: (1400, (0.41, 0.34, 0.12, 0.06, 0.03, 0.04), (0.52, 0.40, 0.08), 0.22),
}
FTE = {2019: 1412.5, 2020: 1436.0, 2021: 1458.2, 2022: 1477.8, 2023: 1496.4, 2024: 1521.3}
ROUND_TRIP = {"Flyg": 0.88, "Tåg": 0.75, "Taxi": 0.1, "Bil": 0.92, "Hyrbil": 0.9, "Buss": 0.5}


def great_circle_km(a: str, b: str) -> float:
    """Haversine distance between two airports (mean Earth radius 6371 km)."""
    (la1, lo1, _), (la2, lo2, _) = AIRPORTS[a], AIRPORTS[b]
    p1, p2, dp, dl = map(math.radians, (la1, la2, la2 - la1, lo2 - lo1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _pick(rng: np.random.Generator, table: dict[str, float]) -> str:
    keys = list(table)
    weights = np.array(list(table.values()))
    return keys[int(rng.choice(len(keys), p=weights / weights.sum()))]


def _dates(rng: np.random.Generator, year: int, n: int) -> list[pd.Timestamp]:
    """Travel days: mostly weekdays, few in July and over Christmas."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31")
    w = np.where(days.dayofweek >= 5, 0.08, 1.0)
    w = (
        w
        * np.where(days.month == 7, 0.25, 1.0)
        * np.where((days.dayofyear > 354) | (days.dayofyear == 1), 0.2, 1)
    )
    return sorted(days[rng.choice(len(days), n, p=w / w.sum())])


def _exact(rng: np.random.Generator, labels: list, shares: list[float], n: int) -> list:
    """``n`` labels in exactly the given shares (largest remainder), in random order.

    Exact counts keep the year-on-year trend from drowning in the noise of a few long-haul trips.
    """
    raw = np.array(shares) / sum(shares) * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(counts - raw)[: n - counts.sum()]] += 1
    return [labels[i] for i in rng.permutation(np.repeat(np.arange(len(labels)), counts))]


def _journey(rng: np.random.Generator, kind: tuple[str, int, bool], home: str) -> dict:
    """One journey's route, distance, class and cost (SEK) for one traveller."""
    mode, band, business = kind
    if mode == "Flyg":
        origin = "CPH" if home == "MMX" and band > 0 else home
        table = (DOMESTIC[home], EUROPE, LONG_HAUL)[band]
        dest = _pick(rng, {code: p for code, p in table.items() if code != origin})
        km = great_circle_km(origin, dest)
        fare = rng.uniform(*((900, 2600), (1500, 4500), (4500, 12000))[band])
        fare *= (1.8 if band < 2 else 2.8) if business else 1.0
        nights = (rng.integers(1, 3), rng.integers(1, 5), rng.integers(3, 8))[band]
        return dict(origin=origin, dest=dest, km=km, cabin="Business" if business else "Ekonomi",
                    cost=fare, hotel=rng.random() < (0.45, 0.9, 1.0)[band],
                    city=AIRPORTS[dest][2], nights=int(nights), abroad=band > 0)  # fmt: skip
    if mode == "Tåg":
        city, km = RAIL[home][int(rng.integers(len(RAIL[home])))]
        return dict(origin=HOME_CITY[home], dest=city, km=km, cost=max(90, km * rng.uniform(1.2, 2.0)),
                    hotel=km > 150 and rng.random() < 0.35, city=city,
                    nights=int(rng.integers(1, 3)), abroad=city in ("Oslo", "Köpenhamn"))  # fmt: skip
    place, km = ROAD[home][int(rng.integers(len(ROAD[home])))]
    if mode == "Taxi":
        place, km = ("Arlanda", 40) if home == "ARN" and rng.random() < 0.4 else ("", 0)
        km = km or rng.uniform(4, 30)
        place = place or HOME_CITY[home]
    cost = {"Taxi": 45 + 14 * km, "Bil": 2.5 * km, "Hyrbil": 800 + 1.5 * km, "Buss": max(50, km)}
    return dict(origin=HOME_CITY[home], dest=place, km=km, cost=cost[mode], hotel=False)


def make_travel(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Journeys and hotel stays (one row each) and the FTE table."""
    rows = []
    unit_p = np.array([u[1] for u in UNITS])
    for year, (n, mode_p, bands, business_long) in YEARS.items():
        modes = _exact(rng, list(MODES), list(mode_p), n)
        n_flights = modes.count("Flyg")
        flight_bands = _exact(rng, [0, 1, 2], list(bands), n_flights)
        band_of, n_long = iter(flight_bands), flight_bands.count(2)
        long_business = iter(_exact(rng, [True, False], [business_long, 1 - business_long], n_long))
        for date, mode in zip(_dates(rng, year, n), modes, strict=True):
            unit, _, home = UNITS[int(rng.choice(len(UNITS), p=unit_p / unit_p.sum()))]
            band = next(band_of) if mode == "Flyg" else -1
            business = next(long_business) if band == 2 else band >= 0 and rng.random() < 0.03
            j = _journey(rng, (mode, band, business), home)
            party = int(rng.choice([1, 2, 3, 4], p=[0.82, 0.12, 0.04, 0.02]))
            round_trip = rng.random() < ROUND_TRIP[mode]
            gender = ("Kvinna", "Man", "")[int(rng.choice(3, p=[0.54, 0.43, 0.03]))]
            origin, dest, km = j["origin"], j["dest"], j["km"]
            if mode == "Flyg":
                shown = None if rng.random() > 0.03 else round(km)
                if rng.random() < 0.08:
                    origin, dest = METRO_CODES.get(origin, origin), METRO_CODES.get(dest, dest)
                km = shown
            elif mode == "Taxi" and rng.random() < 0.08:
                km = None  # taxi charged by the trip, distance not recorded
            cost = (
                j["cost"]
                * (2 if round_trip else 1)
                * (party if mode not in ("Bil", "Hyrbil", "Taxi") else 1)
            )
            rows.append(dict(date=date, mode=mode, origin=origin, dest=dest,
                             km=None if km is None else round(km), travellers=party,
                             cabin=j.get("cabin", ""), round_trip="Ja" if round_trip else "Nej",
                             unit=unit, gender=gender, cost=round(cost), nights=None))  # fmt: skip
            if j["hotel"]:
                per_night = rng.uniform(1500, 3500) if j["abroad"] else rng.uniform(1100, 2200)
                nights = j["nights"] * party
                rows.append(dict(date=date, mode="Hotell", origin="", dest=j["city"], km=None,
                                 travellers=1, cabin="", round_trip="", unit=unit, gender=gender,
                                 cost=round(per_night * nights), nights=nights))  # fmt: skip
    fte = pd.DataFrame({"year": list(FTE), "fte": list(FTE.values())})
    return pd.DataFrame(rows), fte


def trip_rows(trips: pd.DataFrame) -> list[list[str]]:
    """The travel agency's export as text cells: ISO dates, decimal comma, blanks for unknown."""

    def num(v: object) -> str:
        return "" if v is None or pd.isna(v) else str(int(v))  # type: ignore[call-overload]

    return [
        [r.date.date().isoformat(), r.mode, r.origin, r.dest, num(r.km), str(r.travellers),
         r.cabin, r.round_trip, r.unit, r.gender, swedish_number(r.cost), num(r.nights)]
        for r in trips.itertuples()
    ]  # fmt: skip
