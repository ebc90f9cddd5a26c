"""A direct SpreadsheetML writer for the 200,000-line invoice workbook.

openpyxl's write-only mode needs about a minute for 1.6 million cells; writing the sheet XML with
numpy string concatenation takes a few seconds, and generation time counts against ``make bench``'s
15-minute budget. The workbook is minimal but valid: shared strings (as Excel writes them), a
date style for the invoice date, numeric amounts and accounts.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.generate import (
    FIRST_DAY,
    INVOICE_HEADERS,
    INVOICE_YEARS,
    InvoiceColumns,
    org_as_written,
)


def _xml_escape(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object).astype(str)
    return (
        s.str.replace("&", "&amp;")
        .str.replace("<", "&lt;")
        .str.replace(">", "&gt;")
        .to_numpy(object)
    )


def _column_letter(i: int) -> str:
    return chr(ord("A") + i)


_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Fakturor" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    # Style 0: general; style 1: date (built-in number format 14); style 2: "# ##0,00".
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def write_invoices_xlsx(lines: InvoiceColumns, path: Path) -> Path:
    """The same lines as an Excel workbook written as raw SpreadsheetML (shared strings, Excel
    dates, numeric amounts and accounts), a title row above the header, no total row."""
    n = len(lines.cents)
    text_columns = {
        0: lines.invoice_id,
        2: lines.supplier,
        3: org_as_written(lines.org, lines.org_style),
        6: lines.agreement_id,
        7: lines.text,
    }
    strings: list[str] = []
    index_of: dict[str, int] = {}

    def intern(value: str) -> int:
        if value not in index_of:
            index_of[value] = len(strings)
            strings.append(value)
        return index_of[value]

    title = intern(f"Leverantörsfakturor {INVOICE_YEARS[0]}-{INVOICE_YEARS[-1]}")
    header_ids = [intern(h) for h in INVOICE_HEADERS]
    excel_epoch = dt.date(1899, 12, 30)
    serial = lines.day + (FIRST_DAY - excel_epoch).days
    row_no = np.arange(3, n + 3).astype(str).astype(object)
    cells: list[np.ndarray] = []
    for col in range(len(INVOICE_HEADERS)):
        ref = f'<c r="{_column_letter(col)}'
        if col in text_columns:
            codes, uniques = pd.factorize(text_columns[col])
            ids = np.array([intern(u) for u in uniques], dtype=np.int64)
            sst = ids[codes].astype(str).astype(object)
            cell = ref + row_no + '" t="s"><v>' + sst + "</v></c>"
            if col == 6:  # a blank agreement id is an empty cell, not an empty string
                cell = np.where(lines.agreement_id == "", "", cell).astype(object)
        elif col == 1:
            cell = ref + row_no + '" s="1"><v>' + serial.astype(str).astype(object) + "</v></c>"
        elif col == 4:
            cell = ref + row_no + '"><v>' + lines.account + "</v></c>"
        else:
            amount = (pd.Series(lines.cents) / 100).astype(str).to_numpy(object)
            cell = ref + row_no + '" s="2"><v>' + amount + "</v></c>"
        cells.append(cell)
    body = '<row r="' + row_no + '">'
    for cell in cells:
        body = body + cell
    body = body + "</row>"
    head = (
        f'<row r="1"><c r="A1" t="s"><v>{title}</v></c></row><row r="2">'
        + "".join(
            f'<c r="{_column_letter(i)}2" t="s"><v>{h}</v></c>' for i, h in enumerate(header_ids)
        )
        + "</row>"
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:H{n + 2}"/><sheetData>'
        + head
        + "".join(body)
        + "</sheetData></worksheet>"
    )
    escaped = _xml_escape(np.array(strings, dtype=object))
    sst_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">' + "".join("<si><t>" + escaped + "</t></si>") + "</sst>"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, content in _XLSX_STATIC.items():
            zf.writestr(name, content)
        zf.writestr("xl/sharedStrings.xml", sst_xml)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path
