"""Travel factor sets: the built-in sets load, user files load, bad files fail with the row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from spendanalys.errors import FactorError
from spendanalys.travel.factors import (
    BUILTIN_SETS,
    ENGINE_UNITS,
    FACTOR_DIR,
    _to_engine_unit,
    load_travel_factor_set,
)


@pytest.mark.parametrize("name", BUILTIN_SETS)
def test_builtin_sets_load_and_every_row_cites_a_source(name: str) -> None:
    factors = load_travel_factor_set(name)
    table = factors.table
    assert (table["source"].str.len() > 10).all()
    assert set(table["mode"]) == {"flight", "rail", "car", "taxi", "bus", "hotel"}
    flights = table[(table["mode"] == "flight") & (table["variant"] == "")]
    # Each band has an average (empty-cabin) row with and without RF, so any cabin is priced.
    for band in ("domestic", "short", "long"):
        for rf in ("yes", "no"):
            assert (
                len(
                    flights[
                        (flights["band"] == band)
                        & (flights["cabin"] == "")
                        & (flights["radiative_forcing"] == rf)
                    ]
                )
                == 1
            )


def test_default_is_the_swedish_set() -> None:
    assert load_travel_factor_set().name == "sweden_default_2025"


def test_desnz_values_as_published() -> None:
    t = load_travel_factor_set("desnz_2025").table.set_index("factor_id")
    # DESNZ 2025 flat file IDs (reference notes §2.1).
    assert t.at["21_316_3164_11_1", "kg_co2e_per_unit"] == pytest.approx(0.12576)
    assert t.at["21_316_3174_11_1", "kg_co2e_per_unit"] == pytest.approx(0.33940)
    assert t.at["21_316_3160_11_1", "kg_co2e_per_unit"] == pytest.approx(0.22928)


def test_swedish_flights_are_desnz_with_rf_plus_wtt() -> None:
    t = load_travel_factor_set().table
    row = t[
        (t["mode"] == "flight")
        & (t["band"] == "long")
        & (t["cabin"] == "economy")
        & (t["radiative_forcing"] == "yes")
    ]
    assert float(row["kg_co2e_per_unit"].iloc[0]) == pytest.approx(0.11704 + 0.02461)


def test_units_are_converted_to_engine_units() -> None:
    t = load_travel_factor_set().table
    rail = t[(t["mode"] == "rail") & (t["variant"] == "")]
    assert rail["unit"].iloc[0] == "g CO2e/pkm"
    assert float(rail["kg_co2e_per_unit"].iloc[0]) == pytest.approx(0.007)
    assert set(t.loc[t["mode"] == "taxi", "basis"]) == {"vkm", "SEK"}


def test_minimal_user_file_with_swedish_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "mina_faktorer.csv"
    path.write_text(
        "mode,band,cabin,factor,unit,source\n"
        "Flyg,inrikes,,0.2,kg CO2e/pkm,Naturvårdsverket schablon (example)\n"
        "Flyg,short,Ekonomi,150,g CO2e/pkm,example\n"
        "Tåg,,,0.0033,g CO2e/pkm,SJ\n"
        "Taxi,,,12,g CO2e/SEK,example per-SEK\n"
        "Hotell,,,5,kg CO2e/night,example\n",
        encoding="utf-8",
    )
    factors = load_travel_factor_set(path)
    t = factors.table
    assert factors.name == "mina_faktorer"
    assert list(t["mode"]) == ["flight", "flight", "rail", "taxi", "hotel"]
    assert list(t["band"][:2]) == ["domestic", "short"]
    assert t["cabin"].iloc[1] == "economy"
    assert t["kg_co2e_per_unit"].iloc[1] == pytest.approx(0.15)
    assert t["kg_co2e_per_unit"].iloc[3] == pytest.approx(0.012)
    assert t["radiative_forcing"].iloc[0] == ""  # applies with and without RF
    assert t["factor_id"].iloc[2] == "mina_faktorer:4"


@pytest.mark.parametrize(
    ("line", "reason"),
    [("Raket,,,1,kg CO2e/pkm,x", "mode 'Raket'"),
     ("flight,medium,,1,kg CO2e/pkm,x", "band 'medium'"),
     ("flight,short,sleeper,1,kg CO2e/pkm,x", "cabin 'sleeper'"),
     ("rail,,,abc,kg CO2e/pkm,x", "not a number"),
     ("rail,,,-1,kg CO2e/pkm,x", "≥ 0"),
     ("rail,,,1,kg/pkm,x", "unit"),
     ("car,,,1,kg CO2e/pkm,x", "does not fit mode car"),
     ("rail,,,1,kg CO2e/pkm,", "source")],
)  # fmt: skip
def test_bad_rows_raise_factor_error_with_row(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "mode,band,cabin,factor,unit,source\nbus,,,0.1,kg CO2e/pkm,ok\n" + line + "\n",
        encoding="utf-8",
    )
    with pytest.raises(FactorError) as info:
        load_travel_factor_set(path)
    assert info.value.row == 3
    assert reason in info.value.reason
    assert str(path) in str(info.value)


def test_duplicate_keys_and_missing_columns(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text(
        "mode,band,cabin,factor,unit,source\nrail,,,1,g CO2e/pkm,a\nTåg,,,2,g CO2e/pkm,b\n",
        encoding="utf-8",
    )
    with pytest.raises(FactorError, match="duplicate"):
        load_travel_factor_set(dup)
    short = tmp_path / "short.csv"
    short.write_text("mode,factor,unit\nrail,1,g CO2e/pkm\n", encoding="utf-8")
    with pytest.raises(FactorError, match="missing column"):
        load_travel_factor_set(short)


def test_factor_files_live_in_emission_factors() -> None:
    assert (FACTOR_DIR / "README.md").is_file()
    for name in BUILTIN_SETS:
        assert (FACTOR_DIR / f"{name}.csv").is_file()


@pytest.mark.parametrize("name", BUILTIN_SETS)
def test_row_numbers_are_physical_lines(name: str) -> None:
    """Provenance '#' lines are skipped, yet every factor's row is its line in the file."""
    factors = load_travel_factor_set(name)
    lines = (FACTOR_DIR / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")
    table = factors.table
    for row, mode, value in zip(table["row"], table["mode"], table["factor"], strict=True):
        line = lines[row - 1]
        assert f",{mode}," in line
        assert f"{value:g}" in line


UNIT_TRIPS = [
    {"date": "2023-03-01", "mode": "Bil", "distance_km": 120, "travellers": 3, "round_trip": True},
    {"date": "2023-03-02", "mode": "Taxi", "distance_km": 18, "travellers": 2},
    {"date": "2023-03-03", "mode": "Tåg", "distance_km": 455, "travellers": 2},
    {"date": "2023-03-04", "mode": "Buss", "distance_km": 60},
]  # fmt: skip


def _unit_file(tmp_path: Path, name: str, road: str, passenger: str) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text(
        "mode,band,cabin,factor,unit,source\n"
        f"car,,,0.167,kg CO2e/{road},example\n"
        f"taxi,,,208.06,g CO2e/{road},example\n"
        f"rail,,,7,g CO2e/{passenger},example\n"
        f"bus,,,0.10385,kg CO2e/{passenger},example\n",
        encoding="utf-8",
    )
    return path


def test_per_km_means_vehicle_km_for_car_and_taxi_and_passenger_km_for_the_others(
    tmp_path: Path,
) -> None:
    """Factor tables write 'kg CO2e/km': for car and taxi that is per vehicle-km (the travellers
    share the vehicle), for rail and bus per passenger-km. Both files give the same figures:
    car 240 vkm × 0.167 = 40.08 kg; taxi 18 vkm × 0.20806 = 3.745 kg; rail 910 pkm × 0.007 =
    6.37 kg; bus 60 pkm × 0.10385 = 6.231 kg."""
    from travel_fixtures import trips_frame

    from spendanalys.travel.trips import trip_emissions

    per_km = load_travel_factor_set(_unit_file(tmp_path, "per_km", "km", "km"))
    explicit = load_travel_factor_set(_unit_file(tmp_path, "explicit", "vkm", "pkm"))
    assert list(per_km.table["basis"]) == list(explicit.table["basis"]) == [
        "vkm", "vkm", "pkm", "pkm",
    ]  # fmt: skip
    assert list(per_km.table["km_read_as"]) == ["vkm", "vkm", "pkm", "pkm"]
    assert set(explicit.table["km_read_as"]) == {""}
    a, _ = trip_emissions(trips_frame(UNIT_TRIPS), per_km)
    b, _ = trip_emissions(trips_frame(UNIT_TRIPS), explicit)
    assert list(a["kg_co2e"]) == pytest.approx(list(b["kg_co2e"]))
    assert list(a["kg_co2e"]) == pytest.approx([40.08, 3.74508, 6.37, 6.231])
    assert list(a["activity_unit"]) == ["vkm", "vkm", "pkm", "pkm"]


def test_the_per_km_reading_is_stated_with_the_result(tmp_path: Path) -> None:
    from travel_fixtures import fte_frame, trips_frame

    from spendanalys.travel.analysis import TravelSettings, analyse_travel

    factors = load_travel_factor_set(_unit_file(tmp_path, "per_km", "km", "pkm"))
    a = analyse_travel(
        trips_frame(UNIT_TRIPS), fte_frame({2023: 1}), factors, TravelSettings(baseline_year=2023)
    )
    stated = [n for n in a.notes if "units per km" in n]
    assert stated == [
        "factor set per_km: units per km read as per vehicle-km for car, taxi (rows 2, 3)"
    ]
    plain = analyse_travel(
        trips_frame(UNIT_TRIPS),
        fte_frame({2023: 1}),
        load_travel_factor_set(_unit_file(tmp_path, "explicit", "vkm", "pkm")),
        TravelSettings(baseline_year=2023),
    )
    assert not any("units per km" in n for n in plain.notes)


def test_a_hotel_factor_per_km_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hotel.csv"
    path.write_text(
        "mode,band,cabin,factor,unit,source\nhotel,,,5,kg CO2e/km,x\n", encoding="utf-8"
    )
    with pytest.raises(FactorError, match="is per km, which does not fit mode hotel") as info:
        load_travel_factor_set(path)
    assert info.value.row == 2


@pytest.mark.parametrize("unit", sorted(ENGINE_UNITS))
def test_units_read_without_the_registry_agree_with_it(unit: str) -> None:
    """The units a set is read in without the unit registry (``ENGINE_UNITS``) give the basis
    and the very number the registry gives, to the last bit."""
    from spendanalys.units import convert_factor, emission_factor_to_kg_per_sek, is_emission_per

    basis, _ = ENGINE_UNITS[unit]
    assert basis == "SEK" or is_emission_per(unit, basis)
    for value in (0.0, 1.0, 0.1, 0.22928, 171.7, 1e-5, 123.456789, 3.3e4):
        expected = (
            emission_factor_to_kg_per_sek(value, unit)
            if basis == "SEK"
            else convert_factor(value, unit, f"kg CO2e/{basis}")
        )
        assert _to_engine_unit(value, unit, basis) == expected


def test_the_travel_command_on_the_built_in_sets_needs_no_unit_registry(
    tmp_path: Path, sample_dir: Path
) -> None:
    """Both built-in sets are written in ENGINE_UNITS and the registry is built on first use
    only: ``spendanalys travel`` never pays for pint (about 0.1 s of its start-up)."""
    out = tmp_path / "travel.json"
    argv = [
        "travel",
        "--trips",
        str(sample_dir / "resor_2019_2024.csv"),
        "--fte",
        str(sample_dir / "arsarbetskrafter.csv"),
        "--format",
        "json",
        "--out",
        str(out),
    ]
    code = (
        "import sys; from spendanalys.cli import main; "
        f"assert main({argv!r}) == 0; assert 'pint' not in sys.modules, 'pint was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    assert out.stat().st_size > 0
