"""Real public exports from ../shared/realdata (see its README for origin and quirks).

Golden figures: each Lambeth file ends with its own total row; the accepted lines must add up to
it to the penny, which checks number parsing, header detection and total-row skipping at once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendanalys.errors import InputFormatError
from spendanalys.io import read_contracts, read_invoices

pytestmark = pytest.mark.realdata

SUPPLIER_TOTAL = {"amount_sek": "Total"}  # Lambeth 2011 files: "Supplier Name,Total"


def test_lambeth_2012_06_preamble_total_row_and_mojibake_tail(realdata_dir: Path) -> None:
    result = read_invoices(realdata_dir / "invoices_uk/lambeth_2012-06-payments_original.csv")
    info = result.info
    assert (info.encoding, info.delimiter, info.header_row) == ("utf-8", ",", 10)
    assert info.columns == {
        "supplier": "Supplier Name",
        "date": "Invoice Creation Date",
        "amount_sek": "Invoice Nett Amount",
        "text": "Subj Description",
    }
    table = result.table
    assert len(table) == 3155
    assert round(table["amount_sek"].sum(), 2) == 40_292_334.84  # the file's own Total row
    first = table.iloc[0]
    assert (first["supplier"], first["amount_sek"], first["source_row"]) == (
        "170 Community Project", 1534.24, 11
    )  # fmt: skip
    assert first["date"] == pd.Timestamp("2012-06-08")
    assert table["source_row"].iloc[-1] == 3165
    assert "skipped total row 3167 ('Total')" in info.notes
    # The last line holds only a run of U+2020 (mojibake of no-break spaces): content without an
    # amount, so it is rejected with a reason rather than silently dropped.
    assert [(r.row, r.column) for r in result.rejected] == [(3171, "Invoice Nett Amount")]


@pytest.mark.parametrize(
    ("month", "rows", "total", "first_supplier", "first_amount", "total_row"),
    [
        ("2011-04", 965, 37_361_284.82, "Lambeth Living Ltd", 2_909_121.01, 968),  # "£2,909,121.01"
        (
            "2011-11",
            1014,
            38_293_628.86,
            "Transport Trading Limited",
            2_837_397.00,
            1017,
        ),  # bare CR
        ("2011-02", 1138, 40_354_087.84, "16 Plus Independent Living Project", 3562.12, 1141),
    ],
)
def test_lambeth_2011_supplier_totals(
    realdata_dir: Path,
    month: str,
    rows: int,
    total: float,
    first_supplier: str,
    first_amount: float,
    total_row: int,
) -> None:
    path = realdata_dir / f"invoices_uk/lambeth_{month}-payments_original.csv"
    with pytest.raises(InputFormatError, match="amount_sek"):
        read_invoices(path)  # "Total" is not an amount synonym: the user must say so
    result = read_invoices(path, columns=SUPPLIER_TOTAL)
    assert result.info.header_row == 2 and not result.rejected
    assert len(result.table) == rows
    assert round(result.table["amount_sek"].sum(), 2) == total
    assert result.table["supplier"].iloc[0] == first_supplier
    assert result.table["amount_sek"].iloc[0] == first_amount
    assert result.table["source_row"].iloc[0] == 3
    assert f"skipped total row {total_row} ('Grand Total')" in result.info.notes


def test_oxford_2014_junk_row(realdata_dir: Path) -> None:
    result = read_invoices(
        realdata_dir / "invoices_uk/oxford_expenditure-over-500-jan-mar-2014.csv"
    )
    assert result.info.columns["amount_sek"] == "amount"
    assert result.info.columns["supplier"] == "supplier_name"
    assert len(result.table) == 3859
    first = result.table.iloc[0]
    assert (first["invoice_id"], first["supplier"], first["amount_sek"]) == (
        "46279931_1", "NIRA EVENTS", 500.0
    )  # fmt: skip
    assert first["date"] == pd.Timestamp("2014-01-21")
    assert result.table["supplier"].iloc[1] == "CgMs Ltd."  # trailing spaces stripped
    [junk] = result.rejected
    assert junk.row == 3861 and "no value for amount_sek" in junk.reason  # ",,xxx,,,,,,,"


def test_oxford_2018_changed_headers(realdata_dir: Path) -> None:
    path = realdata_dir / "invoices_uk/oxford_expenditure-over-500-jan-mar-2018.csv"
    result = read_invoices(path)
    assert result.info.columns["invoice_id"] == "Trans No"
    assert result.info.columns["date"] == "Paid Date"
    assert result.rows_accepted + result.rows_rejected == 1220
    # Nine "Difference A/c" lines of 0.01 have no supplier at all: rejected, with the reason.
    assert result.rows_rejected == 9
    assert all(r.column == "Supplier Name" for r in result.rejected)
    assert result.table["invoice_id"].iloc[0] == "46296351 - 1"
    assert result.table["source_row"].iloc[-1] == 1221  # last line has no final newline
    mapped = read_invoices(path, columns={"invoice_id": "Expenditure Code", "text": "Client"})
    assert mapped.table["invoice_id"].iloc[0] == "Z750101"
    assert mapped.table["text"].iloc[0] == "OCC"


def test_lancashire_fire_xlsx(realdata_dir: Path) -> None:
    result = read_invoices(realdata_dir / "invoices_uk/lancashire_fire_2023-24.xlsx")
    assert result.info.sheet == "23-24 transparency" and result.info.header_row == 1
    assert len(result.table) == 6999 and not result.rejected
    first, last = result.table.iloc[0], result.table.iloc[-1]
    assert (first["invoice_id"], first["supplier"], first["amount_sek"]) == (
        "6002012", "bates office services ltd", 794.0
    )  # fmt: skip
    assert first["date"] == pd.Timestamp("2023-06-01")  # the cell says 01:00
    assert (last["invoice_id"], last["source_row"]) == ("45366CC", 7000)


def test_vgr_swedish_ledger_bare_cr(realdata_dir: Path) -> None:
    result = read_invoices(
        realdata_dir / "invoices_se/vgr_leverantorsfakturor_sample_RECONSTRUCTED.csv"
    )
    assert result.info.delimiter == ";"
    table = result.table
    assert table["amount_sek"].tolist() == [136.98, 5058332.75, -14250.0, 3285.0]
    assert table["supplier"].iloc[1] == "Västsvenska TuristRådet AB"
    assert table["date"].iloc[0] == pd.Timestamp("2026-01-07")
    assert table["account"].tolist() == ["8591", "5831", "7599", "7551"]
    assert table["invoice_id"].isna().all()  # "-" means no invoice number
    assert table["source_row"].tolist() == [2, 3, 4, 5]


def test_vasteras_json_is_out_of_scope(realdata_dir: Path) -> None:
    # A recorded page of a JSON API, not a CSV/XLSX export: refused with a clear reason.
    with pytest.raises(InputFormatError, match="JSON"):
        read_invoices(realdata_dir / "invoices_se/vasteras_rowstore_sample.json")


UHM_COLUMNS = {
    "agreement_id": "Upphandlings-ID",
    "name": "Upphandlingens titel",
    "cpv": "Huvudsaklig CPV-kod",
    "start_date": "Publiceringsdatum",
    "value_sek": "Kontrakterat värde, Summa",
    "environmental_requirements": "Miljömässigt hållbar upphandling",
}


def test_upphandlingsmyndigheten_contract_list(realdata_dir: Path) -> None:
    path = realdata_dir / "contracts/uhm_contracted_value_2021_okfse.xlsx"
    with pytest.raises(InputFormatError, match="need a column for agreement_id"):
        read_contracts(path)  # only "Huvudsaklig CPV-kod" is a known header
    result = read_contracts(path, columns=UHM_COLUMNS)
    assert result.info.sheet == "Kontrakterat värde, Summa"
    table = result.table
    assert len(table) == 9780 and not result.rejected
    first = table.iloc[0]
    assert (first["agreement_id"], first["name"], first["cpv"], first["value_sek"]) == (
        "KA785", "Bemanningstjänster", "79624000", 1460.0
    )  # fmt: skip
    assert first["start_date"] == pd.Timestamp("2021-01-01")
    # 'True' in 643 rows and blank (unknown, not "no") in the rest.
    counts = table["environmental_requirements"].value_counts(dropna=False)
    assert counts[True] == 643 and table["environmental_requirements"].isna().sum() == 9137
