"""Issue 14's done-when for framework agreements, miljökrav levels, the ongoing KPI and an
overlap of two yearly invoice exports, through the command line as a user runs it.

The register and the two exports below are written as an agency's exports are (Swedish headers,
``;``, decimal comma, a Norwegian supplier's org number with MVA). Every expected figure is
hand-worked from these rows in the comments ("Hand-worked:"), not taken from a run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spendanalys.cli import main

AS_OF = "2025-06-01"

# RAM-1 is a framework agreement with three suppliers (one row each, one lot each with its
# criteria level); AV-2 and AV-4 are call-offs under Kammarkollegiet's KAM-IT-2023.
REGISTER = """\
Avtalsnummer;Avtalsnamn;Leverantör;Organisationsnummer;Ramavtal;Startdatum;Slutdatum;Avtalsvärde;Miljökrav
RAM-1;IT-konsulter;Alfa Konsult AB;556677-8899;;2023-01-01;2027-12-31;1 000 000;Basnivå
RAM-1;IT-konsulter;Beta Data AB;559123-4567;;2023-01-01;2027-12-31;600 000;Avancerad nivå
RAM-1;IT-konsulter;Gamma Rådgivning AS;NO 923 609 016 MVA;;2023-01-01;2027-12-31;400 000;Spjutspets
AV-2;Datorer;Delta Teknik AB;556000-1111;KAM-IT-2023;2024-01-01;2027-12-31;300 000;Ja, delvis
AV-3;Städtjänster;Epsilon Städ AB;556000-2222;;2021-07-01;2024-06-30;200 000;Nej
AV-4;Tryckeri;Zeta Tryck AB;556000-3333;KAM-IT-2023;2024-01-01;2026-12-31;100 000;kanske
AV-5;Konferens;Eta Konferens AB;556000-4444;;2022-01-01;;50 000;
AV-6;Resor;Theta Resor AB;556000-5555;;2025-07-01;2025-12-31;80 000;X
"""
INVOICES_2024 = """\
Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Belopp exkl. moms;Avtalsnummer
F1;2024-03-01;Alfa Konsult AB;5566778899;100 000,00;
F2;2024-04-01;Beta Data AB;5591234567;50 000,00;
F3;2024-05-01;Gamma Rådgivning AS;923609016MVA;30 000,00;
F4;2024-06-01;Delta Teknik AB;;20 000,00;
F5;2024-12-15;Epsilon Städ AB;5560002222;10 000,00;
"""
# The 2025 export starts two weeks early: F5 is in both files.
INVOICES_2025 = """\
Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Belopp exkl. moms;Avtalsnummer
F5;2024-12-15;Epsilon Städ AB;5560002222;10 000,00;
F6;2025-02-01;Zeta Tryck AB;5560003333;40 000,00;
F7;2025-03-01;Eta Konferens AB;5560004444;5 000,00;
F8;2025-03-01;Alfa Konsult AB;;25 000,00;RAM-1
F9;2025-04-01;Gamma Rådgivning AS;;5 000,00;
"""


@pytest.fixture
def payload(tmp_path: Path, capsys) -> dict:
    files = {
        "avtal.csv": REGISTER,
        "fakturor_2024.csv": INVOICES_2024,
        "fakturor_2025.csv": INVOICES_2025,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = ["spend", "--contracts", str(tmp_path / "avtal.csv")]
    args += ["--invoices", str(tmp_path / "fakturor_2024.csv")]
    args += ["--invoices", str(tmp_path / "fakturor_2025.csv")]
    assert main([*args, "--as-of", AS_OF, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _by_id(payload: dict) -> dict[str, dict]:
    return {a["agreement_id"]: a for a in payload["agreements"]}


def test_one_agreement_per_id_with_its_three_suppliers(payload: dict) -> None:
    """Hand-worked: RAM-1 gets F1 (org, 100 000), F2 (org, 50 000), F3 (Norwegian org
    923609016, 30 000), F8 (agreement id, 25 000) and F9 (name only, 5 000) = 210 000 SEK;
    Alfa 100 000 + 25 000 = 125 000, Beta 50 000, Gamma 30 000 + 5 000 = 35 000. Value
    1 000 000 + 600 000 + 400 000 = 2 000 000; miljökrav yes at the highest level named."""
    agreements = _by_id(payload)
    assert sorted(agreements) == ["AV-2", "AV-3", "AV-4", "AV-5", "AV-6", "RAM-1"]
    ram = agreements["RAM-1"]
    assert ram["spend_sek"] == pytest.approx(210_000)
    assert ram["value_sek"] == pytest.approx(2_000_000)
    assert ram["invoice_lines"] == 5
    assert ram["supplier_count"] == 3
    suppliers = {s["supplier"]: s for s in ram["suppliers"]}
    assert {k: round(v["spend_sek"], 2) for k, v in suppliers.items()} == {
        "Alfa Konsult AB": 125_000,
        "Beta Data AB": 50_000,
        "Gamma Rådgivning AS": 35_000,
    }
    assert suppliers["Gamma Rådgivning AS"]["org_number"] == "NO923609016"
    assert ram["spend_not_attributed_sek"] == 0
    assert (ram["environmental_requirements"], ram["requirement_level"]) == (True, "spjutspets")


def test_miljokrav_words_and_unknowns(payload: dict) -> None:
    """'Ja, delvis' is with miljökrav (no level); 'Nej' without; 'kanske' and a blank cell are
    unknown; 'X' is yes. 'kanske' is named in a note with its count, no row is lost to it."""
    agreements = _by_id(payload)
    flags = {
        k: (a["environmental_requirements"], a["requirement_level"]) for k, a in agreements.items()
    }
    assert flags == {
        "RAM-1": (True, "spjutspets"),
        "AV-2": (True, None),
        "AV-3": (False, None),
        "AV-4": (None, None),
        "AV-5": (None, None),
        "AV-6": (True, None),
    }
    unknown_notes = [n for n in payload["notes"] if "'kanske'" in n]
    assert len(unknown_notes) == 1 and "1 row counted as unknown" in unknown_notes[0]


def test_ongoing_kpi_exact(payload: dict) -> None:
    """Hand-worked at 2025-06-01: RAM-1 (yes), AV-2 (yes), AV-4 (unknown), AV-5 (unknown, no
    end date) are ongoing; AV-3 ended 2024-06-30; AV-6 starts 2025-07-01. 2 of 4 = 50 %, 2
    unknown. Spend of the ongoing: 210 000 + 20 000 + 40 000 + 5 000 = 275 000, of which with
    miljökrav 210 000 + 20 000 = 230 000 -> 230 000 / 275 000 = 0.836 36."""
    agreements = _by_id(payload)
    assert {k for k, a in agreements.items() if a["ongoing"]} == {"RAM-1", "AV-2", "AV-4", "AV-5"}
    t = payload["totals"]
    assert t["ongoing_agreements"] == 4
    assert t["ongoing_agreements_with_requirements"] == 2
    assert t["ongoing_agreements_requirements_unknown"] == 2
    assert t["share_ongoing_agreements_with_requirements"] == pytest.approx(0.5)
    assert t["share_ongoing_spend_with_requirements"] == pytest.approx(230_000 / 275_000)
    assert payload["kpi"]["ongoing_agreements"] == 4


def test_overlap_reported_once_and_nothing_else_rejected(payload: dict) -> None:
    """F5 is in both exports: counted once (total 210 000 + 20 000 + 10 000 + 40 000 + 5 000
    = 285 000 SEK), and the one rejected row points at its first occurrence."""
    rejected = payload["rejected_rows"]
    assert len(rejected) == 1
    (row,) = rejected
    assert row["file"].endswith("fakturor_2025.csv") and row["row"] == 2
    assert "duplicate" in row["reason"] and "fakturor_2024.csv row 6" in row["reason"]
    assert payload["totals"]["spend_sek"] == pytest.approx(285_000)
    assert _by_id(payload)["AV-3"]["spend_sek"] == pytest.approx(10_000)


def test_ranking_per_framework_agreement(payload: dict, tmp_path: Path, capsys) -> None:
    """KAM-IT-2023 holds the call-offs AV-2 (20 000, miljökrav) and AV-4 (40 000, unknown)."""
    frameworks = {f["framework_id"]: f for f in payload["frameworks"]}
    kam = frameworks["KAM-IT-2023"]
    assert (kam["is_framework"], kam["agreements"]) == (True, 2)
    assert kam["spend_sek"] == pytest.approx(60_000)
    assert (kam["with_requirements"], kam["requirements_unknown"]) == (1, 1)
    assert frameworks["RAM-1"]["is_framework"] is False  # no framework_id: stands alone
    assert len(frameworks) == 5  # KAM-IT-2023 + RAM-1, AV-3, AV-5, AV-6
    args = ["spend", "--contracts", str(tmp_path / "avtal.csv"), "--as-of", AS_OF]
    assert main([*args, "--by-framework"]) == 0
    out = capsys.readouterr().out
    assert "Per ramavtal: 1 ramavtal med 2 avrop; 4 avtal utan ramavtal" in out
    assert "KAM-IT-2023" in out and "Ramavtal" in out and "Utgift (tkr)" in out
    assert main([*args, "--by-framework", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "1 framework agreements with 2 call-offs" in out
    assert "KAM-IT-2023" in out


def test_a_line_no_supplier_claims_is_shown_not_lost(tmp_path: Path, capsys) -> None:
    """A line with RAM-1's id from a supplier RAM-1 does not list (Omega AB, 7 000 SEK) counts
    for RAM-1 and is shown as spend not attributed to a supplier: 7 000 + 0 of the suppliers."""
    (tmp_path / "avtal.csv").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "f.csv").write_text(
        "Fakturanummer;Fakturadatum;Leverantör;Belopp exkl. moms;Avtalsnummer\n"
        "G1;2025-01-10;Omega AB;7 000,00;RAM-1\n",
        encoding="utf-8",
    )
    argv = [
        "spend",
        "--contracts",
        str(tmp_path / "avtal.csv"),
        "--invoices",
        str(tmp_path / "f.csv"),
    ]
    assert main([*argv, "--as-of", AS_OF, "--format", "json"]) == 0
    ram = _by_id(json.loads(capsys.readouterr().out))["RAM-1"]
    assert ram["spend_sek"] == pytest.approx(7_000)
    assert ram["spend_not_attributed_sek"] == pytest.approx(7_000)
    assert [s["spend_sek"] for s in ram["suppliers"]] == [0, 0, 0]


def test_the_table_shows_every_share_with_its_unknowns(
    payload: dict, tmp_path: Path, capsys
) -> None:
    """The same hand-worked figures in the table output: 2 of 4 ongoing = 50,0 %, 2 unknown;
    by spend 230 000 / 275 000 = 83,6 %; all six agreements: 3 with miljökrav (RAM-1, AV-2,
    AV-6) = 50,0 %, 2 unknown (AV-4, AV-5)."""
    argv = ["spend", "--contracts", str(tmp_path / "avtal.csv")]
    argv += ["--invoices", str(tmp_path / "fakturor_2024.csv")]
    argv += ["--invoices", str(tmp_path / "fakturor_2025.csv"), "--as-of", AS_OF]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Miljökrav, alla avtal: 50,0\u00a0% (3 av 6; okänt för 2)" in out
    assert "cirka 50,0\u00a0% av alla 4 pågående avtal" in out
    assert "miljökrav okänt för 2 (50,0\u00a0%)" in out
    assert "viktat efter utgift: 83,6\u00a0% (okänt för 2 av 4)" in out
