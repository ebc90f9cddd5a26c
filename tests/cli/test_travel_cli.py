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
    assert set(y2019) == {"year", "kg_co2e", "fte", "kg_co2e_per_fte", "by_mode"}
    assert set(y2019["by_mode"]) == {"flight", "rail", "car", "taxi", "bus", "hotel"}
    assert y2019["kg_co2e_per_fte"] == pytest.approx(y2019["kg_co2e"] / 50)
    assert sum(y2019["by_mode"].values()) == pytest.approx(y2019["kg_co2e"])
    assert doc["baseline"] == {
        "year": 2019,
        "kg_co2e_per_fte": pytest.approx(y2019["kg_co2e_per_fte"]),
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
    assert main(["travel", "--trips", str(trips), "--fte", str(fte)]) == 0
    text = capsys.readouterr().out
    assert (
        "FORECAST" in text and "What drove the change" in text and "Train instead of flight" in text
    )
    assert "radiative forcing included" in text
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
        "Förändring",
        "Tåg i stället för flyg",
        "Per enhet",
        "Per kön",
        "Resor",
        "Avvisade rader",
        "Metod och källor",
    ]
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
