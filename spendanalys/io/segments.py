"""A header row repeated inside a table starts a new table with its own column positions.

Exports that change layout half-way (a column dropped, the amount moving one column left) or
that are several exports pasted together repeat the header. Reading on with the first header's
positions would reject every later row as "no value for amount_sek" although the amounts are
there. The search is cheap: only rows where a cell of a typed column (dates, numbers: never a
header word in a data row) is exactly a known header text are matched as a header.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendanalys.errors import InputFormatError
from spendanalys.io.arrow_text import holding, trim
from spendanalys.io.headers import HeaderMatch, header_texts, is_strong, match_header
from spendanalys.io.numbers import type_mask
from spendanalys.io.tabular import HeaderCheck, RawTable
from spendanalys.io.workbook import text_for_header
from spendanalys.schema import SCHEMAS, Kind


def _probe_columns(match: HeaderMatch, kind: Kind, width: int) -> list[int]:
    """Positions whose data cells are typed (a header word there is no value); else all mapped."""
    schema = SCHEMAS[kind]
    typed = [i for f, i in match.fields.items() if schema.field(f).type in ("float", "int", "date")]
    return [i for i in (typed or list(match.fields.values())) if i < width]


# Bytes of which every header text holds one (a letter, or a byte of a non-ASCII character):
# a cell without any cannot be a header, so only the others are hashed.
_WORD_BYTES = bytes(
    [*range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1), *range(0x80, 0x100)]
)


def _hits(column: pd.Series, texts: pa.Array) -> np.ndarray:
    """True where the cell, stripped, is one of ``texts``."""
    if column.dtype == object:  # workbook cells: only the text ones can be a header
        where = np.flatnonzero(type_mask(column, lambda t: issubclass(t, str)))
        hits = np.zeros(len(column), dtype=bool)
        if len(where):
            cells = pa.array(column.to_numpy(dtype=object)[where], type=pa.large_string())
            found = pc.is_in(pc.utf8_trim_whitespace(cells), value_set=texts)
            hits[where] = found.fill_null(False).to_numpy(zero_copy_only=False)
        return hits
    array = pa.array(column, type=pa.large_string())
    if not holding(texts, _WORD_BYTES).all():  # not expected: header texts hold words
        found = pc.is_in(trim(array), value_set=texts)
        return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    hits = np.zeros(len(array), dtype=bool)
    where = np.flatnonzero(holding(array, _WORD_BYTES))
    if len(where):
        cells = trim(array.take(pa.array(where)))
        found = pc.is_in(cells, value_set=texts)
        hits[where] = found.fill_null(False).to_numpy(zero_copy_only=False)
    return hits


def _row_match(cells: pd.DataFrame, i: int, kind: Kind, explicit: Mapping[str, str]) -> HeaderMatch:
    texts = [text_for_header(v) for v in cells.iloc[i].tolist()]
    while texts and not texts[-1].strip():
        texts.pop()
    return match_header(texts, kind, explicit)


def split_repeated_headers(
    raw: RawTable,
    kind: Kind,
    explicit: Mapping[str, str],
    check: HeaderCheck | None = None,
) -> list[RawTable]:
    """``raw`` cut at every body row that is a header naming enough fields and the required
    columns; each piece keeps its own header. A row that looks like a header but lacks a
    required column stays a data row (and is rejected with its reason, not dropped)."""
    if not len(raw.cells):
        return [raw]
    texts = pa.array(sorted(header_texts(kind, [*raw.match.headers, *explicit.values()])))
    probe = _probe_columns(raw.match, kind, raw.cells.shape[1])
    candidate = np.zeros(len(raw.cells), dtype=bool)
    for position in probe:
        if position not in raw.text_free:
            candidate |= _hits(raw.cells[position], texts)
    cuts: list[tuple[int, HeaderMatch]] = []
    for i in np.flatnonzero(candidate).tolist():
        match = _row_match(raw.cells, i, kind, explicit)
        if not is_strong(match, explicit):
            continue
        if check is not None:
            try:
                check(match, int(raw.rows[i]), raw.sheet)
            except InputFormatError:  # a header that cannot hold a table stays a data row
                continue
        cuts.append((i, match))
    if not cuts:
        return [raw]
    starts = [0, *(i + 1 for i, _ in cuts)]
    ends = [*(i for i, _ in cuts), len(raw.cells)]
    matches = [raw.match, *(m for _, m in cuts)]
    header_rows = [raw.header_row, *(int(raw.rows[i]) for i, _ in cuts)]
    pieces = []
    for n, (start, end) in enumerate(zip(starts, ends, strict=True)):
        low = header_rows[n]
        high = header_rows[n + 1] if n + 1 < len(header_rows) else None
        pieces.append(
            RawTable(
                raw.cells.iloc[start:end].reset_index(drop=True),
                raw.rows[start:end],
                matches[n],
                header_rows[n],
                raw.encoding,
                raw.delimiter,
                raw.sheet,
                list(raw.notes) if n == 0 else [],
                [u for u in raw.unreadable if u[0] > low and (high is None or u[0] < high)],
                raw.text_free,
            )
        )
    return pieces
