"""``spendanalys spend`` as DESIGN.md §5 describes it, run in-process on small files."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from spend_fixtures import write_rule_files

from spendanalys.cli import main

CONTRACTS = """Avtalsnummer;Avtalsnamn;Leverantör;Organisationsnummer;Inköpskategori;CPV-kod;Startdatum;Slutdatum;Avtalsvärde per år (kr);Miljökrav
A1;IT-konsulttjänster;Konsult AB;556000-0001;IT-tjänster;;2023-01-01;2025-06-30;1 000 000;Nej
A2;Städning;Städ & Co AB;5560000002;;90910000-9;2022-01-01;2026-12-31;500 000;Ja
A3;Livsmedel;Mat AB;5560000003;;15000000;2022-01-01;2025-03-31;200 000;
"""
# One title row, a broken row and a total row: the total is not a line.
INVOICES = """Leverantörsfakturor 2024
Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Konto;Belopp exkl. moms;Avtalsnummer;Fakturatext
1;2024-03-01;Konsult AB;556000-0001;6540;110 000,00;A1;konsult
2;2024-03-01;STÄD & CO;;5010;55 000,00;;städning
3;2024-03-01;Mat AB;SE556000000301;4010;20 000,00;;kaffe
4;2024-03-01;Mat AB;5560000003;4010;-2 000,00;;kreditnota
5;2024-03-01;Okänd AB;5569999999;7010;99 999,00;;lön
6;2024-03-01;X;;;abc;;trasig rad
Summa;;;;;282 999,00;;
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    data = write_rule_files(tmp_path / "data")
    contracts = tmp_path / "avtal.csv"
    contracts.write_text(CONTRACTS, encoding="utf-8")
    invoices = tmp_path / "fakturor.csv"
    invoices.write_text(INVOICES, encoding="cp1252")
    return {"data": data, "contracts": contracts, "invoices": invoices, "dir": tmp_path}


def _run(files, *extra: str) -> int:
    return main(
        [
            "spend",
            "--contracts",
            str(files["contracts"]),
            "--invoices",
            str(files["invoices"]),
            "--data-dir",
            str(files["data"]),
            "--as-of",
            "2025-01-01",
            *extra,
        ]
    )


def test_json_has_the_contracted_keys_and_figures(files, capsys):
    """A1: 110 000 SEK (2024) × 400/440 × 0.02 = 2 000 kg. A2: 55 000 × 400/440 × 0.03 = 1 500.
    A3: 20 000 − 2 000 = 18 000 SEK × 0.1 (2024 factor) = 1 800. Salary line excluded."""
    assert _run(files, "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    first = out["agreements"][0]
    assert list(first)[:11] == [
        "rank",
        "agreement_id",
        "name",
        "supplier",
        "category",
        "spend_sek",
        "kg_co2e",
        "kg_co2e_per_sek",
        "environmental_requirements",
        "end_date",
        "factor_source",
    ]
    ranking = [(a["rank"], a["agreement_id"], round(a["kg_co2e"], 6)) for a in out["agreements"]]
    assert ranking == [(1, "A1", 2000.0), (2, "A3", 1800.0), (3, "A2", 1500.0)]
    assert first["end_date"] == "2025-06-30" and first["environmental_requirements"] is False
    totals = out["totals"]
    assert totals["spend_sek"] == pytest.approx(110_000 + 55_000 + 18_000)
    assert totals["linked_spend_sek"] == pytest.approx(183_000)
    assert totals["unlinked_spend_sek"] == 0 and totals["uncategorised_spend_sek"] == 0
    assert totals["excluded_spend_sek"] == pytest.approx(99_999)
    assert [(r["row"], r["file"].endswith("fakturor.csv")) for r in out["rejected_rows"]] == [
        (8, True)
    ]
    assert {c["category_id"] for c in out["categories"]} == {"it_consulting", "cleaning", "food"}
    assert [p["agreement_id"] for p in out["priority"]] == ["A3", "A1"]


def test_several_factor_sets_are_compared(files, capsys):
    alt = files["dir"] / "alt.csv"
    alt.write_text(
        "category,factor,unit,price_year,source\nit_consulting,1,g CO2e/SEK,2022,alt\n"
        "cleaning,0.03,kg CO2e/SEK,2022,alt\nfood,0.1,kg CO2e/SEK,2024,alt\n",
        encoding="utf-8",
    )
    assert (
        _run(
            files,
            "--format",
            "json",
            "--factors",
            "default",
            "--factors",
            str(alt),
            "--rank-move",
            "1",
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    a1 = next(a for a in out["agreements"] if a["agreement_id"] == "A1")
    assert a1["by_factor_set"]["alt"] == {"kg_co2e": pytest.approx(100.0), "rank": 3}
    assert a1["rank_moved"] is True and a1["max_rank_move"] == 2
    assert [f["name"] for f in out["factor_sets"]] == ["factors_epa_v1.3_sek", "alt"]


def test_table_shows_the_agreements_whose_rank_moves_between_factor_sets(files, capsys):
    """The table output carries the comparison the JSON and the workbook have (issue 22).
    Under ``alt`` A1 falls from 1 (2 000 kg) to 3 (100 kg): a move of 2 places, more than 1;
    A3 (2 → 1) and A2 (3 → 2) move 1 place and are not listed."""
    alt = files["dir"] / "alt.csv"
    alt.write_text(
        "category,factor,unit,price_year,source\nit_consulting,1,g CO2e/SEK,2022,alt\n"
        "cleaning,0.03,kg CO2e/SEK,2022,alt\nfood,0.1,kg CO2e/SEK,2024,alt\n",
        encoding="utf-8",
    )
    argv = ["--factors", "default", "--factors", str(alt), "--rank-move", "1"]
    # English on request: the catalogue's English labels, tonnes as the workbook shows them.
    assert _run(files, "--format", "table", "--lang", "en", *argv) == 0
    text = capsys.readouterr().out
    ranking, _, after = text.partition("Rank moves between factor sets")
    assert "A1" in ranking  # the ranking table comes first
    assert after.startswith(" (more than 1 places, or ranked under one set only): 1 of 3 ")
    header, row = after.splitlines()[1:3]
    assert header.split() == [
        "Agreement",
        "Agreement",
        "name",
        "Rank",
        "(factors_epa_v1.3_sek)",
        "Emissions",
        "(t",
        "CO2e)",
        "(factors_epa_v1.3_sek)",
        "Rank",
        "(alt)",
        "Emissions",
        "(t",
        "CO2e)",
        "(alt)",
        "Largest",
        "rank",
        "move",
    ]
    assert row.split() == ["A1", "IT-konsulttjänster", "1", "2.0", "3", "0.1", "2"]
    assert after.index("Priority list") > after.index(row)
    # Swedish by default: the same table in Swedish words and figures (decimal comma).
    assert _run(files, "--format", "table", *argv) == 0
    text = capsys.readouterr().out
    ranking, _, after = text.partition("Rangen flyttar mellan faktoruppsättningarna")
    assert "A1" in ranking
    assert after.startswith(
        " (mer än 1 platser, eller rangordnat med bara en uppsättning): 1 av 3 "
    )
    header, row = after.splitlines()[1:3]
    assert header.startswith("Avtalsnr") and "Rang (alt)" in header
    assert "Största rangförflyttning" in header
    assert row.split() == ["A1", "IT-konsulttjänster", "1", "2,0", "3", "0,1", "2"]
    assert after.index("Prioriteringslista") > after.index(row)

    assert _run(files, "--format", "table") == 0  # one set: nothing to compare
    assert "Rangen flyttar" not in capsys.readouterr().out


def test_register_only_and_column_mapping(files, tmp_path, capsys):
    odd = tmp_path / "odd.csv"
    odd.write_text("Nr;Vad;Vem;Pengar\nK1;Städ;Städ AB;1000\n", encoding="utf-8")
    code = main(
        [
            "spend",
            "--contracts",
            str(odd),
            "--data-dir",
            str(files["data"]),
            "--column",
            "contracts.agreement_id=Nr",
            "--column",
            "name=Vad",
            "--column",
            "supplier=Vem",
            "--column",
            "contracts.value_sek=Pengar",
            "--format",
            "json",
            "--as-of",
            "2025-01-01",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["spend_basis"] == "estimate (agreement value)"
    agreement = out["agreements"][0]
    assert agreement["spend_sek"] == 1000 and agreement["category"] == "Lokalvård"
    assert agreement["category_rule"] == "keyword" and agreement["spend_basis"].startswith(
        "estimate"
    )


def test_table_and_xlsx(files, tmp_path, capsys):
    assert _run(files) == 0
    text = capsys.readouterr().out
    assert "A1" in text and "Prioriteringslista" in text
    # the ranking's header and figures as the workbook shows them: tkr, t, Ja/Nej/Okänt
    assert "Utgift (tkr)" in text and "Utsläpp (t CO2e)" in text
    first = next(line for line in text.splitlines() if line.split()[:2] == ["1", "A1"])
    assert "110" in first.split() and "2,0" in first.split() and "Nej" in first.split()
    assert "Total utgift: 0,2\u00a0MSEK; Totala utsläpp: 5,3\u00a0t CO2e" in text
    assert "Miljökrav, alla avtal: 33,3\u00a0% (1 av 3; okänt för 1)" in text
    assert "Avvisade rader: 1" in text and "yes" not in text and "unknown" not in text
    assert _run(files, "--lang", "en") == 0
    text = capsys.readouterr().out
    assert "Priority list" in text and "Spend (kSEK)" in text and "Emissions (t CO2e)" in text
    assert "Total spend: 0.2 MSEK; Total emissions: 5.3 t CO2e" in text.replace("\u00a0", " ")
    assert "Environmental requirements, all agreements: 33.3% (1 of 3; unknown for 1)" in text
    first = next(line for line in text.splitlines() if line.split()[:2] == ["1", "A1"])
    assert "2.0" in first.split() and "No" in first.split()
    out = tmp_path / "rapport.xlsx"
    assert _run(files, "--format", "xlsx", "--out", str(out)) == 0
    assert "Avtal" in openpyxl.load_workbook(out).sheetnames


def test_unreadable_input_exits_2_with_one_line(files, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "category,factor,unit,price_year,source\nfood,1,parsec,2022,x\n", encoding="utf-8"
    )
    assert _run(files, "--factors", str(bad)) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "bad.csv" in err and "rad 2" in err  # Swedish by default
    assert _run(files, "--factors", str(bad), "--lang", "en") == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "bad.csv" in err and "row 2" in err
    assert _run(files, "--format", "xlsx") == 2
    assert capsys.readouterr().err.strip() == "spendanalys spend: --format xlsx behöver --out PATH"
    assert _run(files, "--format", "xlsx", "--lang", "en") == 2
    assert capsys.readouterr().err.strip() == "spendanalys spend: --format xlsx needs --out PATH"


def test_lines_export_traces_every_line_and_defuses_formulas(files, tmp_path, capsys):
    import pandas as pd

    files["invoices"].write_text(INVOICES.replace("Okänd AB", "=HYPERLINK(1)"), encoding="cp1252")
    lines = tmp_path / "rader.csv"
    assert _run(files, "--format", "json", "--lines", str(lines)) == 0
    capsys.readouterr()
    table = pd.read_csv(lines, dtype=str)
    assert len(table) == 5  # the broken row was rejected, the total row is not a line
    assert list(table["link_rule"]) == [
        "agreement_id",
        "supplier_name",
        "org_number",
        "org_number",
        "unlinked",
    ]
    assert (
        table.loc[0, "factor_source"] == "test"
        and table.loc[0, "category_rule"] == "agreement_category"
    )
    assert table.loc[4, "supplier"] == "'=HYPERLINK(1)"
