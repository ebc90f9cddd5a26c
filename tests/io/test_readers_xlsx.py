"""Workbooks: title rows, merged cells, several sheets, typed cells, Excel row numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from spendanalys.errors import InputFormatError
from spendanalys.io import read_contracts, read_invoices


def _workbook(
    tmp_path: Path, sheets: dict[str, list[list[object]]], merge: str | None = None
) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


CONTRACTS: list[list[object]] = [
    ["Avtalsförteckning 2024"],
    [],
    [
        "Avtalsnummer",
        "Leverantör",
        "Organisationsnummer",
        "CPV-kod",
        "Startdatum",
        "Avtalsvärde per år (kr)",
        "Miljökrav",
    ],
    ["A-1", "Åkeri AB", "556677-8899", 79620000, datetime(2023, 4, 3), 1200000, "Ja"],
    ["A-2", "Städ AB", 5566778899, "79620000-6 Städ", 45366, "1 000,50", None],
    [None, None, None, None, None, None, None],
    ["A-3", "Fel AB", "GB123", None, date(2024, 1, 1), 5, "Nej"],
    ["Summa", None, None, None, None, 1201005.5, None],
]


def test_title_rows_merged_title_and_excel_row_numbers(tmp_path: Path) -> None:
    result = read_contracts(_workbook(tmp_path, {"Avtal": CONTRACTS}, merge="A1:G1"))
    info = result.info
    assert (info.sheet, info.header_row, info.encoding, info.delimiter) == ("Avtal", 3, None, None)
    table = result.table
    assert table["agreement_id"].tolist() == ["A-1", "A-2"]
    assert table["source_row"].tolist() == [4, 5]
    assert table["org_number"].tolist() == ["5566778899", "5566778899"]
    assert table["cpv"].tolist() == ["79620000", "79620000"]
    assert table["start_date"].tolist() == [pd.Timestamp("2023-04-03"), pd.Timestamp("2024-03-15")]
    assert table["value_sek"].tolist() == [1200000.0, 1000.5]
    assert table["environmental_requirements"].tolist() == [True, pd.NA]
    assert [(r.row, r.column) for r in result.rejected] == [(7, "Organisationsnummer")]
    assert any("total row 8 ('Summa')" in n for n in info.notes)


def test_the_sheet_with_a_recognised_header_is_picked(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        {
            "Läs mig": [["Den här filen innehåller avtal"], ["Kontakt: ekonomi"]],
            "Avtal": CONTRACTS,
            "Pivot": [["Kategori", "Summa"], ["IT", 5]],  # type: ignore[list-item]
        },
    )
    result = read_contracts(path)
    assert result.info.sheet == "Avtal" and result.rows_accepted == 2
    assert "read 1 of 3 sheets: 'Avtal'" in result.info.notes
    assert result.info.sheets_left == {
        "Läs mig": "no recognised contracts header",
        "Pivot": "only one recognised header ('Kategori'): not a contracts table",
    }


def test_a_named_sheet_is_read_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    other: list[list[object]] = [["Avtalsnummer", "Leverantör"], ["B-1", "Annan AB"]]
    path = _workbook(tmp_path, {"Avtal": CONTRACTS, "Gamla": other})
    assert read_contracts(path, sheet="Gamla").table["agreement_id"].tolist() == ["B-1"]
    with pytest.raises(InputFormatError) as caught:
        read_contracts(path, sheet="Nya")
    assert "'Nya'" in caught.value.reason and "'Gamla'" in caught.value.reason


def test_typed_invoice_cells(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Transaction Number", "Date", "Supplier Name", "Amount"],
        [6002012.0, datetime(2023, 6, 1, 1, 0), "bates office services ltd", 794.0],
        ["45366CC", date(2024, 3, 15), "mirivili rooms", "570.15"],
        [6002013, "not a date", "x", 1.0],
    ]
    result = read_invoices(_workbook(tmp_path, {"23-24": rows}))
    assert result.table["invoice_id"].tolist() == ["6002012", "45366CC"]
    assert result.table["date"].tolist() == [pd.Timestamp("2023-06-01"), pd.Timestamp("2024-03-15")]
    assert result.table["amount_sek"].tolist() == [794.0, 570.15]
    assert [(r.row, r.column) for r in result.rejected] == [(4, "Date")]


def test_workbook_without_recognised_header(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="no recognised contracts header"):
        read_contracts(_workbook(tmp_path, {"Blad1": [["a", "b"], [1, 2]]}))


def test_stray_cells_right_of_the_header_are_noted_not_silently_dropped(tmp_path: Path) -> None:
    """In a sheet the header row spans the used area, so a stray cell sits under no header."""
    rows: list[list[object]] = [
        ["Avtalsnummer", "Leverantör"],
        ["A-1", "Åkeri AB"],
        ["A-2", "Städ AB", None, "ring Eva"],
        ["A-3", "Fel AB", None, "x"],
    ]
    result = read_contracts(_workbook(tmp_path, {"Avtal": rows}))
    assert result.rows_accepted == 3
    assert "column 4 has no header: its values in 2 rows were not read" in result.info.notes


def test_a_sheet_thousands_of_columns_wide_is_refused_with_the_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Avtal"
    sheet.append(["Avtalsnummer", "Leverantör"])
    sheet.append(["A-1", "Åkeri AB"])
    sheet.cell(row=2, column=5000, value="oops")
    path = tmp_path / "wide.xlsx"
    book.save(path)
    with pytest.raises(InputFormatError) as caught:
        read_contracts(path)
    assert caught.value.sheet == "Avtal"
    assert "5,000 columns wide" in caught.value.reason


def test_a_huge_workbook_number_is_a_rejected_row(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Fakturanummer", "Fakturadatum", "Leverantör", "Belopp exkl. moms"],
        ["F1", datetime(2024, 1, 5), "A AB", 1e300],
        ["F2", datetime(2024, 1, 6), "A AB", 12.5],
    ]
    result = read_invoices(_workbook(tmp_path, {"Fakturor": rows}))
    assert result.table["amount_sek"].tolist() == [12.5]
    assert [(r.row, r.column) for r in result.rejected] == [(2, "Belopp exkl. moms")]
