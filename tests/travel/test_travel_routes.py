"""Train or flight out of the box: per route the CO2e saved, the cost change (the agency's own
median cost first, then the route table; a user's route file overrides) and the door-to-door
time change (the route table, or the user's file), each with its source."""

from __future__ import annotations

import pandas as pd
import pytest
from travel_fixtures import fte_frame, trips_frame

from spendanalys.travel.analysis import TravelSettings, analyse_travel
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.routes import agency_costs, route_table
from spendanalys.travel.summary import summarise_travel, travel_payload
from spendanalys.travel.whatif import train_instead_of_flight

SWEDISH = load_travel_factor_set()
SETTINGS = TravelSettings(baseline_year=2023)

STO_GOT = [
    # two flights with their own cost (round trip 1 traveller; one way 2 travellers)
    {"date": "2023-02-01", "mode": "Flyg", "origin": "ARN", "destination": "GOT",
     "round_trip": True, "cost_sek": 3000},
    {"date": "2023-02-02", "mode": "Flyg", "origin": "GOT", "destination": "BMA",
     "travellers": 2, "cost_sek": 3200},
    # the agency's rail trips on the same route, by city names
    {"date": "2023-03-01", "mode": "Tåg", "origin": "Stockholm", "destination": "Göteborg",
     "distance_km": 455, "round_trip": True, "cost_sek": 1000},
    {"date": "2023-03-02", "mode": "Tåg", "origin": "Göteborg", "destination": "Stockholm",
     "distance_km": 455, "travellers": 3, "cost_sek": 1800},
    {"date": "2023-03-03", "mode": "Tåg", "origin": "STOCKHOLM", "destination": "Gothenburg",
     "distance_km": 455, "cost_sek": 700},
]  # fmt: skip


def _analysis(rows: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return analyse_travel(trips_frame(rows), fte_frame({2023: 2}), SWEDISH, SETTINGS)


def test_the_agency_median_per_route_and_mode_with_its_count() -> None:
    """Per traveller one way: 1000 / 2 legs = 500, 1800 / 3 travellers = 600, 700: median 600
    of 3 rail trips; flights 3000 / 2 = 1500 and 3200 / 2 = 1600: median 1550 of 2."""
    costs = agency_costs(_analysis(STO_GOT).trips).set_index(["route", "mode"])
    assert costs.at[("GOT–STO", "rail"), "cost_sek"] == 600
    assert costs.at[("GOT–STO", "rail"), "n"] == 3
    assert costs.at[("GOT–STO", "flight"), "cost_sek"] == 1550
    assert costs.at[("GOT–STO", "flight"), "n"] == 2


def test_out_of_the_box_cost_from_the_agency_and_time_from_the_route_table() -> None:
    """4 flight trips (2 legs + 2 travellers). Cost: rail 600 × 4 = 2400 against the flights'
    own 3000 + 3200 = 6200: −3800 SEK. Time: the route table's KTH/SJ 2024 averages, rail 3.08
    h and flight 0.92 + 2.31 = 3.23 h door to door: (3.08 − 3.23) × 4 = −0.6 h."""
    r = train_instead_of_flight(_analysis(STO_GOT))["routes"].set_index("route").loc["GOT–STO"]
    assert r["flights"] == 4
    assert r["cost_change_sek"] == pytest.approx(2400 - 6200)
    assert (r["rail_cost_sek"], r["rail_cost_n"]) == (600, 3)
    assert r["rail_cost_source"] == "median of the agency's 3 rail trip(s) on the route"
    assert r["flight_cost_source"] == "the flights' own cost"
    assert (r["rail_door_hours"], r["flight_door_hours"]) == pytest.approx((3.08, 3.23))
    assert r["time_change_hours"] == pytest.approx((3.08 - 3.23) * 4)
    assert r["time_source"].startswith("route table (measured, 2024): KTH Järnvägsgruppen and SJ")


def test_without_agency_figures_the_route_tables_fares_are_used() -> None:
    """Stockholm–Umeå (550 km as flown, so listed): no costs in the trips; the table's fares
    (train 1 296, flight 915 kr, summer 2023) give (1296 − 915) × 1 = 381 SEK; times 6.2 +
    0.25 and 1.0 + 2.0 h."""
    rows = [{"date": "2023-04-01", "mode": "Flyg", "origin": "ARN", "destination": "UME"}]
    listed = TravelSettings(baseline_year=2023, train_routes=("STO-UME",))
    r = train_instead_of_flight(_analysis(rows), settings=listed)["routes"].iloc[0]
    assert r["route"] == "STO–UME"
    assert r["cost_change_sek"] == pytest.approx(1296 - 915)
    assert r["rail_cost_source"].startswith("route table (approximation, 2023)")
    assert r["flight_cost_source"].startswith("route table (approximation, 2023)")
    assert r["time_change_hours"] == pytest.approx(6.45 - 3.0)


def test_a_route_without_any_figure_says_so() -> None:
    rows = [{"date": "2023-04-01", "mode": "Flyg", "origin": "GOT", "destination": "OSL"}]
    r = train_instead_of_flight(_analysis(rows))["routes"].iloc[0]
    assert r["route"] == "GOT–OSL"
    assert pd.isna(r["cost_change_sek"])
    assert r["rail_cost_source"] == r["flight_cost_source"] == "no figure"
    assert r["time_change_hours"] == pytest.approx(4.15 - 2.92)


def test_a_users_route_file_overrides_the_agency_and_the_table() -> None:
    figures = pd.DataFrame(
        {"route": ["GOT-STO"], "train_cost_sek": [400.0], "train_hours": [3.5],
         "flight_hours": [3.0]}
    )  # fmt: skip
    r = train_instead_of_flight(_analysis(STO_GOT), figures)["routes"].iloc[0]
    assert r["cost_change_sek"] == pytest.approx(400 * 4 - 6200)
    assert r["rail_cost_source"] == r["time_source"] == "your route file"
    assert r["time_change_hours"] == pytest.approx(0.5 * 4)


def test_the_route_table_has_a_source_and_quality_on_every_row() -> None:
    table = route_table()
    assert {"GOT–STO", "STO–UME", "OSL–STO", "OSD–STO", "MMA–STO", "CPH–STO"} <= set(table.index)
    assert set(table["quality"]) <= {"measured", "published", "approximation"}
    assert (table["source"].str.len() > 20).all()
    assert (table["rail_door_hours"] > 0).all()
    approximations = table[table["quality"] == "approximation"]
    assert approximations["note"].str.contains("APPROXIMATION").all()


def test_the_payload_says_it_is_a_comparison() -> None:
    doc = travel_payload(summarise_travel(_analysis(STO_GOT)))["what_if"]
    about = doc["train_instead_of_flight"]["about"]
    assert about.startswith("a comparison of two ways to travel") and "not a verdict" in about
    route = doc["train_instead_of_flight"]["routes"][0]
    assert {"rail_cost_source", "flight_cost_source", "time_source", "rail_cost_n"} <= set(route)
