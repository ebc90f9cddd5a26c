"""The row-wise pass for plain numbers (numbers._plain) reads as the distinct-text pass does.

A long text column's plain cells ("1 234,50", "231,42", "2 000,00-", "12") are read row by
row; the rest goes through the classification of distinct texts. Values, reasons, the decimal
evidence and the convention decided from it must not depend on which pass read a cell.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.io import numbers, read_input
from spendanalys.io.numbers import classify_numbers, decide_decimal, resolve_numbers

# Cells the row-wise pass must leave to the other one (or read exactly as it does).
ODD = ["1,234", "-1,234", "1,234-", "0,125", "00,125", "1234,567", "1.5", "1.234,50"]
ODD += ["1,234.50", "(12,5)", "12 kr", "- 12", "-12-", "+5", "", " ", "-", "abc", "9" * 20]
ODD += ["9" * 400, "1  234,5", "1\u202f234,5", " 1 234,50 ", "12 -", ",5"]
PLAIN_AND_NOT = st.one_of(
    st.decimals(-(10**9), 10**9, places=2, allow_nan=False).map(
        lambda d: f"{d:,.2f}".replace(",", " ").replace(".", ",")
    ),
    st.decimals(0, 10**6, places=2, allow_nan=False).map(
        lambda d: f"{d:,.2f}-".replace(",", "\u00a0").replace(".", ",")
    ),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(ODD),
)


def _read(cells: list[str], fallback: str | None, plain: bool) -> tuple:
    column = pd.Series(cells, dtype="str")
    with mock.patch.object(numbers, "_PLAIN_MIN_ROWS", 0 if plain else 10**9):
        classified = classify_numbers(column)
        parsed = resolve_numbers(classified, fallback)  # type: ignore[arg-type]
        decided = decide_decimal([classified], fallback)  # type: ignore[arg-type]
    return classified.evidence, decided, parsed.values.to_numpy(), parsed.errors.tolist()


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(PLAIN_AND_NOT, min_size=1, max_size=40),
    fallback=st.sampled_from([",", ".", None]),
)
def test_plain_cells_read_as_the_distinct_text_pass_reads_them(cells, fallback) -> None:
    evidence, decided, values, errors = _read(cells, fallback, plain=True)
    evidence_0, decided_0, values_0, errors_0 = _read(cells, fallback, plain=False)
    assert evidence == evidence_0
    assert decided == decided_0
    np.testing.assert_array_equal(values, values_0)  # NaN equal, -0.0 == 0.0
    assert np.array_equal(np.signbit(values), np.signbit(values_0))
    assert errors == errors_0


def test_a_long_ledger_column_is_read_row_wise() -> None:
    cells = ["1 130,73", "231,42", "2\u00a0000,00-", "12", "1,234", "abc"] * 2000
    column = classify_numbers(pd.Series(cells, dtype="str"))
    assert column.plain is not None and int(column.plain.rows.sum()) == 8000
    parsed = resolve_numbers(column, ",")
    assert parsed.values.iloc[:5].tolist() == [1130.73, 231.42, -2000.0, 12.0, 1.234]
    assert parsed.errors.iloc[5] == "'abc' is not a number"


def test_sample_exports_read_the_same_with_and_without_the_row_wise_pass(sample_dir) -> None:
    for name, kind in [
        ("leverantorsfakturor_2024.csv", "invoices"),
        ("avtalsforteckning.csv", "contracts"),
        ("resor_2019_2024.csv", "trips"),
        ("leverantorsfakturor_2024.xlsx", "invoices"),
    ]:
        results = []
        for rows in (0, 10**9):
            with mock.patch.object(numbers, "_PLAIN_MIN_ROWS", rows):
                results.append(read_input(sample_dir / name, kind))  # type: ignore[arg-type]
        plain, general = results
        pd.testing.assert_frame_equal(plain.table, general.table, check_exact=True)
        assert plain.rejected == general.rejected
        assert plain.info == general.info
