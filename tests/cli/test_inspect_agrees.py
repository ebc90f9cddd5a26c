"""``inspect`` tells the truth (issue 13): its accepted rows are exactly the rows the analysis
keeps, and its rejected rows carry the analysis' own reasons, for contracts, invoices and trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spendanalys.cli import main

REGISTER = """\
Avtalsnummer;Avtalsnamn;Leverantör;Organisationsnummer;Avtalsvärde;Miljökrav
A-1;Städ;Städ AB;556677-8899;100 000;Ja
A-1;Städ;Städ AB;556677-8899;100 000;Ja
A-2;IT;Alfa AB;5591234567;50 000;Basnivå
A-2;IT;Beta AS;NO 923 609 016 MVA;25 000;Avancerad nivå
;Utan id;Gamma AB;5560001111;1 000;Nej
A-3;Tryck;Delta AB;5560002222;3 000;kanske
A-4;Resor;Epsilon AB;12345;3 000;Ja
"""
INVOICES = """\
Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Belopp exkl. moms;Valuta
F1;2024-03-01;Städ AB;5566778899;1 000,00;SEK
F2;2024-03-02;Alfa AB;5591234567;2 000,00;XYZ
F3;2024-03-03;Beta AS;NO923609016;3 000,00;
F4;2024-03-04;Delta AB;5560002222;;SEK
"""
TRIPS = """\
Resedatum;Färdsätt;Från;Till;Avstånd (km);Antal resenärer;Klass;Tur och retur
2024-01-10;Flyg;ARN;GOT;;1;;Ja
2024-01-11;Flyg;Paris;ARN;;1;;Nej
2024-01-12;Tåg;Stockholm;Göteborg;455;1;;Ja
2024-01-13;Tåg;Stockholm;Malmö;;1;;Nej
2024-01-14;Zeppelin;ARN;GOT;;1;;Nej
"""
FTE = "År;Årsarbetskrafter\n2024;100\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _rows(rejected: list[dict]) -> set[tuple[int, str]]:
    return {(r["row"], r["reason"]) for r in rejected}


def test_contracts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Hand-worked: 7 rows; row 3 repeats row 2 in every field, row 6 has no id, row 8's org
    number is no identifier (reader): 4 rows accepted (rows 2, 4, 5, 7), three agreements."""
    register = _write(tmp_path, "avtal.csv", REGISTER)
    inspected = _run(["inspect", str(register), "--kind", "contracts"], capsys)
    analysed = _run(["spend", "--contracts", str(register), "--as-of", "2025-01-01"], capsys)
    assert inspected["rows_accepted"] == 4
    kept = sum(a["register_rows"] for a in analysed["agreements"])
    assert kept == inspected["rows_accepted"]
    assert len(analysed["agreements"]) == 3
    assert _rows(inspected["rejected_rows"]) == _rows(analysed["rejected_rows"])
    assert {r for r, _ in _rows(inspected["rejected_rows"])} == {3, 6, 8}
    assert any("'kanske'" in n for n in inspected["notes"])


def test_invoices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """F2 is in a currency no table has, F4 has no amount: 2 of 4 lines are counted."""
    register = _write(tmp_path, "avtal.csv", REGISTER)
    invoices = _write(tmp_path, "fakturor.csv", INVOICES)
    inspected = _run(["inspect", str(invoices), "--kind", "invoices"], capsys)
    argv = ["spend", "--contracts", str(register), "--invoices", str(invoices)]
    analysed = _run([*argv, "--as-of", "2025-01-01"], capsys)
    assert inspected["rows_accepted"] == analysed["totals"]["invoice_lines"] == 2
    invoice_rows = [r for r in analysed["rejected_rows"] if r["file"] == str(invoices)]
    assert _rows(inspected["rejected_rows"]) == _rows(invoice_rows)
    assert {r for r, _ in _rows(inspected["rejected_rows"])} == {3, 5}


def test_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'Paris' is not an IATA code, rail without a distance or known places cannot be placed,
    'Zeppelin' is no travel mode: travel rejects them, and so does inspect."""
    trips = _write(tmp_path, "resor.csv", TRIPS)
    fte = _write(tmp_path, "fte.csv", FTE)
    inspected = _run(["inspect", str(trips), "--kind", "trips"], capsys)
    argv = ["travel", "--trips", str(trips), "--fte", str(fte), "--baseline-year", "2024"]
    analysed = _run(argv, capsys)
    travel_rows = [r for r in analysed["rejected_rows"] if r["file"] == str(trips)]
    assert travel_rows, "the travel engine rejects some of these rows"
    assert _rows(inspected["rejected_rows"]) == _rows(travel_rows)
    rejected_lines = {r["row"] for r in travel_rows}
    assert inspected["rows_accepted"] == 5 - len(rejected_lines)
