"""What drives the change, what another factor set would say, and train instead of flight.

Decomposition (:func:`decompose_change`). For the transport lines with a distance, per mode m::

    V_m = E_m / F = (T / F) × (T_m / T) × (K_m / T_m) × (E_m / K_m)
          trips/FTE   mode share   km per trip   kg per person-km

with T_m the traveller-trips of mode m (Σ travellers; a round trip is one trip), K_m its
person-km and E_m its kg CO2e. The change V_m(1) − V_m(0) is split over the four factors by the
Shapley value (Albrecht, François & Schoors 2002): with n = 4 factors x_k,

    effect_k = Σ_{S ⊆ N∖{k}} |S|! (n − |S| − 1)! / n! × Π_{j∈S} x_j(1) Π_{j∉S∪{k}} x_j(0) × (x_k(1) − x_k(0))

which sums exactly to V_m(1) − V_m(0) and copes with zeros (unlike logarithmic LMDI). A mode
absent in one year has no km per trip or intensity there; both are taken from the other year,
so its change falls on mode shift (and trips per FTE). Hotel nights and taxi rows known only by cost have no
distance: their change per FTE is reported as two further terms. The terms sum exactly to the
total change in kg CO2e per FTE. All with one factor set: the intensity term is then behaviour
(cabin, band, car occupancy), never a new factor.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd

from spendanalys.errors import ConfigurationError
from spendanalys.travel.analysis import TravelAnalysis, TravelSettings, priced_years
from spendanalys.travel.distances import airport_of
from spendanalys.travel.factors import TravelFactorSet
from spendanalys.travel.routes import airport_route_keys, compare_routes, parse_routes

EFFECTS = ("trips_per_fte", "mode_shift", "trip_length", "intensity")


def _shapley(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """Shapley split of Π x(1) − Π x(0) over the columns of x (rows are independent cases)."""
    n = x0.shape[1]
    effects = np.zeros_like(x0, dtype="float64")
    for k in range(n):
        others = [j for j in range(n) if j != k]
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for subset in combinations(others, size):
                term = np.ones(x0.shape[0])
                for j in others:
                    term = term * (x1[:, j] if j in subset else x0[:, j])
                effects[:, k] += weight * term * (x1[:, k] - x0[:, k])
    return effects


def _mode_factors(
    transport: pd.DataFrame, year: int, fte: float, modes: np.ndarray | None = None
) -> pd.DataFrame:
    """Traveller-trips, person-km and kg CO2e per mode in ``year``; ``transport`` holds only
    the lines with a distance (no hotel lines, no taxi known only by cost). ``modes``: the
    text of each code when ``transport["mode"]`` holds :class:`TextCodes` codes (grouped as
    integers, labelled after)."""
    travel = transport[transport["year"] == year]
    by_mode = travel.groupby("mode").agg(
        trips=("travellers", "sum"), km=("person_km", "sum"), kg=("kg_co2e", "sum")
    )
    if modes is not None:
        by_mode.index = pd.Index(modes[by_mode.index.to_numpy()], dtype=object, name="mode")
    return by_mode.assign(fte=fte)


def decompose_change(analysis: TravelAnalysis, year0: int, year1: int) -> dict[str, object]:
    """Split the change in kg CO2e per FTE from ``year0`` to ``year1`` (see module docstring).

    Returns {"from_year", "to_year", "from_kg_co2e_per_fte", "to_kg_co2e_per_fte",
    "total_change", "effects": {trips_per_fte, mode_shift, trip_length, intensity, hotel,
    taxi_by_cost}, "by_mode": [{mode, <effects>...}], "method"}; effects sum to total_change.
    """
    years = analysis.years.set_index("year").astype("float64")
    for year in (year0, year1):
        if year not in years.index or np.isnan(float(years.at[year, "kg_co2e_per_fte"])):  # type: ignore[arg-type]
            raise ConfigurationError(f"year {year} has no trips or no FTE: nothing to decompose")
    fte0, fte1 = float(years.at[year0, "fte"]), float(years.at[year1, "fte"])  # type: ignore[arg-type]
    lines, codes = analysis.trips, analysis.line_codes
    is_hotel, by_cost = codes.mode.mask("hotel"), codes.unit.mask("SEK")
    # Only the rows and columns the factors read, the mode as its codes (grouped as integers).
    rows = np.flatnonzero(~is_hotel & ~by_cost)
    transport = pd.DataFrame(
        {
            "year": lines["year"].to_numpy()[rows],
            "mode": codes.mode.codes[rows],
            **{c: lines[c].to_numpy()[rows] for c in ("travellers", "person_km", "kg_co2e")},
        }
    )
    m0 = _mode_factors(transport, year0, fte0, codes.mode.uniques)
    m1 = _mode_factors(transport, year1, fte1, codes.mode.uniques)
    modes = sorted(set(m0.index) | set(m1.index))
    m0, m1 = m0.reindex(modes).fillna(0.0), m1.reindex(modes).fillna(0.0)
    t0, t1 = m0["trips"].sum(), m1["trips"].sum()

    def factors(m: pd.DataFrame, t: float, fte: float, other: pd.DataFrame) -> np.ndarray:
        length = np.where(m["trips"] > 0, m["km"] / m["trips"].where(m["trips"] > 0, 1), np.nan)
        other_length = other["km"] / other["trips"].where(other["trips"] > 0)
        intensity = np.where(m["km"] > 0, m["kg"] / m["km"].where(m["km"] > 0, 1), np.nan)
        other_intensity = other["kg"] / other["km"].where(other["km"] > 0)
        return np.column_stack(
            [
                np.full(len(m), t / fte if fte else 0.0),
                (m["trips"] / t).to_numpy() if t else np.zeros(len(m)),
                np.where(np.isnan(length), other_length.fillna(0.0), length),
                np.where(np.isnan(intensity), other_intensity.fillna(0.0), intensity),
            ]
        )

    x0, x1 = factors(m0, t0, fte0, m1), factors(m1, t1, fte1, m0)
    effects = _shapley(x0, x1) if modes else np.zeros((0, 4))
    by_mode = pd.DataFrame(effects, columns=list(EFFECTS), index=modes)
    # Shapley is exact; only floating-point residue (~1e-13) remains, put on mode shift so the
    # terms sum to the total to the last digit.
    v0, v1 = m0["kg"] / fte0, m1["kg"] / fte1
    by_mode["mode_shift"] += (v1 - v0) - by_mode.sum(axis=1)

    year_of, kg = lines["year"].to_numpy(), lines["kg_co2e"].to_numpy()

    def per_fte(year: int, fte: float, mask: np.ndarray) -> float:
        return float(pd.Series(kg[mask & (year_of == year)]).sum()) / fte

    # With hotels left out of the headline (--hotels out) their change is no part of the total.
    hotel = (
        per_fte(year1, fte1, is_hotel) - per_fte(year0, fte0, is_hotel)
        if analysis.settings.include_hotels
        else 0.0
    )
    taxi = per_fte(year1, fte1, by_cost) - per_fte(year0, fte0, by_cost)
    per_fte_of = years["kg_co2e_per_fte"].to_dict()
    total = float(years.at[year1, "kg_co2e"]) / fte1 - float(years.at[year0, "kg_co2e"]) / fte0  # type: ignore[arg-type]
    result_effects = {k: float(by_mode[k].sum()) for k in EFFECTS}
    result_effects["hotel"] = float(hotel)
    result_effects["taxi_by_cost"] = float(taxi)
    return {
        "from_year": year0,
        "to_year": year1,
        "from_kg_co2e_per_fte": float(per_fte_of[year0]),
        "to_kg_co2e_per_fte": float(per_fte_of[year1]),
        "total_change": total,
        "effects": result_effects,
        "by_mode": by_mode.reset_index(names="mode").to_dict(orient="records"),
        "method": "Shapley decomposition of kg CO2e per FTE = trips/FTE × mode share × km/trip × kg/pkm, per mode, one factor set",
    }


def factor_set_effect(analysis: TravelAnalysis, other: TravelFactorSet) -> pd.DataFrame:
    """Same trips, another factor set: kg CO2e per FTE per year under both, and the difference.

    Shows how much a change of factor set alone would move the figures (no behaviour change).
    The resolved trips are priced again with ``other``; nothing is read or resolved twice.
    """
    a = analysis.years[["year", "kg_co2e", "kg_co2e_per_fte"]]
    b = priced_years(analysis, other)[["year", "kg_co2e", "kg_co2e_per_fte"]]
    table = a.merge(b, on="year", suffixes=("", "_other"))
    table["difference_per_fte"] = table["kg_co2e_per_fte_other"] - table["kg_co2e_per_fte"]
    table["relative_difference"] = table["difference_per_fte"] / table["kg_co2e_per_fte"]
    table.attrs["factor_sets"] = (analysis.factors.name, other.name)
    return table


def _flight_cost_source(own: int, rows: int, other: str) -> str:
    """Where the replaced flights' cost comes from: their own cost_sek, else ``other``."""
    if own == rows:
        return "the flights' own cost"
    if own == 0:
        return other
    return f"the flights' own cost ({own} of {rows} rows), else {other}"


RAIL_NETWORK_PATH = Path(__file__).with_name("data") / "rail_network.csv"


@lru_cache(maxsize=1)
def _rail_network() -> tuple[frozenset[str], frozenset[str]]:
    """(countries reachable by train from Sweden, island airports without rail) from the data file."""
    table = pd.read_csv(RAIL_NETWORK_PATH, comment="#", dtype=str)
    countries = frozenset(table.loc[table["kind"] == "country", "code"].str.upper())
    excluded = frozenset(table.loc[table["kind"] == "airport_excluded", "code"].str.upper())
    return countries, excluded


def _rail_reachable(airports: pd.Series) -> pd.Series:
    """True where a train can reach the airport's place (see ``data/rail_network.csv``)."""
    codes, unique = pd.factorize(airports, use_na_sentinel=True)
    return pd.Series(
        _rail_reachable_codes(codes, np.asarray(unique, dtype=object)), index=airports.index
    )


def _rail_reachable_codes(codes: np.ndarray, unique: np.ndarray) -> np.ndarray:
    """:func:`_rail_reachable` of factorized airports (``unique[codes]``, -1 = missing)."""
    countries, excluded = _rail_network()
    # Once per distinct airport: a few hundred, against tens of thousands of flights.
    ok = []
    for written in unique:
        code = str(written).upper()
        found = airport_of(code)
        ok.append(found is not None and found[1] in countries and code not in excluded)
    table = np.array([*ok, False], dtype=bool)
    out: np.ndarray = table[codes]
    return out


def train_instead_of_flight(
    analysis: TravelAnalysis,
    route_figures: pd.DataFrame | None = None,
    settings: TravelSettings | None = None,
) -> dict[str, pd.DataFrame]:
    """Replay short flights as rail: CO2e saved, cost and time change, per route and in total.

    Candidates: flights whose one-way distance (as used) is below ``train_threshold_km`` between
    places a train reaches (``data/rail_network.csv``: not Helsinki, not Visby), or whose route is
    listed in ``train_routes``. Rail km = great-circle km × ``rail_detour`` (1.2, the
    detour factor of pledge4future/co2calculator; Stockholm–Göteborg by rail is about 455 km
    against 394 km great circle, ×1.16); without airports the flight's own distance stands in
    for the great circle. Rail kg = rail km × legs × travellers × the set's rail factor.
    Cost and door-to-door time per route come from :func:`~spendanalys.travel.routes.compare_routes`
    (a user's ``route_figures``, columns route, train_cost_sek, train_hours, flight_hours,
    flight_cost_sek, one way per traveller, first; then the agency's own median cost per
    route and mode; then the shipped route table): cost change = rail cost × trips − the
    flights' own cost (else the route's flight cost × trips); time change = (rail − flight
    door-to-door hours) × trips. Each route row names the source of its cost and time
    (``rail_cost_source``, ``flight_cost_source``, ``time_source``) and the count a median
    rests on. It is a comparison of two ways to travel, not a verdict. Returns {"routes",
    "years"}: per route, and per year the per-FTE figure after the switch against the path.
    """
    settings = settings or analysis.settings
    lines = analysis.trips
    # Only the columns the replay reads: filtering all ~30 line columns costs more than the rest.
    used = ["year", "origin_airport", "destination_airport", "great_circle_km", "distance_km"]
    used += ["legs", "travellers", "kg_co2e", "cost_sek"]
    codes = analysis.line_codes
    flights = lines.loc[codes.travel() & codes.mode.mask("flight"), used]
    # The airports factorized once, for the route keys and the rail test alike.
    keys, origin, destination = airport_route_keys(
        flights["origin_airport"], flights["destination_airport"]
    )
    # no key where either airport is missing
    keys[pd.isna(keys)] = "(distance only)"
    flights["route"] = pd.Series(keys, index=flights.index, dtype="str")
    wanted = parse_routes(settings.train_routes)
    listed = flights["route"].isin(wanted) if wanted else np.zeros(len(flights), dtype=bool)
    by_rail = _rail_reachable_codes(*origin) & _rail_reachable_codes(*destination)
    short = (flights["distance_km"] < settings.train_threshold_km) & by_rail
    chosen = flights[short | listed].copy()
    rail = analysis.factors.table
    rail = rail[(rail["mode"].isin(("rail",))) & (rail["variant"] == "") & (rail["basis"] == "pkm")]
    rail_factor = float(rail["kg_co2e_per_unit"].iloc[0]) if len(rail) else np.nan
    gc = chosen["great_circle_km"].fillna(chosen["distance_km"])
    chosen["trips"] = chosen["legs"] * chosen["travellers"]
    chosen["rail_km"] = gc * settings.rail_detour
    chosen["rail_kg_co2e"] = chosen["rail_km"] * chosen["trips"] * rail_factor
    chosen["kg_co2e_saved"] = chosen["kg_co2e"] - chosen["rail_kg_co2e"]
    compared = compare_routes(
        [str(r) for r in pd.unique(chosen["route"])], lines, route_figures, codes
    )
    per_route = compared.reindex(chosen["route"].to_numpy())
    own = chosen["cost_sek"].notna().to_numpy()
    flight_cost = chosen["cost_sek"].fillna(
        pd.Series(per_route["flight_cost_sek"].to_numpy(), index=chosen.index) * chosen["trips"]
    )
    rail_cost = per_route["rail_cost_sek"].to_numpy() * chosen["trips"]
    chosen["own_flight_cost"] = own
    chosen["cost_change_sek"] = rail_cost - flight_cost
    hours = (per_route["rail_door_hours"] - per_route["flight_door_hours"]).to_numpy()
    chosen["time_change_hours"] = hours * chosen["trips"]
    routes = (
        chosen.groupby("route", dropna=False)
        .agg(
            flights=("trips", "sum"),
            flight_km=("distance_km", "mean"),
            rail_km=("rail_km", "mean"),
            flight_kg_co2e=("kg_co2e", "sum"),
            rail_kg_co2e=("rail_kg_co2e", "sum"),
            kg_co2e_saved=("kg_co2e_saved", "sum"),
            cost_change_sek=("cost_change_sek", lambda s: s.sum(min_count=1)),
            time_change_hours=("time_change_hours", lambda s: s.sum(min_count=1)),
            rows=("trips", "size"),
            own_flight_costs=("own_flight_cost", "sum"),
        )
        .reset_index()
        .sort_values("kg_co2e_saved", ascending=False)
    )
    routes = routes.join(compared, on="route")
    routes["flight_cost_source"] = [
        _flight_cost_source(int(n_own), int(n), str(other))
        for n_own, n, other in zip(
            routes["own_flight_costs"], routes["rows"], routes["flight_cost_source"], strict=True
        )
    ]
    routes = routes.drop(columns=["rows", "own_flight_costs"])
    saved = chosen.groupby("year")["kg_co2e_saved"].sum()
    years = analysis.years[["year", "kg_co2e", "fte", "kg_co2e_per_fte"]].copy()
    years["kg_co2e_saved"] = years["year"].map(saved).fillna(0.0)
    years["kg_co2e_per_fte_after"] = (years["kg_co2e"] - years["kg_co2e_saved"]) / years[
        "fte"
    ].where(years["fte"] > 0)
    years = years.merge(analysis.path[["year", "path_kg_co2e_per_fte"]], on="year", how="left")
    years["after_on_path"] = years["kg_co2e_per_fte_after"] <= years["path_kg_co2e_per_fte"] + 1e-9
    return {"routes": routes.reset_index(drop=True), "years": years}
