"""Outputs name each factor set by name, version, licence and file name, never by a path.

Issue 22: the JSON and the workbooks named each factor set by its absolute path on the machine
that ran them (``"/…/emission_factors/spend/…csv"``), which leaks the installation's layout into
reports that leave the building, and not by the set's version (``epa-v1.3-sek-1.0`` is in the
file's header). Here both commands run on copies of the sample data outside the checkout, with
the built-in sets and a user set beside them; no output (the JSON of spend and of travel, every
cell of both workbooks) may contain the checkout's path or the installed data folder's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from spendanalys.cli import main
from spendanalys.datafiles import DEFAULT_DATA_DIR
from spendanalys.travel.factors import FACTOR_DIR

EPA = {
    "name": "factors_epa_v1.3_sek",
    "version": "epa-v1.3-sek-1.0",
    "licence": "US public domain",
    "file": "factors_epa_v1.3_sek.csv",
    "built_in": True,
}
# The second built-in set joins every run after the sets asked for (the sensitivity).
EXIOBASE = {
    "name": "factors_exiobase3_no_2019_sek",
    "version": "exiobase3-no-2019-sek-1.0",
    "licence": "CC BY-SA 4.0",
    "file": "factors_exiobase3_no_2019_sek.csv",
    "built_in": True,
}
MINE = {
    "name": "mina_faktorer",
    "version": "2026.1",
    "licence": "CC0 1.0",
    "file": "mina_faktorer.csv",
    "built_in": False,
}
SWEDISH = {
    "name": "sweden_default_2025",
    "version": "2025",
    "file": "sweden_default_2025.csv",
    "built_in": True,
}
DESNZ = {
    "name": "desnz_2025",
    "version": "2025",
    "licence": "OGL v3",
    "file": "desnz_2025.csv",
    "built_in": True,
}


@pytest.fixture
def work(tmp_path: Path, sample_dir: Path) -> Path:
    """Copies of the sample exports, and a user's factor set, in a folder outside the checkout."""
    for name in ("avtalsforteckning.xlsx", "leverantorsfakturor_2024.csv", "arsarbetskrafter.csv"):
        shutil.copy(sample_dir / name, tmp_path / name)
    # Every 20th trip of the sample (all years, every mode) keeps the workbook small to scan.
    trips = (sample_dir / "resor_2019_2024.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "resor.csv").write_text("\n".join(trips[:1] + trips[1::20]) + "\n", "utf-8")
    (tmp_path / "mina_faktorer.csv").write_text(
        "# Our own set. Version: 2026.1.\n"
        "category,factor,unit,price_year,source,licence\n"
        "it_consulting,12,g CO2e/SEK,2024,our study,CC0 1.0\n"
        "construction_works,0.04,kg CO2e/SEK,2024,our study,CC0 1.0\n",
        encoding="utf-8",
    )
    return tmp_path


def _forbidden(repo_dir: Path) -> list[str]:
    """The checkout's path and the folders the built-in data are read from, as written and
    resolved."""
    folders = {repo_dir, DEFAULT_DATA_DIR, FACTOR_DIR, DEFAULT_DATA_DIR.parent}
    return sorted({str(p) for f in folders for p in (f, f.resolve())}, key=len)


def _cells(path: Path) -> list[tuple[str, int, list[Any]]]:
    """Every row of every sheet: (sheet, row number, values)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [
            (ws.title, i, list(row))
            for ws in book.worksheets
            for i, row in enumerate(ws.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def _set_rows(rows: list[tuple[str, int, list[Any]]], sheet: str) -> list[list[Any]]:
    """The rows naming the factor sets: labelled so in column A, above the factor table (whose
    header starts with the same word)."""
    sheet_rows = [v for title, _, v in rows if title == sheet]
    after = ("Inställning", "Kategoriregler")  # the rows that follow the sets on each sheet
    end = next(i for i, v in enumerate(sheet_rows) if v[:1] and v[0] in after)
    return [v for v in sheet_rows[:end] if v and v[0] == "Faktoruppsättning"]


def _assert_no_path(rows: list[tuple[str, int, list[Any]]], forbidden: list[str]) -> None:
    for sheet, number, values in rows:
        text = "\x00".join(str(v) for v in values if v is not None)
        assert not any(f in text for f in forbidden), (sheet, number, values)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def test_spend_names_each_set_by_version_and_file_never_by_path(
    work: Path, repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["spend", "--contracts", str(work / "avtalsforteckning.xlsx")]
    argv += ["--invoices", str(work / "leverantorsfakturor_2024.csv"), "--as-of", "2025-01-01"]
    argv += ["--factors", "default", "--factors", str(work / "mina_faktorer.csv")]
    text = _run([*argv, "--format", "json"], capsys)
    doc = json.loads(text)
    assert doc["factor_sets"] == [EPA, MINE, EXIOBASE]
    for folder in _forbidden(repo_dir):
        assert folder not in text

    out = work / "rapport.xlsx"
    _run([*argv, "--format", "xlsx", "--out", str(out)], capsys)
    rows = _cells(out)
    _assert_no_path(rows, _forbidden(repo_dir))
    named = _set_rows(rows, "Metod och källor")
    assert [v[1:6] for v in named] == [
        [d["name"], d["version"], d["licence"], d["file"], "inbyggd" if d["built_in"] else "egen"]
        for d in (EPA, MINE, EXIOBASE)
    ]
    # The rule tables are named by file too.
    rules = [v for t, _, v in rows if t == "Metod och källor" and v and v[0] == "Kategoriregler"]
    assert ["cpv_map.csv", "cpv_map.csv (inbyggd)"] in [v[1:3] for v in rules]

    table = _run([*argv, "--format", "table", "--top", "3"], capsys)
    assert "factors_epa_v1.3_sek (version epa-v1.3-sek-1.0, factors_epa_v1.3_sek.csv" in table
    assert "mina_faktorer (version 2026.1, mina_faktorer.csv, licens CC0 1.0)" in table
    table = _run([*argv, "--format", "table", "--top", "3", "--lang", "en"], capsys)
    assert "mina_faktorer (version 2026.1, mina_faktorer.csv, licence CC0 1.0)" in table


def test_travel_names_each_set_by_version_and_file_never_by_path(
    work: Path, repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["travel", "--trips", str(work / "resor.csv")]
    argv += ["--fte", str(work / "arsarbetskrafter.csv")]
    text = _run([*argv, "--format", "json", "--include-trips"], capsys)
    doc = json.loads(text)
    used, compared = doc["factor_sets"]
    assert {k: used[k] for k in SWEDISH} == SWEDISH and used["role"] == "used"
    assert "OGL v3" in used["licence"]  # derived rows state their own licences beside it
    assert {k: compared[k] for k in DESNZ} == DESNZ and compared["role"] == "compared"
    assert "factor_path" not in doc["settings"]
    for folder in _forbidden(repo_dir):
        assert folder not in text

    out = work / "resor.xlsx"
    _run([*argv, "--format", "xlsx", "--out", str(out)], capsys)
    rows = _cells(out)
    _assert_no_path(rows, _forbidden(repo_dir))
    named = _set_rows(rows, "Metod och källor")
    assert [v[1:6] for v in named] == [
        [d["name"], d["version"], d["licence"], d["file"], role]
        for d, role in ((used, "används"), (compared, "jämförs med"))
    ]
