"""The upload gate (issue 7, item 1): each attack is built here and must be refused cleanly.

Every hostile workbook is refused from the zip directory or a bounded prolog scan, in well under
a second and without inflating the payload; every real workbook we have passes.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import hostile_files as hf
import pandas as pd
import pytest
from openpyxl import Workbook

from spendanalys.errors import ConfigurationError, InputFormatError
from spendanalys.io.result import ReadInfo, ReadResult
from spendanalys.io.upload_guard import (
    DEFAULT_LIMITS,
    UploadLimits,
    assert_defusedxml_active,
    check_upload,
    reject_control_characters,
    scan_control_characters,
)


def _refusal(name: str, data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> InputFormatError:
    with pytest.raises(InputFormatError) as caught:
        check_upload(name, data, limits=limits)
    assert caught.value.file == name
    return caught.value


@pytest.mark.parametrize("name", sorted(hf.HOSTILE_WORKBOOKS))
def test_hostile_workbook_refused_fast_and_flat(name, tmp_path):
    builder, expected = hf.HOSTILE_WORKBOOKS[name]
    path = tmp_path / name
    path.write_bytes(builder())
    tracemalloc.start()
    start = time.perf_counter()
    error = _refusal(name, path.read_bytes())
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert expected in error.reason, error.reason
    assert seconds < 1.0
    assert peak < 5 * 1024 * 1024, f"the guard allocated {peak:,} bytes"


def test_ratio_bomb_is_judged_from_the_directory():
    data = hf.ratio_bomb()
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo(hf.SHEET)
    assert member.file_size / member.compress_size > 500  # the file really is a bomb
    assert "1,0" in _refusal("bomb.xlsx", data).reason  # the ratio is named


def test_too_many_members():
    error = _refusal("many.xlsx", hf.many_members(1_500))
    assert "1,5" in error.reason and "parts" in error.reason


def test_total_size_limit_is_configurable():
    data = hf.workbook_bytes([hf.CONTRACT_HEADER] + [["A", "n" * 50, "s", "1", 5]] * 2000)
    check_upload("ok.xlsx", data)
    small = UploadLimits(max_total_uncompressed=100_000)
    assert "unpack to" in _refusal("big.xlsx", data, small).reason


def test_a_real_sized_sheet_passes_the_ratio_cap():
    """20,000 rows × 5 columns (about 9.5× compressed) must pass: real exports are not bombs."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Fakturor")
    ws.append(["Nr", "Leverantör", "Faktura", "Belopp", "Datum"])
    for r in range(20_000):
        ws.append([r, f"Leverantör {r % 97}", f"F-{r:07d}", 1234.56 + r, "2024-01-01"])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    ratio = max(i.file_size / max(i.compress_size, 1) for i in members)
    assert 5 < ratio < DEFAULT_LIMITS.max_member_ratio / 5
    check_upload("fakturor.xlsx", data)


@pytest.mark.parametrize(
    ("name", "builder", "expected"),
    [
        ("gammal.xls", hf.xls_bytes, ".xls"),
        ("gammal.xlsx", hf.xls_bytes, ".xls"),  # OLE2 content whatever the name
        ("kalkyl.ods", hf.ods_bytes, ".ods"),
        ("kalkyl.xlsx", hf.ods_bytes, "OpenDocument"),
        ("brev.xlsx", hf.docx_bytes, "Word"),
        ("arkiv.xlsx", hf.plain_zip, "not an Excel workbook"),
        ("avtal.xlsx", lambda: b"Avtalsnummer;Avtalsnamn\nA-1;x\n", "rename it to .csv"),
        ("avtal.csv", hf.contract_workbook, "rename it to .xlsx"),
        ("tom.csv", lambda: b"", "empty"),
        ("tom.xlsx", lambda: b"   \n", "empty"),
        ("binar.csv", lambda: b"Avtalsnummer;Namn\nA\x00-1;x\n", "NUL"),
        ("brus.xlsx", lambda: bytes(range(1, 256)) * 8, "not a zip"),
        ("brus.csv", lambda: bytes(range(1, 32)) * 64, "binary"),
        ("kapad.xlsx", hf.truncated, "truncated"),
        ("tom_zip.xlsx", lambda: b"PK\x05\x06" + b"\x00" * 18, "empty zip"),
        ("avtal.pdf", lambda: b"%PDF-1.7", "only .csv and .xlsx"),
    ],
)
def test_wrong_or_damaged_files_get_a_clear_reason(name, builder, expected):
    assert expected in _refusal(name, builder()).reason


def test_utf16_csv_with_nul_bytes_is_text():
    text = "Avtalsnummer\tAvtalsnamn\nA-1\tStäd\n"
    check_upload("unicode.csv", b"\xff\xfe" + text.encode("utf-16-le"))
    check_upload("unicode_nobom.csv", text.encode("utf-16-le"))
    check_upload("cp1252.csv", text.encode("cp1252"))


def test_real_workbooks_pass(realdata_dir: Path, sample_dir: Path, capsys):
    """Every workbook we have passes; the measured sizes and ratios are printed (-s)."""
    paths = sorted(realdata_dir.rglob("*.xlsx")) + sorted(sample_dir.glob("*.xlsx"))
    assert paths
    for path in paths:
        data = path.read_bytes()
        check_upload(path.name, data)
        infos = zipfile.ZipFile(path).infolist()
        total = sum(i.file_size for i in infos)
        ratio = max(i.file_size / max(i.compress_size, 1) for i in infos)
        assert total < DEFAULT_LIMITS.max_total_uncompressed / 10
        assert ratio < DEFAULT_LIMITS.max_member_ratio / 5
        print(f"{path.name}: {len(infos)} parts, {total:,} bytes unpacked, max ratio {ratio:.1f}")


def test_real_csv_files_pass(realdata_dir: Path, sample_dir: Path):
    for path in sorted(realdata_dir.rglob("*.csv")) + sorted(sample_dir.glob("*.csv")):
        check_upload(path.name, path.read_bytes())


def test_defusedxml_is_active():
    assert_defusedxml_active()


def test_startup_check_refuses_without_defusedxml():
    """Negative control: with openpyxl's protection switched off, the start-up check raises."""
    env = {**os.environ, "OPENPYXL_DEFUSEDXML": "False"}
    code = (
        "from spendanalys.io.upload_guard import assert_defusedxml_active\n"
        "try:\n    assert_defusedxml_active()\nexcept Exception as e:\n"
        "    print(type(e).__name__, e); raise SystemExit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "ConfigurationError" in done.stdout and "OPENPYXL_DEFUSEDXML" in done.stdout


def test_startup_check_refuses_when_openpyxl_flag_is_off(monkeypatch):
    from openpyxl import xml as openpyxl_xml

    monkeypatch.setattr(openpyxl_xml, "DEFUSEDXML", False)
    with pytest.raises(ConfigurationError, match="defusedxml"):
        assert_defusedxml_active()


def _result(table: pd.DataFrame) -> ReadResult:
    info = ReadInfo(file="f.csv", kind="contracts", columns={"name": "Avtalsnamn"})
    return ReadResult(table, [], info)


def test_control_characters_are_reported_at_import():
    table = pd.DataFrame(
        {
            "agreement_id": pd.Series(["A1", "A2", "A3", "A4"], dtype="string"),
            "name": pd.Series(["ok", "bell\x07", "tab\tand\nnewline", "c1\x85"], dtype="string"),
            "value_sek": [1.0, 2.0, 3.0, 4.0],
            "source_file": pd.Series(["f.csv"] * 4, dtype="string"),
            "source_row": [2, 3, 4, 5],
        }
    )
    found = scan_control_characters(table, "f.csv", {"name": "Avtalsnamn"})
    assert [(r.row, r.column) for r in found] == [(3, "Avtalsnamn"), (5, "Avtalsnamn")]
    assert "U+0007" in found[0].reason and "U+0085" in found[1].reason
    cleaned = reject_control_characters(_result(table))
    assert cleaned.table["source_row"].tolist() == [2, 4]
    assert cleaned.rows_accepted + cleaned.rows_rejected == 4  # nothing lost
    assert not scan_control_characters(cleaned.table)


def test_control_character_scan_of_an_empty_table():
    table = pd.DataFrame({"name": pd.Series([], dtype="string"), "source_row": []})
    assert scan_control_characters(table) == []


def test_dashboard_upload_path_uses_the_guard(tmp_path):
    from spendanalys import services
    from spendanalys.store.database import Store

    store = Store(f"sqlite:///{tmp_path / 'guard.sqlite'}")
    try:
        bomb = services.import_upload(
            store, "contracts", "bomb.xlsx", hf.ratio_bomb(), user="anna", role="admin"
        )
        assert bomb.error and "zip bomb" in bomb.error
        # A realistic register with one stray control character: the row is rejected, not
        # the file (a file that is mostly control characters is refused as binary instead).
        good = "".join(f"A-{i};Avtal nummer {i} om städtjänster;{i} 000\n" for i in range(20))
        text = f"Avtalsnummer;Avtalsnamn;Avtalsvärde\n{good}A-99;bell\x07;2\n".encode()
        outcome = services.import_upload(
            store, "contracts", "ctrl.csv", text, user="anna", role="admin"
        )
        assert (outcome.rows_accepted, outcome.rows_rejected) == (20, 1)
    finally:
        store.close()
