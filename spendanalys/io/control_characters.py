"""Control characters in accepted text cells: reported at import, so none reaches an export.

Why: a NUL or other control character in a supplier name is invisible on screen, breaks XML
(openpyxl refuses it, Excel needs an escape) and usually means a damaged or binary export. The
readers refuse files that are mostly binary; single characters inside otherwise good rows are
row-level problems, so they become rejected rows with the column and the character's code.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from spendanalys.io.result import ReadResult, RejectedRow
from spendanalys.schema import SOURCE_FILE, SOURCE_ROW

# C0 controls except tab, LF and CR; DEL; C1 controls (0x80-0x9F: seen when bytes were decoded
# with the wrong code page). They cannot be shown, break XML exports and hide text.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def scan_control_characters(
    table: pd.DataFrame, file: str | None = None, headers: dict[str, str] | None = None
) -> list[RejectedRow]:
    """One RejectedRow per row of ``table`` with a control character in a text cell.

    Policy (issue 7, U5): a text cell holding a control character (C0 other than tab/LF/CR,
    DEL or C1) is reported at import as a rejected row naming the column (the header as
    written, from ``headers``: field -> header, i.e. ``ReadInfo.columns``) and the character's
    code. ``table`` is a reader's canonical table; ``source_row`` gives the row as the user sees
    it, ``source_file`` the file unless ``file`` is given. Vectorised per column; only the
    flagged rows are visited in Python.
    """
    headers = headers or {}
    columns = [
        c for c in table.columns if c != SOURCE_FILE and pd.api.types.is_string_dtype(table[c])
    ]
    if table.empty or not columns:
        return []
    rows = (
        table[SOURCE_ROW].to_numpy(dtype=np.int64)
        if SOURCE_ROW in table
        else np.arange(1, len(table) + 1)
    )
    files = table[SOURCE_FILE].astype(str).tolist() if SOURCE_FILE in table else None
    flagged: dict[int, RejectedRow] = {}
    for column in columns:
        values = table[column].astype("string")
        hits = values.str.contains(CONTROL_CHARACTERS, regex=True, na=False).to_numpy(bool)
        for position in np.flatnonzero(hits).tolist():
            if position in flagged:
                continue
            found = CONTROL_CHARACTERS.search(str(values.iloc[position]))
            code = f"U+{ord(found.group(0)):04X}" if found else "?"
            where = file or (files[position] if files is not None else "upload")
            flagged[position] = RejectedRow(
                where,
                int(rows[position]),
                headers.get(column, column),
                f"control character {code} in the text (damaged or binary export)",
            )
    return [flagged[p] for p in sorted(flagged)]


def reject_control_characters(result: ReadResult) -> ReadResult:
    """``result`` with rows holding control characters moved from the table to ``rejected``.

    Keeps the reader's accounting: accepted + rejected is unchanged, each row once.
    """
    found = scan_control_characters(result.table, result.info.file, result.info.columns)
    if not found:
        return result
    bad_rows = {r.row for r in found}
    keep = ~result.table[SOURCE_ROW].isin(bad_rows).to_numpy(bool)
    table = result.table[keep].reset_index(drop=True)
    rejected = sorted([*result.rejected, *found], key=lambda r: r.row)
    notes = [
        *result.info.notes,
        f"rejected {len(found)} row{'' if len(found) == 1 else 's'} with control characters",
    ]
    return ReadResult(table, rejected, replace(result.info, notes=notes))
