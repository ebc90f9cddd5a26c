"""The same invoice line given twice: the CSV and the XLSX of one export, or two yearly exports
that overlap by a month.

A line is the same line when its invoice id, supplier (organisation number, else the normalised
name), date and amount (to the öre) are all equal. Seen again in **another file or another
sheet** it is counted once: every repeat is a rejected row whose reason names the first
occurrence (file, row). Equal lines within one file and sheet are kept (one invoice may hold two
equal lines). A line without an invoice id cannot be told apart from another purchase of the
same amount on the same day, so it is not checked, and a note says how many there are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow
from spendanalys.schema import SOURCE_FILE, SOURCE_ROW
from spendanalys.spend.coding import column, combined_codes, first_rows
from spendanalys.spend.linking import normalise_org_number, normalise_supplier_name
from spendanalys.spend.register import key_codes

# A sheet column, when the readers give one; a file's sheets are then sources of their own.
SOURCE_SHEET = "source_sheet"


def _codes(values: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp)


def _id_key(ids: pd.Series) -> pd.Series:
    key = ids.str.strip().str.casefold()
    return key.mask(key == "")


def _source(invoices: pd.DataFrame) -> pd.Series:
    file = column(invoices, SOURCE_FILE).astype("string").fillna("")
    if SOURCE_SHEET in invoices:
        sheet = invoices[SOURCE_SHEET].astype("string").fillna("")
        return file + " [" + sheet + "]"
    return file


def _one_value(values: pd.Series) -> bool:
    """Whether every value is the same (``nunique(dropna=False) < 2``): one file, the usual
    case, found by comparing the column with its first value, not hashing a million."""
    missing = values.isna()
    if missing.any():
        return bool(missing.all())
    return bool((values == values.iloc[0]).all())


def repeated_lines(invoices: pd.DataFrame) -> tuple[np.ndarray, list[RejectedRow], list[str]]:
    """Mask of lines that repeat a line of another source, their rejected rows, and notes."""
    n = len(invoices)
    repeat = np.zeros(n, dtype=bool)
    source = _source(invoices)
    if n == 0 or _one_value(source):
        return repeat, [], []
    invoice_id, _ = key_codes(column(invoices, "invoice_id"), _id_key)
    org, _ = key_codes(column(invoices, "org_number"), normalise_org_number)
    name, _ = key_codes(column(invoices, "supplier"), normalise_supplier_name)
    # the supplier: its org number, else its name (names and numbers never share a code)
    supplier = np.where(org >= 0, org, np.where(name >= 0, name + org.max(initial=0) + 1, -1))
    amount = pd.to_numeric(column(invoices, "amount_sek"), errors="coerce").round(2)
    date = pd.to_datetime(column(invoices, "date"), errors="coerce")
    currency, _ = key_codes(column(invoices, "currency"), lambda u: u.str.strip().str.upper())
    checked = invoice_id >= 0
    group = combined_codes(invoice_id, supplier, _codes(date), _codes(amount), currency)
    source_codes = _codes(source)
    first_of_group = first_rows(group)  # group codes are 0..k-1, in order of appearance
    first = first_of_group[group]
    repeat = checked & (source_codes != source_codes[first])
    rejected: list[RejectedRow] = []
    files = column(invoices, SOURCE_FILE).astype("string").fillna("").to_numpy(dtype=object)
    rows = pd.to_numeric(column(invoices, SOURCE_ROW), errors="coerce").fillna(0)
    numbers = rows.to_numpy(dtype="int64")
    shown = source.to_numpy(dtype=object)
    for i in np.flatnonzero(repeat):
        j = int(first[i])
        rejected.append(
            RejectedRow(
                str(files[i]),
                int(numbers[i]),
                "invoice_id",
                f"duplicate of {shown[j]} row {int(numbers[j])}: the same invoice line "
                "(invoice id, supplier, date, amount) in another file or sheet; counted once",
            )
        )
    notes = []
    unchecked = int((~checked).sum())
    if unchecked:
        notes.append(
            f"{unchecked} invoice line{' has' if unchecked == 1 else 's have'} no invoice id: "
            "not checked for repeats across files"
        )
    return repeat, rejected, notes
