"""Cars by fuel: the optional fuel column (Drivmedel) picks the car row of that fuel; a fuel
not known, or one the set has no row for, prices as the average car, with a note and the count."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from travel_fixtures import fte_frame, trips_frame

from spendanalys.io import read_trips
from spendanalys.travel.analysis import TravelSettings, analyse_travel
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.trips import trip_emissions
from spendanalys.travel.vocab import FUELS, normalise_mode

SWEDISH = load_travel_factor_set()
DESNZ = load_travel_factor_set("desnz_2025")


def _fuels(values: list[str | None]) -> pd.arrays.StringArray:
    return pd.array(values, dtype="string")


def _cars(fuels: list[str | None], mode: str = "Bil") -> pd.DataFrame:
    """Car trips of 100 km, one per fuel as written."""
    frame = trips_frame([{"date": "2023-03-01", "mode": mode, "distance_km": 100} for _ in fuels])
    frame["fuel"] = _fuels(fuels)
    return frame


@pytest.mark.parametrize(
    ("written", "g_per_vkm"),
    [("Bensin", 167), ("petrol", 167), ("Diesel", 137), ("El", 14), ("Elbil", 14),
     ("BEV", 14), ("Laddhybrid", 107), ("Plug-in hybrid", 107), ("PHEV", 107),
     ("Hybrid", 132), ("Elhybrid", 132), ("E85", 74), ("Etanol", 74), ("ethanol", 74),
     ("Biogas", 27), ("Fordonsgas", 27), ("HVO", 37), ("HVO100", 37), (None, 167), ("", 167)],
)  # fmt: skip
def test_each_fuel_gets_its_swedish_factor(written: str | None, g_per_vkm: float) -> None:
    """100 vkm × the klimatresa.se medium-car value of the fuel (hybrid and plug-in hybrid are
    the data file's stated approximations); blank = the average car, 167 g/vkm."""
    lines, rejected = trip_emissions(_cars([written]), SWEDISH)
    assert rejected == []
    assert lines["kg_co2e"].iloc[0] == pytest.approx(g_per_vkm / 10)


def test_an_unknown_fuel_uses_the_average_car_with_a_note_and_the_count() -> None:
    trips = _cars(["Vätgas", "Vätgas", "El", "Ved", None])
    a = analyse_travel(trips, fte_frame({2023: 1}), SWEDISH, TravelSettings(baseline_year=2023))
    kg = list(a.trips["kg_co2e"])
    assert kg == pytest.approx([16.7, 16.7, 1.4, 16.7, 16.7])
    assert list(a.trips["variant"]) == ["", "", "electric", "", ""]
    notes = [n for n in a.notes if "fuel not known" in n]
    assert notes == [
        "3 car row(s) with a fuel not known ('Vätgas' ×2, 'Ved'): priced as the average car "
        "(the factor set's car row without a fuel)"
    ]
    assert a.rejected == []


def test_a_fuel_the_set_has_no_row_for_is_noted() -> None:
    """DESNZ (UK) has no E85, biogas or HVO car: the average car (0.16725 kg/vkm) prices them."""
    a = analyse_travel(
        _cars(["E85", "Biogas", "Diesel"]),
        fte_frame({2023: 1}),
        DESNZ,
        TravelSettings(baseline_year=2023),
    )
    assert list(a.trips["kg_co2e"]) == pytest.approx([16.725, 16.725, 17.304])
    assert list(a.trips["factor_variant"]) == ["", "", "diesel"]
    assert [n for n in a.notes if "has no row for" in n] == [
        "2 car row(s) with a fuel the factor set desnz_2025 has no row for ('e85', 'biogas'): "
        "priced as its average car"
    ]


def test_rental_and_fleet_cars_use_the_fuel_too_and_taxi_ignores_it() -> None:
    trips = trips_frame(
        [
            {"date": "2023-03-01", "mode": m, "distance_km": 100}
            for m in ("Hyrbil", "Tjänstebil", "Taxi")
        ]
    )
    trips["fuel"] = _fuels(["El", "HVO", "El"])
    lines, _ = trip_emissions(trips, SWEDISH)
    assert list(lines["kg_co2e"]) == pytest.approx([1.4, 3.7, 100 * 0.20806])


def test_every_fuel_has_a_row_in_the_swedish_set_with_a_source() -> None:
    cars = SWEDISH.table[SWEDISH.table["mode"] == "car"].set_index("variant")
    assert set(FUELS) <= set(cars.index)
    assert (cars["basis"] == "vkm").all()
    assert cars.loc[list(FUELS), "source"].str.len().min() > 20
    approximations = cars[cars["note"].str.contains("APPROXIMATION")].index
    assert set(approximations) == {"hybrid", "plug_in_hybrid"}
    assert normalise_mode("Förmånsbil") == "car"


@pytest.mark.parametrize("header", ["Drivmedel", "Bränsle", "Fuel", "fuel type"])
def test_the_fuel_column_is_read_from_its_synonyms(tmp_path: Path, header: str) -> None:
    path = tmp_path / "resor.csv"
    path.write_text(
        f"Resedatum;Färdsätt;Avstånd (km);{header}\n2023-03-01;Bil;100;Diesel\n"
        "2023-03-02;Bil;100;\n",
        encoding="utf-8",
    )
    result = read_trips(path)
    assert list(result.table["fuel"].astype(object).fillna("")) == ["Diesel", ""]
    lines, _ = trip_emissions(result.table, SWEDISH)
    assert list(lines["kg_co2e"]) == pytest.approx([13.7, 16.7])
