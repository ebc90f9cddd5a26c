"""Decomposition, factor-set comparison, train instead of flight, breakdowns."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from travel_fixtures import fte_frame, trips_frame

from spendanalys.errors import ConfigurationError
from spendanalys.travel.analysis import TravelSettings, analyse_travel
from spendanalys.travel.breakdowns import breakdown, breakdowns
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.whatif import (
    _shapley,
    decompose_change,
    factor_set_effect,
    train_instead_of_flight,
)

SWEDISH = load_travel_factor_set()
DESNZ = load_travel_factor_set("desnz_2025")

trip = st.fixed_dictionaries({
    "year": st.sampled_from([2019, 2024]),
    "mode": st.sampled_from(["Flyg", "Tåg", "Bil", "Taxi", "Buss", "Hotell"]),
    "route": st.sampled_from([("ARN", "GOT"), ("ARN", "LLA"), ("STO", "LON"), ("ARN", "JFK")]),
    "km": st.floats(1, 2000),
    "travellers": st.integers(1, 4),
    "cabin": st.sampled_from([None, "Ekonomi", "Business", "Premium"]),
    "round_trip": st.booleans(),
    "cost": st.one_of(st.none(), st.floats(50, 2000)),
    "nights": st.sampled_from([None, 0, 1, 3]),
})  # fmt: skip


def _rows(draws: list[dict]) -> list[dict]:
    rows = []
    for d in draws:
        row = {
            "date": f"{d['year']}-05-01",
            "mode": d["mode"],
            "travellers": d["travellers"],
            "round_trip": d["round_trip"],
            "hotel_nights": d["nights"],
            "cost_sek": d["cost"],
        }
        if d["mode"] == "Flyg":
            row.update(origin=d["route"][0], destination=d["route"][1], cabin=d["cabin"])
        elif d["mode"] == "Hotell":
            row.update(hotel_nights=(d["nights"] or 1))
        elif not (d["mode"] == "Taxi" and d["cost"] is not None and d["km"] < 100):
            row["distance_km"] = d["km"]
        rows.append(row)
    return rows


@settings(max_examples=20)
@given(st.lists(trip, min_size=1, max_size=25), st.floats(1, 500), st.floats(1, 500))
def test_decomposition_sums_exactly_to_the_total_change(
    draws: list[dict], fte0: float, fte1: float
) -> None:
    # Both years need at least one accepted trip for a per-FTE figure.
    rows = [
        *_rows(draws),
        {"date": "2019-01-01", "mode": "Tåg", "distance_km": 10},
        {"date": "2024-01-01", "mode": "Bil", "distance_km": 10},
    ]
    a = analyse_travel(trips_frame(rows), fte_frame({2019: fte0, 2024: fte1}), SWEDISH)
    d = decompose_change(a, 2019, 2024)
    total = a.years.set_index("year")["kg_co2e_per_fte"]
    assert d["total_change"] == pytest.approx(total[2024] - total[2019], rel=1e-12, abs=1e-12)
    assert sum(d["effects"].values()) == pytest.approx(d["total_change"], rel=1e-9, abs=1e-9)


@given(st.lists(st.tuples(*[st.floats(0, 100)] * 8), min_size=1, max_size=5))
def test_shapley_split_is_exact_per_case(cases: list[tuple[float, ...]]) -> None:
    import numpy as np

    x = np.array(cases)
    x0, x1 = x[:, :4], x[:, 4:]
    effects = _shapley(x0, x1)
    assert effects.sum(axis=1) == pytest.approx(
        x1.prod(axis=1) - x0.prod(axis=1), rel=1e-9, abs=1e-6
    )


def test_decomposition_tells_the_drivers_apart() -> None:
    """Same flights per FTE, but in 2024 half the flights became rail of the same length."""
    flight = {"mode": "Flyg", "origin": "ARN", "destination": "GOT"}
    rows = [{"date": "2019-02-01", **flight}] * 4 + [{"date": "2024-02-01", **flight}] * 2
    rows += [{"date": "2024-02-01", "mode": "Tåg", "distance_km": 425.37}] * 2
    a = analyse_travel(trips_frame(rows), fte_frame({2019: 4, 2024: 4}), SWEDISH)
    e = decompose_change(a, 2019, 2024)["effects"]
    assert e["trips_per_fte"] == pytest.approx(0, abs=1e-9)
    assert e["mode_shift"] < 0
    assert e["trip_length"] == pytest.approx(0, abs=1e-6)
    assert e["intensity"] == pytest.approx(0, abs=1e-9)
    # Twice the FTE, same trips: the whole change is trips per FTE.
    rows = [{"date": "2019-02-01", **flight}, {"date": "2024-02-01", **flight}]
    a = analyse_travel(trips_frame(rows), fte_frame({2019: 1, 2024: 2}), SWEDISH)
    d = decompose_change(a, 2019, 2024)
    assert d["effects"]["trips_per_fte"] == pytest.approx(d["total_change"])


def test_factor_set_alone() -> None:
    rows = [{"date": "2019-02-01", "mode": "Tåg", "distance_km": 1000}]
    a = analyse_travel(trips_frame(rows), fte_frame({2019: 1}), SWEDISH)
    table = factor_set_effect(a, DESNZ)
    assert table["kg_co2e_per_fte"].iloc[0] == pytest.approx(7.0)
    assert table["kg_co2e_per_fte_other"].iloc[0] == pytest.approx(35.46)
    assert table["difference_per_fte"].iloc[0] == pytest.approx(28.46)
    assert table.attrs["factor_sets"] == ("sweden_default_2025", "desnz_2025")


def test_train_instead_of_flight_per_route_with_cost_and_time() -> None:
    rows = [
        {
            "date": "2019-02-01",
            "mode": "Flyg",
            "origin": "ARN",
            "destination": "GOT",
            "round_trip": True,
            "cost_sek": 3000,
        },
        {
            "date": "2019-02-02",
            "mode": "Flyg",
            "origin": "GOT",
            "destination": "BMA",
        },  # same city pair
        {
            "date": "2019-02-03",
            "mode": "Flyg",
            "origin": "ARN",
            "destination": "LLA",
        },  # 744 km: not below 500
        {"date": "2019-02-04", "mode": "Flyg", "origin": "ARN", "destination": "JFK"},
    ]
    a = analyse_travel(trips_frame(rows), fte_frame({2019: 2}), SWEDISH)
    figures = pd.DataFrame(
        {
            "route": ["STO-GOT"],
            "train_cost_sek": [800.0],
            "train_hours": [3.5],
            "flight_hours": [3.0],
            "flight_cost_sek": [1500.0],
        }
    )
    result = train_instead_of_flight(a, figures)
    routes = result["routes"].set_index("route")
    assert list(routes.index) == ["GOT–STO"]
    r = routes.loc["GOT–STO"]
    assert r["flights"] == 3
    flights = a.trips[(a.trips["mode"] == "flight") & a.trips["destination"].isin(["GOT", "BMA"])]
    gc = flights["great_circle_km"].to_numpy()
    rail = (gc[0] * 2 + gc[1]) * 1.2 * 0.007
    assert r["rail_kg_co2e"] == pytest.approx(rail)
    assert r["kg_co2e_saved"] == pytest.approx(flights["kg_co2e"].sum() - rail)
    # Cost: 3 train trips × 800 − (3000 from the file + 1500 typical for the row without cost).
    assert r["cost_change_sek"] == pytest.approx(3 * 800 - 3000 - 1500)
    assert r["time_change_hours"] == pytest.approx(3 * 0.5)
    years = result["years"].set_index("year")
    assert years.at[2019, "kg_co2e_per_fte_after"] == pytest.approx(
        (a.years["kg_co2e"].iloc[0] - r["kg_co2e_saved"]) / 2
    )
    # A listed route is replayed whatever its length.
    listed = train_instead_of_flight(a, settings=TravelSettings(train_routes=("ARN-LLA",)))[
        "routes"
    ]
    assert set(listed["route"]) == {"GOT–STO", "LLA–STO"}
    with pytest.raises(ConfigurationError):
        train_instead_of_flight(a, settings=TravelSettings(train_routes=("ARN-ZZZ",)))


def test_train_is_not_offered_where_no_train_runs() -> None:
    """Stockholm–Helsinki (396 km) and Stockholm–Visby (176 km) are short, but the sea is in the
    way: only Stockholm–Oslo (416 km, through rail over the border) is a candidate by distance.
    A listed route is still replayed, because the user asked for it."""
    rows = [
        {"date": "2019-03-01", "mode": "Flyg", "origin": "ARN", "destination": code}
        for code in ("HEL", "VBY", "OSL")
    ]
    a = analyse_travel(trips_frame(rows), fte_frame({2019: 2}), SWEDISH)
    routes = train_instead_of_flight(a)["routes"]
    assert list(routes["route"]) == ["OSL–STO"]
    listed = train_instead_of_flight(a, settings=TravelSettings(train_routes=("ARN-VBY",)))
    assert set(listed["routes"]["route"]) == {"OSL–STO", "STO–VBY"}


def test_small_groups_are_suppressed_with_secondary_suppression() -> None:
    rows = (
        [
            {
                "date": "2023-01-01",
                "mode": "Tåg",
                "distance_km": 100,
                "unit": "Stor",
                "gender": "Kvinna",
            }
        ]
        * 6
        + [
            {
                "date": "2023-01-01",
                "mode": "Tåg",
                "distance_km": 100,
                "unit": "Mellan",
                "gender": "Man",
            }
        ]
        * 5
        + [
            {
                "date": "2023-01-01",
                "mode": "Tåg",
                "distance_km": 100,
                "unit": "Liten",
                "gender": "Kvinna",
                "travellers": 2,
            }
        ]
    )
    a = analyse_travel(
        trips_frame(rows),
        fte_frame({2023: 10}),
        SWEDISH,
        TravelSettings(baseline_year=2023, target_year=2025),
    )
    units = breakdown(a.trips, "unit").set_index("unit")
    assert bool(units.at["Liten", "suppressed"]) and pd.isna(units.at["Liten", "kg_co2e"])
    # Liten alone hidden would be total − the rest: the next-smallest (Mellan, 5) is hidden too.
    assert bool(units.at["Mellan", "suppressed"]) and pd.isna(units.at["Mellan", "travellers"])
    assert not units.at["Stor", "suppressed"] and units.at["Stor", "travellers"] == 6
    genders = breakdowns(a.trips)["gender"].set_index("gender")
    assert genders.at["Kvinna", "travellers"] == 8 and genders.at["Man", "travellers"] == 5
    assert "gender" not in breakdowns(a.trips.assign(gender=pd.NA))


def test_unit_breakdown_per_unit_fte() -> None:
    rows = [{"date": "2023-01-01", "mode": "Tåg", "distance_km": 1000, "unit": "A"}] * 6
    rows += [{"date": "2023-01-01", "mode": "Tåg", "distance_km": 500, "unit": "B"}] * 5
    fte = pd.concat([fte_frame({2023: 3.0}, unit="A"), fte_frame({2023: 5.0}, unit="B")])
    a = analyse_travel(
        trips_frame(rows), fte, SWEDISH, TravelSettings(baseline_year=2023, target_year=2025)
    )
    assert a.years["fte"].iloc[0] == 8.0
    units = breakdown(a.trips, "unit", fte).set_index("unit")
    assert units.at["A", "kg_co2e_per_fte"] == pytest.approx(6 * 1000 * 0.007 / 3)
    assert units.at["B", "kg_co2e_per_fte"] == pytest.approx(5 * 500 * 0.007 / 5)
    assert units["share"].sum() == pytest.approx(1.0)
