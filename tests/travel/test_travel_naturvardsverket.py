"""Naturvårdsverket's yearly figures: tonnes and km per mode, flights split at 500 km, car by
kind, hotel nights apart, and the --hotels choice on the headline."""

from __future__ import annotations

import pytest
from travel_fixtures import fte_frame, trips_frame

from spendanalys.travel.analysis import TravelSettings, analyse_travel
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.naturvardsverket import (
    CATEGORIES,
    naturvardsverket_payload,
    naturvardsverket_table,
)
from spendanalys.travel.summary import summarise_travel, travel_payload
from spendanalys.travel.whatif import decompose_change

SWEDISH = load_travel_factor_set()

# One year, every category once; the hand-worked figures are in test_hand_worked_year.
ROWS = [
    {"date": "2023-02-01", "mode": "Flyg", "origin": "ARN", "destination": "GOT",
     "cabin": "Ekonomi", "round_trip": True},
    {"date": "2023-03-01", "mode": "Flyg", "distance_km": 600, "travellers": 2},
    {"date": "2023-04-01", "mode": "Tåg", "distance_km": 455, "round_trip": True},
    {"date": "2023-05-01", "mode": "Egen bil", "distance_km": 100, "travellers": 2,
     "round_trip": True},
    {"date": "2023-05-02", "mode": "Hyrbil", "distance_km": 50},
    {"date": "2023-05-03", "mode": "Bil", "distance_km": 30},
    {"date": "2023-05-04", "mode": "Tjänstebil", "distance_km": 10},
    {"date": "2023-06-01", "mode": "Taxi", "distance_km": 20, "travellers": 3},
    {"date": "2023-06-01", "mode": "Taxi", "cost_sek": 300},
    {"date": "2023-06-02", "mode": "Hotell", "destination": "FRA", "hotel_nights": 2},
]  # fmt: skip


def _analysis(include_hotels: bool = True):  # type: ignore[no-untyped-def]
    settings = TravelSettings(baseline_year=2023, include_hotels=include_hotels)
    return analyse_travel(trips_frame(ROWS), fte_frame({2023: 10}), SWEDISH, settings)


def test_hand_worked_year() -> None:
    """Worked by hand, Swedish default set, RF on, uplift 0.08:

    - ARN–GOT economy, round trip: great circle 393.86 km × 1.08 = 425.37 km one way (< 500:
      under 500 km); 850.74 pkm × 0.26278 (DESNZ domestic with RF + WTT) = 223.56 kg.
    - a flight of 600 km as written, 2 travellers, no airports: short band by its length,
      economy assumed; 1200 pkm × 0.14825 = 177.90 kg; 500 km and over.
    - rail 455 km round trip: 910 pkm × 0.007 = 6.37 kg.
    - Egen bil 100 km round trip, 2 travellers: 200 vkm (they share the car) × 0.167 = 33.40 kg.
    - Hyrbil 50 vkm = 8.35 kg; Bil 30 vkm = 5.01 kg (kind not stated); Tjänstebil 10 vkm = 1.67 kg.
    - Taxi 20 km, 3 travellers: 20 vkm × 0.20806 = 4.16 kg; taxi by cost 300 SEK × 0.0139 =
      4.17 kg, no km. Taxi: 8.33 kg, 20 vkm.
    - Hotel at FRA (Germany): 2 room-nights × 13.2 = 26.40 kg.
    Total 223.56 + 177.90 + 6.37 + 33.40 + 8.35 + 5.01 + 1.67 + 8.33 + 26.40 = 490.99 kg =
    0.49099 t; without the hotel 464.59 kg; FTE 10.
    """
    table = naturvardsverket_table(_analysis().trips).set_index("category")
    assert list(table.index) == list(CATEGORIES)
    expected = {
        "flight_under_500": (223.56, 850.74, "pkm", 1),
        "flight_500_and_over": (177.90, 1200.0, "pkm", 2),
        "rail": (6.37, 910.0, "pkm", 1),
        "bus": (0.0, 0.0, "pkm", 0),
        "car_own": (33.40, 200.0, "vkm", 2),
        "car_rental": (8.35, 50.0, "vkm", 1),
        "car_fleet": (1.67, 10.0, "vkm", 1),
        "car_unspecified": (5.01, 30.0, "vkm", 1),
        "taxi": (8.33, 20.0, "vkm", 4),
    }
    for category, (kg, km, unit, trips) in expected.items():
        row = table.loc[category]
        assert row["kg_co2e"] == pytest.approx(kg, abs=0.01), category
        assert row["t_co2e"] == pytest.approx(kg / 1000, abs=1e-5), category
        assert row["km"] == pytest.approx(km, abs=0.01), category
        assert (row["km_unit"], row["traveller_trips"]) == (unit, trips), category
    assert table.at["taxi", "lines_without_km"] == 1
    hotel = table.loc["hotel"]
    assert (hotel["kg_co2e"], hotel["km"], hotel["km_unit"]) == (
        pytest.approx(26.40),
        2.0,
        "night",
    )
    assert table["kg_co2e"].sum() == pytest.approx(490.99, abs=0.01)


@pytest.mark.parametrize(
    ("include_hotels", "kg", "stated"), [(True, 490.99, "included"), (False, 464.59, "excluded")]
)
def test_hotels_choice_moves_the_headline_and_is_stated(
    include_hotels: bool, kg: float, stated: str
) -> None:
    a = _analysis(include_hotels)
    year = a.years.set_index("year").loc[2023]
    assert year["kg_co2e"] == pytest.approx(kg, abs=0.01)
    assert year["kg_co2e_per_fte"] == pytest.approx(kg / 10, abs=0.001)
    assert year["kg_co2e_hotel"] == pytest.approx(26.40)  # reported apart either way
    assert a.baseline["kg_co2e_per_fte"] == pytest.approx(kg / 10, abs=0.001)
    payload = travel_payload(summarise_travel(a))
    assert payload["years"][0]["hotels"] == payload["baseline"]["hotels"] == stated
    assert payload["target"]["hotels"] == stated
    nv = payload["naturvardsverket"]
    assert nv["hotels"] == stated
    assert nv["factor_set"] == "sweden_default_2025" and nv["radiative_forcing"] is True
    nv_year = nv["years"][0]
    assert nv_year["t_co2e"] == pytest.approx(kg / 1000, abs=1e-5)
    assert nv_year["t_co2e_hotel"] == pytest.approx(0.0264)
    assert nv_year["t_co2e_transport"] == pytest.approx(0.46459, abs=1e-5)
    assert nv_year["hotels"] == stated
    assert any(("hotel nights: not included" in n) != include_hotels for n in a.notes)


def test_activity_per_year_pkm_and_vkm() -> None:
    payload = travel_payload(summarise_travel(_analysis()))
    year = payload["years"][0]
    assert year["pkm_by_mode"] == pytest.approx(
        {"flight": 2050.74, "rail": 910.0, "bus": 0.0}, abs=0.01
    )
    # vehicle-km for car and taxi: the taxi known only by cost adds none
    assert year["vkm_by_mode"] == pytest.approx({"car": 290.0, "taxi": 20.0})
    assert year["hotel_nights"] == 2.0


def test_a_year_without_trips_has_no_activity_figures() -> None:
    a = analyse_travel(
        trips_frame([{"date": "2023-04-01", "mode": "Tåg", "distance_km": 100}]),
        fte_frame({2022: 5, 2023: 5}),
        SWEDISH,
        TravelSettings(baseline_year=2023, target_year=2025),
    )
    years = a.years.set_index("year")
    assert years.at[2023, "pkm_rail"] == 100.0
    assert years[["pkm_rail", "vkm_car", "hotel_nights"]].loc[2022].isna().all()
    assert [y["year"] for y in naturvardsverket_payload(a)["years"]] == [2023]


def test_without_hotels_the_decomposition_has_no_hotel_term() -> None:
    rows = [
        {"date": "2022-02-01", "mode": "Tåg", "distance_km": 400},
        {"date": "2022-02-01", "mode": "Hotell", "destination": "FRA", "hotel_nights": 1},
        {"date": "2023-02-01", "mode": "Tåg", "distance_km": 200},
        {"date": "2023-02-01", "mode": "Hotell", "destination": "FRA", "hotel_nights": 5},
    ]
    for include, hotel_term in ((True, (5 - 1) * 13.2 / 2), (False, 0.0)):
        a = analyse_travel(
            trips_frame(rows),
            fte_frame({2022: 2, 2023: 2}),
            SWEDISH,
            TravelSettings(baseline_year=2022, target_year=2025, include_hotels=include),
        )
        d = decompose_change(a, 2022, 2023)
        assert d["effects"]["hotel"] == pytest.approx(hotel_term)
        assert sum(d["effects"].values()) == pytest.approx(d["total_change"])
