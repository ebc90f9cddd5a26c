"""Routes for the train-or-flight comparison: route keys, the agency's own costs per route and
the shipped rail/air times (``data/route_times.csv``).

A route is unordered and between metropolitan areas (ARN and BMA are both STO): "GOT–STO".
Flights get theirs from their airports; rail trips from their places (``places.py``: "Göteborg"
-> GOT, "Stockholm" -> STO). For each route the comparison takes, per figure, the first that
has it:

- cost (SEK per traveller, one way): a user's route file (``--route-figures``); the agency's
  own trips (``cost_sek`` / (legs × travellers), the median per route and mode, with the number
  of trips it rests on); the route table's fare;
- door-to-door time (hours, one way): a user's route file; the route table (station to
  station or gate to gate plus the access time at both ends).

Every figure carries its source in a text column, so the comparison says what it rests on.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from spendanalys.errors import ConfigurationError
from spendanalys.travel.distances import airport_of, metro_of_airport
from spendanalys.travel.places import place_airports
from spendanalys.travel.rows import LineCodes, line_codes

ROUTE_TIMES_PATH = Path(__file__).with_name("data") / "route_times.csv"
COMPARISON_COLUMNS = (
    "rail_cost_sek", "rail_cost_n", "rail_cost_source",
    "flight_cost_sek", "flight_cost_n", "flight_cost_source",
    "rail_door_hours", "flight_door_hours", "time_source",
)  # fmt: skip


def _metro_codes(airports: pd.Series, metro: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Each airport's metropolitan-area code as (codes, texts): ``texts[codes]``, -1 where the
    airport is missing. Looked up once per distinct airport."""
    codes, uniques = pd.factorize(airports, use_na_sentinel=True)
    return codes, _metro_texts(np.asarray(uniques, dtype=object), metro)


def route_key(origin_airport: pd.Series, destination_airport: pd.Series) -> pd.Series:
    """Unordered route between metropolitan areas: ARN/BMA -> STO, so 'GOT–STO'; missing
    where either airport is. Built once per distinct airport pair, then spread over the rows."""
    return pd.Series(
        _route_keys(origin_airport, destination_airport), index=origin_airport.index, dtype="str"
    )


def _route_keys(origin_airport: pd.Series, destination_airport: pd.Series) -> np.ndarray:
    """:func:`route_key` as an object array (None where an airport is missing)."""
    metro = metro_of_airport()
    o_codes, o_texts = _metro_codes(origin_airport, metro)
    d_codes, d_texts = _metro_codes(destination_airport, metro)
    return _pair_keys(o_codes, o_texts, d_codes, d_texts)


def _pair_keys(
    o_codes: np.ndarray, o_texts: np.ndarray, d_codes: np.ndarray, d_texts: np.ndarray
) -> np.ndarray:
    """The route key of each row from its two sides as codes into metropolitan-area texts
    (``texts[codes]``, -1 = missing): made once per distinct pair, None where a side is
    missing."""
    codes, keys = _pair_key_codes(o_codes, o_texts, d_codes, d_texts)
    out: np.ndarray = np.array([*keys, None], dtype=object)[codes]
    return out


def _pair_key_codes(
    o_codes: np.ndarray, o_texts: np.ndarray, d_codes: np.ndarray, d_texts: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """:func:`_pair_keys` as (codes, keys): ``keys[codes]``, -1 where a side is missing. A
    key may repeat in ``keys`` (both directions of a route)."""
    known = (o_codes >= 0) & (d_codes >= 0)
    pair = o_codes.astype(np.int64) * (len(d_texts) + 1) + d_codes
    unique_pairs, inverse = np.unique(pair[known], return_inverse=True)
    keys = []
    for p in unique_pairs:
        a, b = o_texts[p // (len(d_texts) + 1)], d_texts[p % (len(d_texts) + 1)]
        keys.append(f"{a}–{b}" if a <= b else f"{b}–{a}")
    codes = np.full(len(pair), -1, dtype=np.int64)
    codes[known] = inverse.reshape(-1)
    return codes, keys


def airport_route_keys(
    origin_airport: pd.Series, destination_airport: pd.Series
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """:func:`_route_keys`, and each side's airports factorized as (codes, distinct airports),
    for a caller that tests the airports too (once per distinct airport, not per row)."""
    metro = metro_of_airport()
    sides = []
    for airports in (origin_airport, destination_airport):
        codes, uniques = pd.factorize(airports, use_na_sentinel=True)
        sides.append((codes, np.asarray(uniques, dtype=object)))
    (o_codes, o_unique), (d_codes, d_unique) = sides
    keys = _pair_keys(
        o_codes, _metro_texts(o_unique, metro), d_codes, _metro_texts(d_unique, metro)
    )
    return keys, sides[0], sides[1]


def _metro_texts(airports: np.ndarray, metro: dict[str, str]) -> np.ndarray:
    return np.array(
        [str(metro.get(a, a)) if isinstance(a, str) else str(a) for a in airports], dtype=object
    )


def parse_routes(routes: tuple[str, ...] | list[str]) -> set[str]:
    """User-listed routes ('ARN-GOT', 'STO–GOT', 'GOT/ARN') as route keys; unknown codes raise."""
    keys = set()
    for text in routes:
        parts = [p for p in text.replace("–", "-").replace("/", "-").split("-") if p.strip()]
        if len(parts) != 2:
            raise ConfigurationError(f"route {text!r}: expected two codes such as ARN-GOT")
        found = [airport_of(p.strip()) for p in parts]
        if None in found:
            raise ConfigurationError(f"route {text!r}: unknown airport or city code")
        metro = metro_of_airport()
        a, b = (str(metro.get(f[0], f[0])) for f in found if f is not None)
        keys.add(f"{a}–{b}" if a <= b else f"{b}–{a}")
    return keys


@lru_cache(maxsize=4)
def route_table(path: Path = ROUTE_TIMES_PATH) -> pd.DataFrame:
    """The route table indexed by route key: rail_door_hours, flight_door_hours (NaN without a
    direct flight), rail_cost_sek, flight_cost_sek (NaN where not known), quality, source,
    date, note."""
    table = pd.read_csv(path, comment="#", dtype={"date": str})
    table["route"] = [next(iter(parse_routes([r]))) for r in table["route"]]
    table["rail_door_hours"] = table["rail_hours"] + table["rail_access_hours"].fillna(0.0)
    table["flight_door_hours"] = table["flight_block_hours"] + table["flight_access_hours"]
    for column in ("source", "date", "note", "quality"):
        table[column] = table[column].fillna("").astype(str)
    return table.drop_duplicates("route", keep="first").set_index("route")


def _table_source(row: pd.Series) -> str:
    when = f", {row['date']}" if row["date"] else ""
    return f"route table ({row['quality']}{when}): {row['source']}"


_AIRPORTS = ("origin_airport", "destination_airport")
_PLACES = ("origin", "destination")


def agency_costs(lines: pd.DataFrame, codes: LineCodes | None = None) -> pd.DataFrame:
    """Median cost per traveller and one way, per route and mode (flight, rail), with the number
    of trips behind it: columns route, mode, cost_sek, n. From transport lines with a
    ``cost_sek`` above 0; rail trips need places that resolve to a city with a code.
    ``codes``: the lines' :class:`LineCodes`, when the caller has them."""
    codes = line_codes(lines, codes)
    cost = pd.to_numeric(lines["cost_sek"], errors="coerce").astype("float64").to_numpy()
    flight, rail = codes.mode.mask("flight"), codes.mode.mask("rail")
    rows = np.flatnonzero(codes.travel() & (flight | rail) & (cost > 0))
    if not len(rows):
        return pd.DataFrame(columns=["route", "mode", "cost_sek", "n"])
    by_air = flight[rows]
    route = np.full(len(rows), -1, dtype=np.int64)
    keys: list[str] = []
    metro = metro_of_airport()
    # Flights by their airports, rail trips by the airports of their places: each side
    # factorized once, looked up per distinct value.
    for part, columns in ((by_air, _AIRPORTS), (~by_air, _PLACES)):
        at = rows[part]
        if not len(at):
            continue
        sides = []
        for column in columns:
            side_codes, uniques = pd.factorize(lines[column].to_numpy()[at], use_na_sentinel=True)
            airports = np.asarray(uniques, dtype=object)
            if columns is _PLACES:
                airports = place_airports(pd.Series(airports, dtype=object))
                missing = np.array([a is None for a in airports] + [True])
                side_codes = np.where(missing[side_codes], -1, side_codes)
            sides += [side_codes, _metro_texts(airports, metro)]
        part_codes, part_keys = _pair_key_codes(*sides)
        route[part] = np.where(part_codes >= 0, part_codes + len(keys), -1)
        keys += part_keys
    # Grouped on integers: the keys numbered in their sorted order, the mode as 0 (flight) or
    # 1 (rail), so the groups come out as grouping on (route, mode) as text orders them.
    key_codes, texts = pd.factorize(np.array(keys, dtype=object), sort=True)
    known = route >= 0
    group = key_codes[route[known]] * 2 + (~by_air[known]).astype(np.int64)
    cost_per_trip = cost[rows] / (
        lines["legs"].to_numpy()[rows] * lines["travellers"].to_numpy()[rows]
    )
    summed = pd.Series(cost_per_trip[known]).groupby(group).agg(["median", "count"])
    at = summed.index.to_numpy()
    return pd.DataFrame(
        {
            "route": np.asarray(texts, dtype=object)[at // 2],
            "mode": np.array(["flight", "rail"], dtype=object)[at % 2],
            "cost_sek": summed["median"].to_numpy(),
            "n": summed["count"].to_numpy(),
        }
    )


def compare_routes(
    routes: pd.Index | list[str],
    lines: pd.DataFrame,
    route_figures: pd.DataFrame | None = None,
    codes: LineCodes | None = None,
) -> pd.DataFrame:
    """Per route (index): the cost and door-to-door time each way of travelling would take, one
    way per traveller, with the source of each (``COMPARISON_COLUMNS``; see the module
    docstring for the order). ``route_figures`` has columns route and any of train_cost_sek,
    flight_cost_sek, train_hours, flight_hours (door to door). ``codes``: the lines'
    :class:`LineCodes`, when the caller has them."""
    out = pd.DataFrame(index=pd.Index(list(routes), name="route"))
    for column in COMPARISON_COLUMNS:
        out[column] = np.nan if not column.endswith("source") else ""
    table = route_table()
    own = agency_costs(lines, codes).set_index(["route", "mode"])
    user = pd.DataFrame()
    if route_figures is not None and len(route_figures):
        user = route_figures.copy()
        user["route"] = [next(iter(parse_routes([r]))) for r in user["route"]]
        user = user.drop_duplicates("route").set_index("route")
    for route in out.index:
        listed = table.loc[route] if route in table.index else None
        mine = user.loc[route] if route in user.index else None
        for mode, user_column in (("rail", "train_cost_sek"), ("flight", "flight_cost_sek")):
            if mine is not None and pd.notna(mine.get(user_column, np.nan)):
                value, n, source = float(mine[user_column]), np.nan, "your route file"
            elif (route, mode) in own.index:
                found = own.loc[(route, mode)]
                value, n = float(found["cost_sek"]), float(found["n"])
                source = f"median of the agency's {int(n)} {mode} trip(s) on the route"
            elif listed is not None and pd.notna(listed[f"{mode}_cost_sek"]):
                value, n, source = float(listed[f"{mode}_cost_sek"]), np.nan, _table_source(listed)
            else:
                value, n, source = np.nan, np.nan, "no figure"
            out.at[route, f"{mode}_cost_sek"] = value
            out.at[route, f"{mode}_cost_n"] = n
            out.at[route, f"{mode}_cost_source"] = source
        if mine is not None and pd.notna(mine.get("train_hours", np.nan)):
            out.at[route, "rail_door_hours"] = float(mine["train_hours"])
            out.at[route, "flight_door_hours"] = float(mine.get("flight_hours", np.nan))
            out.at[route, "time_source"] = "your route file"
        elif listed is not None:
            out.at[route, "rail_door_hours"] = float(listed["rail_door_hours"])
            out.at[route, "flight_door_hours"] = float(listed["flight_door_hours"])
            out.at[route, "time_source"] = _table_source(listed)
        else:
            out.at[route, "time_source"] = "no figure"
    return out
