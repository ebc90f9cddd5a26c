"""Generate the sample exports of an invented Swedish agency ("Exempelmyndigheten").

    python sample_data/generate.py [--out DIR]

Deterministic: every random draw comes from numpy generators seeded with ``SEED`` (one stream
per file), no draw depends on the date of running, and workbooks get fixed timestamps, so a
re-run rewrites the committed files byte for byte. See sample_data/README.md for what each file
holds and which quirks it carries on purpose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _contracts  # noqa: E402
import _invoices  # noqa: E402
import _travel  # noqa: E402
from _common import FIXED_TIMESTAMP, freeze_xlsx, swedish_number, write_csv  # noqa: E402
from _xlsx import STYLE_DATE, STYLE_MONEY, write_sheet  # noqa: E402

SEED = 20250101
CREATOR = "Exempelmyndigheten"


def _stream(k: int) -> np.random.Generator:
    return np.random.default_rng([SEED, k])


def write_contracts(contracts: pd.DataFrame, out: Path) -> None:
    """avtalsforteckning.xlsx (merged title, empty row, header in row 3) and the BOM CSV."""
    rows = _contracts.register_rows(contracts)
    wb = Workbook()
    ws = wb.active
    ws.title = "Avtal"
    ws["A1"] = _contracts.TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="left")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_contracts.HEADER))
    ws.append([])
    ws.append(list(_contracts.HEADER))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for r in range(4, ws.max_row + 1):
        ws.cell(r, 7).number_format = ws.cell(r, 8).number_format = "yyyy-mm-dd"
        ws.cell(r, 9).number_format = "#,##0"
    for letter, width in zip("ABCDEFGHIJ", (14, 48, 40, 18, 28, 34, 12, 12, 22, 10), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"
    _save(wb, out / "avtalsforteckning.xlsx")

    text_rows = [
        [*r[:6], r[6].isoformat(), r[7].isoformat(), swedish_number(r[8], 0), r[9] or ""]
        for r in rows
    ]
    write_csv(
        out / "avtalsforteckning.csv",
        [_contracts.HEADER, *text_rows],
        encoding="utf-8-sig",
        newline="\r\n",
    )


def write_invoices(lines: pd.DataFrame, out: Path) -> None:
    """The ledger as a cp1252 CSV (title row, Swedish numbers, Summa row, CRLF) and as XLSX.

    The XLSX goes through the small writer in ``_xlsx`` rather than openpyxl: without lxml,
    openpyxl's write-only mode needs several seconds for these 240,000 cells.
    """
    total_ore = int(lines["ore"].sum())
    dates = [d.date() for d in lines["date"]]
    konto = lines["konto"].tolist()
    amounts = (lines["ore"] / 100).tolist()
    columns = (lines["invoice_id"], lines["supplier"], lines["ledger_org"], lines["agreement_id"])
    text = lines["text"].tolist()

    csv_rows: list[list[object]] = [[_invoices.TITLE], list(_invoices.HEADER)]
    for i, (inv, sup, org, agr) in enumerate(zip(*columns, strict=True)):
        amount = swedish_number(amounts[i])
        csv_rows.append([inv, dates[i].isoformat(), sup, org, konto[i], amount, agr, text[i]])
    csv_rows.append(["Summa", "", "", "", "", swedish_number(total_ore / 100), "", ""])
    write_csv(out / "leverantorsfakturor_2024.csv", csv_rows, encoding="cp1252", newline="\r\n")

    sheet_rows: list[list[object]] = [[_invoices.TITLE], list(_invoices.HEADER)]
    for i, (inv, sup, org, agr) in enumerate(zip(*columns, strict=True)):
        sheet_rows.append([inv, dates[i], sup, org, int(konto[i]), amounts[i], agr, text[i]])
    sheet_rows.append(["Summa", None, None, None, None, total_ore / 100, None, None])
    write_sheet(
        out / "leverantorsfakturor_2024.xlsx",
        "Fakturor",
        sheet_rows,
        styles={1: STYLE_DATE, 5: STYLE_MONEY},
        title_rows=1,
        timestamp=FIXED_TIMESTAMP,
        creator=CREATOR,
    )


def write_travel(trips: pd.DataFrame, fte: pd.DataFrame, out: Path) -> None:
    """resor_2019_2024.csv and arsarbetskrafter.csv: UTF-8 without BOM, ``;``, LF."""
    write_csv(
        out / "resor_2019_2024.csv",
        [_travel.HEADER, *_travel.trip_rows(trips)],
        encoding="utf-8",
        newline="\n",
    )
    fte_rows = [
        [str(y), swedish_number(v, 1)] for y, v in zip(fte["year"], fte["fte"], strict=True)
    ]
    write_csv(
        out / "arsarbetskrafter.csv",
        [["År", "Årsarbetskrafter"], *fte_rows],
        encoding="utf-8",
        newline="\n",
    )


def _save(wb: Workbook, path: Path) -> None:
    wb.properties.creator = CREATOR
    wb.save(path)
    freeze_xlsx(path)


def generate(out: Path) -> None:
    """Write every sample file into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    contracts = _contracts.make_contracts(_stream(1))
    write_contracts(contracts, out)
    write_invoices(_invoices.make_invoices(_stream(2), contracts), out)
    trips, fte = _travel.make_travel(_stream(3))
    write_travel(trips, fte, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output directory")
    generate(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
