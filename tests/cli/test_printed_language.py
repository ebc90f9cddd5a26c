"""What the commands print is in the catalogue's words: Swedish by default, English with
``--lang en``, figures as the report prints them; ``--format json`` is the same in both.

On sample_data/ (hand-checked against the JSON of the same run): total spend 436 863 280 SEK =
436,9 MSEK, 6 738 411 kg CO2e = 6 738,4 t; the first agreement AVT-2021-267 has 35 019 844 SEK =
35 020 tkr and 686 282 kg = 686,3 t at 0.0196 kg/SEK = 19,6 g per krona; miljökrav "Ja".
Travel 2019: 295,5 kg CO2e per FTE, the goal 2025 −25 % = 221,6.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from spendanalys.cli import main

NBSP = "\u00a0"
AS_OF = "2026-06-01"


def _printed(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _spend_args(sample_dir: Path) -> list[str]:
    return [
        "spend",
        "--contracts",
        str(sample_dir / "avtalsforteckning.csv"),
        "--invoices",
        str(sample_dir / "leverantorsfakturor_2024.csv"),
        "--as-of",
        AS_OF,
    ]


def _travel_args(sample_dir: Path) -> list[str]:
    trips, fte = sample_dir / "resor_2019_2024.csv", sample_dir / "arsarbetskrafter.csv"
    return ["travel", "--trips", str(trips), "--fte", str(fte)]


@pytest.fixture(scope="module")
def spend_printed(sample_dir: Path) -> dict[str, str]:
    """The spend table output in each language, run once (read-only)."""
    args = [*_spend_args(sample_dir), "--top", "3"]
    found = {}
    for lang in ("sv", "en"):
        code, out, _ = _printed([*args, "--lang", lang])
        assert code == 0
        found[lang] = out
    found["default"] = _printed(args)[1]
    return found


@pytest.fixture(scope="module")
def travel_printed(sample_dir: Path) -> dict[str, str]:
    found = {}
    for lang in ("sv", "en"):
        code, out, _ = _printed([*_travel_args(sample_dir), "--lang", lang])
        assert code == 0
        found[lang] = out
    found["default"] = _printed(_travel_args(sample_dir))[1]
    return found


def _row(text: str, agreement: str) -> list[str]:
    """The ranking row of ``agreement`` split on whitespace (the no-break space too)."""
    return next(line.split() for line in text.splitlines() if f" {agreement} " in line)


def test_spend_prints_swedish_by_default(spend_printed: dict[str, str]) -> None:
    text = spend_printed["default"]
    assert text == spend_printed["sv"]
    assert text.startswith(f"Miljöspendanalys per {AS_OF}; Utgiftsunderlag: fakturor\n")
    assert f"Total utgift: 436,9{NBSP}MSEK; Totala utsläpp: 6{NBSP}738,4{NBSP}t CO2e" in text
    assert f"Utgift utan avtal: 42,4{NBSP}MSEK" in text
    assert "Antal avtal: 350; Avtal i Pareto-mängden (80 %): 59; Avvisade rader: 0" in text
    assert f"Miljökrav, alla avtal: 24,3{NBSP}% (85 av 350; okänt för 8)" in text
    assert f"39 pågående avtal med miljökrav, cirka 20,6{NBSP}% av alla 189" in text
    header = next(line for line in text.splitlines() if line.startswith("Rang "))
    for label in ("Avtalsnr", "Leverantör", "Utgift (tkr)", "Utsläpp (t CO2e)", "Miljökrav"):
        assert label in header
    assert "Utsläpp per krona (g CO2e per kr)" in header and "Slutdatum" in header
    # 35 019 844 SEK = 35 020 tkr; 686 282 kg = 686,3 t; 0.0196 kg/SEK = 19,6 g per krona
    assert _row(text, "AVT-2021-267")[-8:] == [
        "35",
        "020",
        "686,3",
        "19,6",
        "Ja",
        "2027-07-31",
        "510–690",
        "Ja",
    ]
    assert "Prioriteringslista (stor påverkan, inga miljökrav" in text
    assert "Rangen flyttar mellan faktoruppsättningarna" in text
    assert "leverantorsfakturor_2024.csv: summarad 29818 ('Summa') hoppades över" in text
    for english in ("Total spend", "linked", "yes", "unknown", "note:", "agreement_id"):
        assert english not in text


def test_spend_prints_english_on_request(spend_printed: dict[str, str]) -> None:
    text = spend_printed["en"].replace(NBSP, " ")
    assert text.startswith(f"Environmental spend analysis as of {AS_OF}; Spend basis: invoices")
    assert "Total spend: 436.9 MSEK; Total emissions: 6,738.4 t CO2e" in text
    assert "Environmental requirements, all agreements: 24.3% (85 of 350; unknown for 8)" in text
    assert "39 ongoing agreements with environmental requirements, about 20.6% of all 189" in text
    header = next(line for line in text.splitlines() if line.startswith("Rank "))
    assert "Spend (kSEK)" in header and "Emissions (t CO2e)" in header
    # the same figures as English prints them; the date as the catalogue's English date
    assert _row(text, "AVT-2021-267")[-9:] == [
        "35,020",
        "686.3",
        "19.6",
        "Yes",
        "31",
        "Jul",
        "2027",
        "510–690",
        "Yes",
    ]
    assert "Priority list" in text and "Rank moves between factor sets" in text
    assert "leverantorsfakturor_2024.csv: skipped total row 29818" in text
    assert "Miljökrav, alla avtal" not in text and "Avvisade" not in text


def test_spend_json_is_the_same_in_every_language(sample_dir: Path) -> None:
    """The machine contract: --lang changes no byte of the JSON (keys and values English)."""
    args = [*_spend_args(sample_dir), "--format", "json"]
    sv, en = _printed(args)[1], _printed([*args, "--lang", "en"])[1]
    assert sv == en
    doc = json.loads(sv)
    first = doc["agreements"][0]
    assert (first["agreement_id"], first["environmental_requirements"]) == ("AVT-2021-267", True)
    assert round(doc["totals"]["spend_sek"]) == 436_863_280


def test_travel_prints_swedish_by_default(travel_printed: dict[str, str]) -> None:
    text = travel_printed["default"]
    assert text == travel_printed["sv"]
    assert text.startswith("Tjänsteresor: utsläpp per årsarbetskraft mot målet: ")
    assert "Höghöjdseffekt (RF): inkluderad" in text and "Hotellnätter: ingår" in text
    assert f"Mål: 2019 295,5 kg CO2e per ÅA → 2025 221,6 kg CO2e per ÅA (−25{NBSP}%)" in text
    header = next(line for line in text.splitlines() if line.lstrip().startswith("År "))
    assert "Utsläpp per årsarbetskraft (kg CO2e)" in header and "Flyg (t CO2e)" in header
    row_2019 = next(line.split() for line in text.splitlines() if line.startswith("2019 "))
    # 417 378 kg = 417,4 t; 1 412,5 FTE; 295,5 kg per FTE, on the path
    assert row_2019[:7] == ["2019", "417,4", "1", "412,5", "295,5", "295,5", "på"]
    assert "data saknas" in text and "över linjen" in text
    assert "Naturvårdsverkets uppgifter per år" in text and "Flyg kortare än 50 mil" in text
    assert (
        "Avvisade rader: 0" in text and "Anmärkning: Faktoruppsättning: sweden_default_2025" in text
    )
    for english in ("FORECAST", "Goal:", "no data", "kg_co2e", "note:"):
        assert english not in text


def test_travel_prints_english_on_request(travel_printed: dict[str, str]) -> None:
    text = travel_printed["en"]
    assert text.startswith("Business travel: emissions per FTE against the goal: ")
    assert "Target: 2019 295.5 kg CO2e per FTE → 2025 221.6 kg CO2e per FTE (-25%)" in text
    row_2019 = next(line.split() for line in text.splitlines() if line.startswith("2019 "))
    assert row_2019[:6] == ["2019", "417.4", "1,412.5", "295.5", "295.5", "on"]
    assert "Rejected rows: 0" in text and "Note: factor set: sweden_default_2025" in text
    assert "Mål:" not in text and "Anmärkning" not in text


def test_travel_json_is_the_same_in_every_language(sample_dir: Path) -> None:
    args = [*_travel_args(sample_dir), "--format", "json"]
    sv, en = _printed(args)[1], _printed([*args, "--lang", "en"])[1]
    assert sv == en
    assert json.loads(sv)["years"][0]["year"] == 2019


def test_inspect_prints_in_each_language(sample_dir: Path) -> None:
    path = str(sample_dir / "leverantorsfakturor_2024.csv")
    code, sv, _ = _printed(["inspect", path, "--kind", "invoices"])
    assert code == 0
    assert "Underlag:      Leverantörsfakturor" in sv and "Teckenkodning: cp1252" in sv
    assert f"Rader:         29{NBSP}815" in sv and "Avvisade:      0" in sv
    assert "Kolumner:" in sv and "Anmärkning: summarad 29818 ('Summa') hoppades över" in sv
    code, en, _ = _printed(["inspect", path, "--kind", "invoices", "--lang", "en"])
    assert code == 0
    assert "Dataset:    Supplier invoices" in en and "Rows:       29,815" in en
    assert "Note: skipped total row 29818 ('Summa')" in en
    json_sv = _printed(["inspect", path, "--kind", "invoices", "--format", "json"])[1]
    json_en = _printed(["inspect", path, "--kind", "invoices", "--format", "json", "--lang", "en"])
    assert json_sv == json_en[1] and json.loads(json_sv)["rows_accepted"] == 29815


def test_report_says_what_it_wrote_in_each_language(sample_dir: Path, tmp_path: Path) -> None:
    contracts = str(sample_dir / "avtalsforteckning.csv")
    out = tmp_path / "rapport.docx"
    code, _, err = _printed(["report", "--contracts", contracts, "--out", str(out)])
    assert code == 0 and err == f"skrev {out}\n" and out.stat().st_size > 0
    code, _, err = _printed(["report", "--contracts", contracts, "--out", str(out), "--lang", "en"])
    assert code == 0 and err == f"wrote {out}\n"
    code, _, err = _printed(["report", "--trips", contracts, "--out", str(out)])
    assert code == 2
    assert err == "spendanalys report: avsnittet om resor behöver både --trips och --fte\n"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("sv", "filen eller mappen finns inte"), ("en", "no such file or directory")],
)
def test_a_missing_file_is_one_line_naming_it(tmp_path: Path, lang: str, expected: str) -> None:
    missing = tmp_path / "saknas.csv"
    code, out, err = _printed(["spend", "--contracts", str(missing), "--lang", lang])
    assert code == 2 and out == ""
    assert err == f"spendanalys spend: {missing}: {expected}\n"


def test_a_reader_error_is_worded_as_the_dashboard_words_it(tmp_path: Path) -> None:
    """The reader's English error goes through i18n.notes.worded, the dashboard's path."""
    from spendanalys.i18n.notes import worded

    path = tmp_path / "tom.csv"
    path.write_bytes(b"")
    code, _, err_en = _printed(["inspect", str(path), "--kind", "contracts", "--lang", "en"])
    assert code == 2
    english = err_en.removeprefix("spendanalys inspect: ").rstrip("\n")
    code, _, err_sv = _printed(["inspect", str(path), "--kind", "contracts"])
    assert code == 2 and "\n" not in err_sv.rstrip("\n") and str(path) in err_sv
    assert err_sv == f"spendanalys inspect: {worded(english, 'sv')}\n"
    assert err_sv != err_en
