"""``spendanalys travel`` end to end: real files through the readers, JSON, table and xlsx."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from spendanalys.cli import main

TRIPS = """Resedatum;Färdsätt;Från;Till;Avstånd (km);Antal resenärer;Klass;Tur och retur;Enhet;Kön;Kostnad (kr);Hotellnätter
2019-03-01;Flyg;ARN;GOT;;1;Ekonomi;Ja;Analys;Kvinna;3 200;1
2019-03-02;Flyg;STO;LON;;2;Business;Ja;Analys;Man;12 000;2
2019-04-01;Tåg;;;455;3;;Ja;IT;Kvinna;1 800;
2019-05-01;Bil;;;120;2;;Nej;IT;Man;;
2019-06-01;Flyg;ARN;XXX;;1;;Nej;IT;Man;;
2022-03-01;Flyg;ARN;GOT;;1;;Ja;Analys;Kvinna;2 900;
2022-03-01;Tåg;;;455;4;;Ja;Analys;Man;2 000;1
2022-04-01;Taxi;;;;1;;;IT;Kvinna;350;
2022-05-01;Raket;;;;1;;;IT;Kvinna;350;
2023-03-01;Flyg;ARN;NYC;;1;Premium;Ja;Analys;Kvinna;9 000;4
2024-03-01;Tåg;;;455;6;;Ja;Analys;Man;2 000;
"""
FTE = "År;Årsarbetskrafter\n2019;50\n2022;55\n2023;58\n2024;60\n"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    trips, fte = tmp_path / "resor.csv", tmp_path / "aa.csv"
    trips.write_text(TRIPS, encoding="utf-8")
    fte.write_text(FTE, encoding="utf-8")
    return trips, fte


def test_json_contract(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trips, fte = files
    assert main(["travel", "--trips", str(trips), "--fte", str(fte), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [y["year"] for y in doc["years"]] == [2019, 2022, 2023, 2024]
    y2019 = doc["years"][0]
    assert set(y2019) == {
        "year", "kg_co2e", "fte", "kg_co2e_per_fte", "by_mode",
        # added with issue 15: activity per mode and the hotel choice, stated per year
        "pkm_by_mode", "vkm_by_mode", "hotel_nights", "hotels",
    }  # fmt: skip
    assert y2019["hotels"] == "included"  # the default keeps hotel nights in the headline
    assert set(y2019["pkm_by_mode"]) == {"flight", "rail", "bus"}
    assert set(y2019["vkm_by_mode"]) == {"car", "taxi"}
    assert y2019["pkm_by_mode"]["rail"] == pytest.approx(455 * 2 * 3)
    assert y2019["vkm_by_mode"]["car"] == pytest.approx(120)
    assert set(y2019["by_mode"]) == {"flight", "rail", "car", "taxi", "bus", "hotel"}
    assert y2019["kg_co2e_per_fte"] == pytest.approx(y2019["kg_co2e"] / 50)
    assert sum(y2019["by_mode"].values()) == pytest.approx(y2019["kg_co2e"])
    assert doc["baseline"] == {
        "year": 2019,
        "kg_co2e_per_fte": pytest.approx(y2019["kg_co2e_per_fte"]),
        "hotels": "included",
    }
    assert doc["target"]["reduction"] == 0.25
    assert doc["target"]["kg_co2e_per_fte"] == pytest.approx(0.75 * y2019["kg_co2e_per_fte"])
    rejected = {(r["row"], r["column"]) for r in doc["rejected_rows"]}
    assert rejected == {(6, "destination"), (10, "mode")}
    assert all(r["file"].endswith("resor.csv") for r in doc["rejected_rows"])
    d = doc["decomposition"]
    assert (d["from_year"], d["to_year"]) == (2019, 2024)
    assert sum(d["effects"].values()) == pytest.approx(d["total_change"])
    assert doc["what_if"]["train_instead_of_flight"]["routes"][0]["route"] == "GOT–STO"
    assert doc["forecast"]["years_used"] == [2022, 2023, 2024]
    assert doc["settings"]["radiative_forcing"] is True
    assert doc["factor_comparison"]["factor_sets"] == ["sweden_default_2025", "desnz_2025"]
    assert {"unit", "gender"} <= set(doc["breakdowns"])
    nv = doc["naturvardsverket"]
    assert (nv["factor_set"], nv["hotels"], nv["flight_split_km"]) == (
        "sweden_default_2025",
        "included",
        500.0,
    )
    nv2019 = nv["years"][0]
    assert nv2019["t_co2e"] == pytest.approx(y2019["kg_co2e"] / 1000)
    rows = {r["category"]: r for r in nv2019["rows"]}
    # ARN–GOT (425 km one way) is under 500 km; STO–LON is over
    assert rows["flight_under_500"]["traveller_trips"] == 1
    assert rows["flight_500_and_over"]["traveller_trips"] == 2
    assert rows["car_unspecified"]["km"] == pytest.approx(120)
    assert rows["hotel"]["km"] == 1 + 2 * 2  # room-nights: nights × travellers
    assert sum(r["t_co2e"] for r in nv2019["rows"]) == pytest.approx(nv2019["t_co2e"])


def test_hotels_out_and_min_group(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trips, fte = files
    args = ["travel", "--trips", str(trips), "--fte", str(fte), "--format", "json"]
    assert main(args) == 0
    base = json.loads(capsys.readouterr().out)
    assert main([*args, "--hotels", "out", "--min-group", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    for before, after in zip(base["years"], out["years"], strict=True):
        assert after["hotels"] == "excluded"
        assert after["kg_co2e"] == pytest.approx(before["kg_co2e"] - before["by_mode"]["hotel"])
        assert after["by_mode"]["hotel"] == pytest.approx(before["by_mode"]["hotel"])
    assert out["baseline"]["hotels"] == out["naturvardsverket"]["hotels"] == "excluded"
    assert out["settings"]["include_hotels"] is False
    assert out["settings"]["min_group_travellers"] == 1
    assert not any(r["suppressed"] for r in out["breakdowns"]["unit"])
    assert any(r["suppressed"] for r in base["breakdowns"]["unit"])
    genders = {(r["year"], r["gender"]) for r in out["gender_perspective"]["years"]}
    assert (2019, "woman") in genders and (2019, "man") in genders
    assert out["gender_perspective"]["min_group"] == 1
    assert not any(r["suppressed"] for r in out["gender_perspective"]["years"])
    assert any(r["suppressed"] for r in base["gender_perspective"]["years"])
    assert main([*args, "--min-group", "0"]) == 2


def test_options_move_the_figures(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trips, fte = files
    out = tmp_path / "a.json"
    main(
        ["travel", "--trips", str(trips), "--fte", str(fte), "--format", "json", "--out", str(out)]
    )
    base = json.loads(out.read_text(encoding="utf-8"))
    main(
        [
            "travel",
            "--trips",
            str(trips),
            "--fte",
            str(fte),
            "--format",
            "json",
            "--out",
            str(out),
            "--no-radiative-forcing",
            "--baseline-year",
            "2022",
            "--reduction",
            "0.5",
            "--factors",
            "desnz_2025",
            "--what-if-train",
            "800",
            "--uplift",
            "0",
        ]
    )
    other = json.loads(out.read_text(encoding="utf-8"))
    assert other["years"][0]["by_mode"]["flight"] < base["years"][0]["by_mode"]["flight"]
    assert other["baseline"]["year"] == 2022
    assert other["target"]["reduction"] == 0.5
    assert other["settings"]["factor_set"] == "desnz_2025"
    routes = {r["route"] for r in other["what_if"]["train_instead_of_flight"]["routes"]}
    assert routes == {"GOT–STO"}
    assert other["decomposition"]["from_year"] == 2022


def test_table_and_xlsx(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trips, fte = files
    # Swedish by default: the catalogue's words, Swedish figures (decimal comma, −).
    assert main(["travel", "--trips", str(trips), "--fte", str(fte)]) == 0
    text = capsys.readouterr().out
    assert "Mål: 2019 34,3 kg CO2e per ÅA → 2025 25,7 kg CO2e per ÅA (−25\u00a0%)" in text
    assert "PROGNOS för 2025, ej mätt värde: 15,3 kg CO2e per ÅA" in text
    assert "Vad förklarar förändringen 2019–2024 (−33,7 kg CO2e per ÅA" in text
    assert "Tåg i stället för flyg" in text and "Höghöjdseffekt (RF): inkluderad" in text
    assert "Hotellnätter: ingår" in text and "Naturvårdsverkets uppgifter per år" in text
    assert "Flyg kortare än 50 mil (500 km)" in text and "flight_under_500" not in text
    assert "en jämförelse, inget avgörande" in text
    assert "Utsläpp (t CO2e)" in text and "kg_co2e" not in text
    assert "dold (färre än 5 resenärer)" in text and "rad 10, kolumn mode" in text
    # the file's rail rows name no places: no rail cost, and it says so
    assert "GOT–STO: Tågkostnad enligt uppgift saknas" in text
    assert "Tider enligt rutt-tabellen (uppmätt, 2024)" in text
    # English on request: the same figures as English prints them.
    assert main(["travel", "--trips", str(trips), "--fte", str(fte), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "Target: 2019 34.3 kg CO2e per FTE → 2025 25.7 kg CO2e per FTE (-25%)" in text
    assert "FORECAST for 2025, not a measurement: 15.3 kg CO2e per FTE" in text
    assert "What explains the change 2019–2024 (-33.7 kg CO2e per FTE" in text
    assert "Train instead of flight" in text and "High-altitude effect (RF): included" in text
    assert "Naturvårdsverket's yearly figures" in text and "Flights under 500 km" in text
    assert "a comparison, not a verdict" in text and "Emissions (t CO2e)" in text
    assert "GOT–STO: Rail cost from no figure" in text
    assert "Times from route table (measured, 2024)" in text
    assert "Kvinnor" not in text and "Women" in text
    out = tmp_path / "resor.xlsx"
    assert (
        main(
            [
                "travel",
                "--trips",
                str(trips),
                "--fte",
                str(fte),
                "--format",
                "xlsx",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "Sammanfattning",
        "Naturvårdsverket",
        "Förändring",
        "Tåg i stället för flyg",
        "Per enhet",
        "Per kön",
        "Jämställdhet",
        "Resor",
        "Avvisade rader",
        "Metod och källor",
    ]
    nv = [r for r in wb["Naturvårdsverket"].iter_rows(values_only=True) if any(r)]
    assert ("Faktoruppsättning", "sweden_default_2025") in [r[:2] for r in nv]
    assert any(r[0] == "Hotellnätter" and str(r[1]).startswith("Hotellnätter ingår i") for r in nv)
    header = next(r for r in nv if r[:2] == ("År", "Färdsätt"))
    assert header[2:5] == ("Utsläpp (t CO2e)", "Sträcka (km) / nätter", "Enhet")
    labels = {r[1] for r in nv if isinstance(r[0], int) and isinstance(r[1], str)}
    assert {"Flyg kortare än 50 mil (500 km)", "Hotellnätter (för sig)"} <= labels
    lines = list(wb["Resor"].iter_rows(values_only=True))
    assert "Faktorkälla" in lines[0] and len(lines) > 10
    assert main(["travel", "--trips", str(trips), "--fte", str(fte), "--format", "xlsx"]) == 2


def test_column_mapping_and_unreadable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trips = tmp_path / "export.csv"
    trips.write_text(
        "Datum;Transport;Km\n2019-01-05;Tåg;100\n2020-01-05;Tåg;50\n", encoding="utf-8"
    )
    fte = tmp_path / "aa.csv"
    fte.write_text("År;Årsarbetskrafter\n2019;1\n2020;1\n", encoding="utf-8")
    assert (
        main(
            [
                "travel",
                "--trips",
                str(trips),
                "--fte",
                str(fte),
                "--format",
                "json",
                "--column",
                "trips.mode=Transport",
                "--column",
                "distance_km=Km",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["years"][0]["kg_co2e"] == pytest.approx(0.7)
    missing = tmp_path / "saknas.csv"
    assert main(["travel", "--trips", str(missing), "--fte", str(fte)]) == 2
    assert "saknas.csv" in capsys.readouterr().err


def test_sample_data(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The committed sample export (2019 and 2022–2024) runs end to end: every year per FTE
    against the goal, years without trips reported as no data, nothing rejected but the
    generator's deliberate same-airport flights."""
    trips, fte = sample_dir / "resor_2019_2024.csv", sample_dir / "arsarbetskrafter.csv"
    if not trips.is_file() or not fte.is_file():
        pytest.skip("sample data not generated yet")
    assert main(["travel", "--trips", str(trips), "--fte", str(fte), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_year = {y["year"]: y for y in doc["years"]}
    for year in (2019, 2022, 2023, 2024):
        assert by_year[year]["kg_co2e_per_fte"] > 0
        assert by_year[year]["by_mode"]["flight"] > by_year[year]["by_mode"]["rail"]
    assert all(by_year[y]["kg_co2e"] is None for y in by_year if y in (2020, 2021))
    assert doc["baseline"]["year"] == 2019
    assert doc["decomposition"]["to_year"] == 2024
    assert doc["what_if"]["train_instead_of_flight"]["routes"]
    assert {r["reason"] for r in doc["rejected_rows"]} <= {
        "origin and destination are the same airport"
    }


def test_run_travel_from_uploaded_bytes() -> None:
    """The dashboard path: bytes plus file names, one flat column mapping for both kinds."""
    from spendanalys.travel.analysis import run_travel

    trips = "Datum;Transport;Km\n2019-01-05;Tåg;100\n2019-02-05;Raket;50\n".encode()
    fte = "År;Årsarbetskrafter\n2019;2\n".encode("cp1252")
    a = run_travel(
        [trips], [fte], columns={"mode": "Transport", "distance_km": "Km"},
        names=["resor.csv"], fte_names=["aa.csv"],
    )  # fmt: skip
    assert a.years["kg_co2e_per_fte"].iloc[0] == pytest.approx(100 * 0.007 / 2)
    assert [(r.file, r.row, r.column) for r in a.rejected] == [("resor.csv", 3, "mode")]
