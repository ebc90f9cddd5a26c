"""``spendanalys inspect``: the first command users meet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spendanalys.cli import main

LEDGER = (
    "Leverantörsfakturor 2024\n"
    "Fakturanummer;Fakturadatum;Leverantör;Belopp exkl. moms\n"
    "F1;2024-03-15;Åkeri AB;1 234,50\n"
    "F2;2024-03-16;Städ AB;41,2,500\n"
    "Summa;;;1 234,50\n"
)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "fakturor.csv"
    path.write_bytes(LEDGER.encode("cp1252"))
    return path


def test_json_has_the_documented_keys(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(ledger), "--kind", "invoices", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc)[:10] == [
        "file", "kind", "encoding", "delimiter", "sheet", "header_row", "columns",
        "rows_accepted", "rows_rejected", "rejected_rows",
    ]  # fmt: skip
    assert doc["encoding"] == "cp1252" and doc["delimiter"] == ";" and doc["sheet"] is None
    assert doc["header_row"] == 2
    assert doc["columns"] == {
        "invoice_id": "Fakturanummer",
        "date": "Fakturadatum",
        "supplier": "Leverantör",
        "amount_sek": "Belopp exkl. moms",
    }
    assert (doc["rows_accepted"], doc["rows_rejected"]) == (1, 1)
    assert doc["rejected_rows"] == [
        {
            "file": str(ledger),
            "row": 4,
            "column": "Belopp exkl. moms",
            "reason": "'41,2,500' is not a number",
        }
    ]
    assert "skipped total row 5 ('Summa')" in doc["notes"]


def test_table_output(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Swedish by default: the catalogue's labels, a rejected row's reason worded as the
    # dashboard words it.
    assert main(["inspect", str(ledger), "--kind", "invoices"]) == 0
    out = capsys.readouterr().out
    assert "Teckenkodning: cp1252" in out and "Rubrikrad:     2" in out
    assert "Underlag:      Leverantörsfakturor" in out
    assert "amount_sek" in out and "Belopp exkl. moms" in out and "Fält" in out
    assert "Avvisade rader:" in out and "'41,2,500' är inget tal" in out
    assert main(["inspect", str(ledger), "--kind", "invoices", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Encoding:   cp1252" in out and "Header row: 2" in out
    assert "Dataset:    Supplier invoices" in out
    assert "amount_sek" in out and "Belopp exkl. moms" in out
    assert "'41,2,500' is not a number" in out


def test_column_option_maps_headers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Motpart;Netto\nA AB;10\n", encoding="utf-8")
    args = ["inspect", str(path), "--kind", "invoices", "--format", "json"]
    assert (
        main([*args, "--column", "supplier=Motpart", "--column", "invoices.amount_sek=Netto"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["rows_accepted"] == 1
    assert main([*args, "--column", "supplier=Motpart", "--column", "amount_sek=Brutto"]) == 2
    err = capsys.readouterr().err
    assert "'Brutto'" in err and "x.csv" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"", "empty.csv"), (b"\x00\x01\x02\x03" * 50, "bin.csv"), (b"PK\x03\x04xx", "cut.xlsx")],
)
def test_unreadable_file_exits_2_with_one_line(
    tmp_path: Path, content: bytes, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["inspect", str(path), "--kind", "contracts"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and name in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(tmp_path / "nope.csv"), "--kind", "fte"]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_module_entry_point(ledger: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spendanalys", "inspect", str(ledger), "--kind", "invoices",
         "--format", "json"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows_accepted"] == 1


@pytest.mark.realdata
def test_inspect_uhm_workbook_with_mapping(
    realdata_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = realdata_dir / "contracts/uhm_contracted_value_2021_okfse.xlsx"
    argv = [
        "inspect", str(path), "--kind", "contracts", "--format", "json",
        "--column", "agreement_id=Upphandlings-ID",
        "--column", "contracts.value_sek=Kontrakterat värde, Summa",
        "--column", "environmental_requirements=Miljömässigt hållbar upphandling",
    ]  # fmt: skip
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sheet"] == "Kontrakterat värde, Summa" and doc["header_row"] == 1
    assert doc["encoding"] is None and doc["delimiter"] is None
    assert doc["rows_accepted"] == 9780 and doc["rows_rejected"] == 0
