"""The travel engine: trip emissions with their trail, per FTE, the goal, the path, the forecast."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from travel_fixtures import fte_frame, trips_frame

from spendanalys.errors import ConfigurationError
from spendanalys.travel.analysis import TravelSettings, analyse_travel
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.trips import trip_emissions
from spendanalys.travel.yearly import fte_per_year

SWEDISH = load_travel_factor_set()
DESNZ = load_travel_factor_set("desnz_2025")


def test_golden_per_fte() -> None:
    """Worked by hand (also in spendanalys/travel/analysis.py's docstring), Swedish default set, RF on.

    2019: ARN–GOT economy round trip, 1 traveller: great circle 393.86 km × 1.08 = 425.37 km one
    way, × 2 legs = 850.74 pkm, domestic band, 0.22928 (DESNZ domestic with RF) + 0.03350 (WTT)
    = 0.26278 kg/pkm -> 223.56 kg. Car 100 km: 0.167 kg/vkm -> 16.70 kg. 240.26 kg / 2 FTE =
    120.13 kg/FTE. 2020: rail 500 km × 2 travellers = 1000 pkm × 0.007 = 7.00 kg / 2 FTE = 3.50.
    Target 120.13 × 0.75 = 90.10; path 2020 = 120.13 × (1 − 0.25/6) = 115.12.
    """
    trips = trips_frame(
        [
            {
                "date": "2019-03-01",
                "mode": "Flyg",
                "origin": "ARN",
                "destination": "GOT",
                "round_trip": True,
            },
            {"date": "2019-04-01", "mode": "Bil", "distance_km": 100},
            {"date": "2020-05-01", "mode": "Tåg", "distance_km": 500, "travellers": 2},
        ]
    )
    a = analyse_travel(trips, fte_frame({2019: 2, 2020: 2}), SWEDISH, TravelSettings())
    flight = a.trips.iloc[0]
    assert flight["great_circle_km"] == pytest.approx(393.86, abs=0.01)
    assert flight["distance_km"] == pytest.approx(425.37, abs=0.01)
    assert flight["activity"] == pytest.approx(850.74, abs=0.01)
    assert (flight["band"], flight["cabin"], bool(flight["cabin_assumed"])) == (
        "domestic",
        "economy",
        True,
    )
    assert flight["kg_co2e_per_unit"] == pytest.approx(0.26278)
    assert flight["kg_co2e"] == pytest.approx(223.56, abs=0.01)
    assert "Domestic to/from UK" in flight["factor_source"]
    assert flight["factor_row"] == "sweden_default_2025 row 5"  # the physical line in the file
    years = a.years.set_index("year")
    assert years.at[2019, "kg_co2e"] == pytest.approx(240.26, abs=0.01)
    assert years.at[2019, "kg_co2e_per_fte"] == pytest.approx(120.13, abs=0.01)
    assert years.at[2019, "kg_co2e_car"] == pytest.approx(16.70)
    assert years.at[2020, "kg_co2e_per_fte"] == pytest.approx(3.50)
    assert a.baseline["kg_co2e_per_fte"] == pytest.approx(120.13, abs=0.01)
    assert a.target == pytest.approx(
        {"year": 2025, "reduction": 0.25, "kg_co2e_per_fte": 90.10}, abs=0.01
    )
    path = a.path.set_index("year")
    assert path.at[2020, "path_kg_co2e_per_fte"] == pytest.approx(115.12, abs=0.01)
    assert path.at[2025, "path_kg_co2e_per_fte"] == pytest.approx(90.10, abs=0.01)
    assert path.at[2020, "status"] == "on or below the path"
    assert path.at[2020, "change_vs_baseline"] == pytest.approx(3.50 / 120.13 - 1, abs=1e-4)
    assert a.rejected == []


def test_radiative_forcing_switch_and_desnz_economy() -> None:
    trips = trips_frame(
        [
            {
                "date": "2019-01-10",
                "mode": "flight",
                "origin": "ARN",
                "destination": "JFK",
                "cabin": "Ekonomi",
            }
        ]
    )
    with_rf, _ = trip_emissions(trips, DESNZ, radiative_forcing=True)
    without, _ = trip_emissions(trips, DESNZ, radiative_forcing=False)
    km = 6291.96 * 1.08
    assert with_rf["band"].iloc[0] == "long"
    assert with_rf["kg_co2e"].iloc[0] == pytest.approx(km * 0.11704, rel=1e-4)
    assert without["kg_co2e"].iloc[0] == pytest.approx(km * 0.06926, rel=1e-4)


@pytest.mark.parametrize(
    ("mode", "cabin", "band", "factor"),
    [("Flyg", "Business", "short", 0.18863), ("Flyg", "Premium", "short", 0.12786),
     ("Flyg", "Första klass", "short", 0.12786), ("flight", "economy", "short", 0.12576)],
)  # fmt: skip
def test_cabin_rows_and_band_average_fallback(
    mode: str, cabin: str, band: str, factor: float
) -> None:
    """DESNZ has no short-haul premium or first row: the band's average row prices them."""
    trips = trips_frame(
        [
            {
                "date": "2023-02-01",
                "mode": mode,
                "origin": "ARN",
                "destination": "BRU",
                "cabin": cabin,
            }
        ]
    )
    lines, rejected = trip_emissions(trips, DESNZ)
    assert rejected == []
    assert (lines["band"].iloc[0], lines["kg_co2e_per_unit"].iloc[0]) == (
        band,
        pytest.approx(factor),
    )


def test_given_distance_is_used_without_uplift_and_travellers_multiply() -> None:
    trips = trips_frame(
        [
            {
                "date": "2023-02-01",
                "mode": "Flyg",
                "origin": "ARN",
                "destination": "GOT",
                "distance_km": 400,
                "travellers": 3,
            },
            {"date": "2023-02-01", "mode": "Flyg", "distance_km": 5000},
        ]
    )
    lines, rejected = trip_emissions(trips, DESNZ)
    assert rejected == []
    assert lines["distance_km"].tolist() == [400.0, 5000.0]
    assert lines["distance_basis"].iloc[0] == "as given in the file"
    assert lines["activity"].iloc[0] == pytest.approx(1200.0)
    assert lines["band"].tolist() == ["domestic", "long"]  # airports band it; without, its length


def test_car_taxi_share_the_vehicle_hotel_per_room_night() -> None:
    trips = trips_frame(
        [
            {
                "date": "2023-01-01",
                "mode": "Hyrbil",
                "distance_km": 200,
                "travellers": 3,
                "round_trip": True,
            },
            {"date": "2023-01-01", "mode": "Taxi", "distance_km": 20, "travellers": 2},
            {"date": "2023-01-01", "mode": "Taxi", "cost_sek": 500},
            {
                "date": "2023-01-01",
                "mode": "Hotell",
                "destination": "DE",
                "hotel_nights": 2,
                "travellers": 2,
            },
            {
                "date": "2023-01-01",
                "mode": "Tåg",
                "destination": "CDG",
                "distance_km": 300,
                "hotel_nights": 1,
            },
            {"date": "2023-01-01", "mode": "Buss", "distance_km": 50, "travellers": 4},
        ]
    )
    lines, rejected = trip_emissions(trips, SWEDISH)
    assert rejected == []
    by_row = {(r.source_row, r.component): r for r in lines.itertuples()}
    assert by_row[(2, "travel")].activity == 400 and by_row[(2, "travel")].kg_co2e == pytest.approx(
        400 * 0.167
    )
    assert by_row[(3, "travel")].kg_co2e == pytest.approx(20 * 0.20806)
    assert by_row[(4, "travel")].activity_unit == "SEK" and by_row[
        (4, "travel")
    ].kg_co2e == pytest.approx(500 * 0.0139)
    assert by_row[(5, "travel")].kg_co2e == pytest.approx(4 * 13.2)  # 2 nights × 2 rooms, Germany
    assert by_row[(6, "hotel")].kg_co2e == pytest.approx(6.7)  # hotel night on a rail row, France
    assert by_row[(7, "travel")].kg_co2e == pytest.approx(200 * 0.10385)


def test_unknown_vocabulary_and_codes_are_rejected_with_reasons() -> None:
    trips = trips_frame(
        [
            {"date": "2023-01-01", "mode": "Raket", "distance_km": 10},
            {"date": "2023-01-01", "mode": "Flyg", "origin": "ARN", "destination": "QQQ"},
            {
                "date": "2023-01-01",
                "mode": "Flyg",
                "origin": "ARN",
                "destination": "GOT",
                "cabin": "Sovvagn",
            },
            {"date": "2023-01-01", "mode": "Tåg"},
            {"date": None, "mode": "Tåg", "distance_km": 10},
            {"date": "2023-01-01", "mode": "Flyg", "origin": "ARN", "destination": "ARN"},
            {"date": "2023-01-01", "mode": "Tåg", "distance_km": 10, "travellers": 0},
            {
                "date": "2023-01-01",
                "mode": "Taxi",
                "cost_sek": 200,
            },  # DESNZ has no per-SEK taxi factor
            {"date": "2023-01-01", "mode": "Flyg", "origin": "STO", "destination": "GOT"},
        ]
    )
    lines, rejected = trip_emissions(trips, DESNZ)
    reasons = {r.row: (r.column, r.reason) for r in rejected}
    assert reasons[2] == (
        "mode",
        "mode 'Raket' is not a known travel mode (flight, rail, car, taxi, bus, hotel)",
    )
    assert (
        reasons[3][0] == "destination"
        and "'QQQ' is not a known IATA airport or city code" in reasons[3][1]
    )
    assert reasons[4][0] == "cabin" and "Sovvagn" in reasons[4][1]
    assert reasons[5] == ("distance_km", "no distance (km) for a rail trip")
    assert reasons[6][0] == "date"
    assert reasons[7][1] == "origin and destination are the same airport"
    assert reasons[8][0] == "travellers"
    assert reasons[9][0] == "mode" and "no factor for taxi per SEK" in reasons[9][1]
    assert lines["source_row"].tolist() == [10]
    assert all(r.file == "resor.csv" for r in rejected)


def test_fte_per_unit_is_summed_when_no_total_row() -> None:
    fte = pd.concat(
        [
            fte_frame({2019: 10, 2020: 12}, unit="A"),
            fte_frame({2019: 5}, unit="B"),
            fte_frame({2020: 30}),
        ]
    )
    assert fte_per_year(fte).to_dict() == {2019: 15.0, 2020: 30.0}


def test_forecast_is_a_linear_trend_of_the_last_three_years() -> None:
    trips = trips_frame(
        [
            {"date": f"{y}-06-01", "mode": "Tåg", "distance_km": km}
            for y, km in [(2019, 10000), (2021, 9000), (2022, 8000), (2023, 7000)]
        ]
    )
    a = analyse_travel(trips, fte_frame({2019: 1, 2021: 1, 2022: 1, 2023: 1}), SWEDISH)
    assert a.forecast is not None
    assert a.forecast["years_used"] == [2021, 2022, 2023]
    assert a.forecast["kg_co2e_per_fte"] == pytest.approx(0.007 * 5000)
    assert "forecast" in a.forecast["method"]


def test_baseline_without_data_is_a_configuration_error() -> None:
    trips = trips_frame([{"date": "2022-06-01", "mode": "Tåg", "distance_km": 10}])
    with pytest.raises(ConfigurationError, match="baseline year 2019"):
        analyse_travel(trips, fte_frame({2022: 1}), SWEDISH)
    with pytest.raises(ConfigurationError):
        TravelSettings(baseline_year=2025, target_year=2019)


def test_missing_fte_year_gives_no_per_fte_and_a_note() -> None:
    trips = trips_frame(
        [{"date": f"{y}-06-01", "mode": "Tåg", "distance_km": 100} for y in (2019, 2020)]
    )
    a = analyse_travel(trips, fte_frame({2019: 1}), SWEDISH)
    assert np.isnan(a.years.set_index("year").at[2020, "kg_co2e_per_fte"])
    assert any("no FTE" in n for n in a.notes)


def test_hundred_thousand_trips_run_fast() -> None:
    """100,000 trips. Target: well under 2 s on an idle machine. The bound is on this process's
    CPU time and loosened to 4 s because the test machine is shared (two cores, parallel jobs)."""
    rng = np.random.default_rng(7)
    n = 100_000
    codes = np.array(
        ["ARN", "GOT", "LLA", "STO", "LON", "BRU", "JFK", "CPH", "OSL", "PAR", "UME", "MMX"]
    )
    modes = np.array(["Flyg", "Tåg", "Bil", "Taxi", "Buss", "Hotell"])
    trips = pd.DataFrame(
        {
            "date": pd.to_datetime("2019-01-01")
            + pd.to_timedelta(rng.integers(0, 6 * 365, n), unit="D"),
            "mode": pd.array(rng.choice(modes, n), dtype="string"),
            "origin": pd.array(rng.choice(codes, n), dtype="string"),
            "destination": pd.array(rng.choice(codes, n), dtype="string"),
            "distance_km": rng.uniform(10, 800, n),
            "travellers": pd.array(rng.integers(1, 3, n), dtype="Int64"),
            "cabin": pd.array(rng.choice(["Ekonomi", "Business", None], n), dtype="string"),
            "round_trip": pd.array(rng.choice([True, False], n), dtype="boolean"),
            "unit": pd.array(rng.choice(list("ABCDE"), n), dtype="string"),
            "gender": pd.array(rng.choice(["Kvinna", "Man"], n), dtype="string"),
            "cost_sek": rng.uniform(100, 5000, n),
            "hotel_nights": rng.choice([0.0, 1.0, 2.0], n),
            "source_file": "big.csv",
            "source_row": np.arange(2, n + 2),
        }
    )
    trips.loc[trips["mode"] == "Flyg", "distance_km"] = np.nan
    fte = fte_frame(dict.fromkeys(range(2019, 2025), 500.0))
    analyse_travel(trips.head(100), fte, SWEDISH)  # warm the airport table
    start = time.process_time()
    a = analyse_travel(trips, fte, SWEDISH)
    elapsed = time.process_time() - start
    assert len(a.trips) > n
    assert elapsed < 4.0, f"{elapsed:.2f} s"
