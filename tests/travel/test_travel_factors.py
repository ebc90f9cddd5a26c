"""Travel factor sets: the built-in sets load, user files load, bad files fail with the row."""

from __future__ import annotations

from pathlib import Path

import pytest

from spendanalys.errors import FactorError
from spendanalys.travel.factors import BUILTIN_SETS, FACTOR_DIR, load_travel_factor_set


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
