"""build_result's shortcuts find what the full passes find.

Total rows are looked for with a substring search before the case-insensitive regex, and the
first filled cell of a row is searched only where the row's first cell is empty; a parser that
knows no cell is bad says so without a scan; a repeated header is looked for only in cells
that hold a letter (or a non-ASCII byte); blank cells are found byte-wise. Each property compares the shortcut with the
plain full pass on ledger-like rows: blanks, whitespace, "Summa", "TOTALT", "ſumma" (a long s,
which the regex folds to s), "Totalsumma:", invoice numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.io import build, read_input, segments
from spendanalys.io.headers import is_total_label
from spendanalys.io.values import Parsed, parse_text

CELLS = st.one_of(
    st.sampled_from(["", " ", "\t", "F00000001", "1 130,73", "2023-02-28", "Blekinge Bygg AB"]),
    st.sampled_from(["Summa", "SUMMA", "summa:", "Totalt", "TOTAL", "Grand Total", "Totalsumma"]),
    st.sampled_from(
        ["ſumma", "Ｓｕｍｍａ", "Delsumma", "totala kostnader", "tOtAl", "Summa\u00a0"]
    ),
    st.text(alphabet="sumaotlSUMAOTLſ ", max_size=7),
)


def _reference_totals(cells: pd.DataFrame, blank: np.ndarray, data: np.ndarray) -> np.ndarray:
    """The full passes: argmax over every row, the regex over the whole first column."""
    totals = np.zeros(len(cells), dtype=bool)
    first = np.argmax(~blank, axis=1)
    for j in np.unique(first[data]):
        column = cells[cells.columns[int(j)]]
        found = pc.match_substring_regex(
            pa.array(column, type=pa.large_string()), "summa|total", ignore_case=True
        ).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(data & (first == j) & found).tolist():
            totals[i] = is_total_label(column.iat[i])
    return totals


@given(st.lists(st.lists(CELLS, min_size=3, max_size=3), min_size=1, max_size=30))
@settings(max_examples=300, deadline=None)
def test_total_rows_are_the_rows_the_full_regex_finds(rows: list[list[str]]) -> None:
    cells = pd.DataFrame({j: pd.Series([r[j] for r in rows], dtype="str") for j in range(3)})
    blank = build._blank_matrix(cells)
    data = ~blank.all(axis=1)
    got = build._total_rows(cells, blank, data)
    np.testing.assert_array_equal(got, _reference_totals(cells, blank, data))


@pytest.mark.parametrize(
    ("first_cells", "total"),
    [
        (["F1", "Summa"], [False, True]),
        (["", "TOTALT"], [False, True]),
        (["ſumma", "Grand Total"], [True, True]),  # the regex folds a long s to s
        (["Delsumma", "Total:"], [False, True]),
    ],
)
def test_total_rows_in_a_long_first_column(first_cells: list[str], total: list[bool]) -> None:
    """Past one parse block the substring search runs block by block."""
    n = build._PARSE_ROWS + 5
    column = [f"F{i:08d}" for i in range(n)]
    column[3], column[-1] = first_cells
    cells = pd.DataFrame({0: pd.Series(column, dtype="str"), 1: pd.Series(["1"] * n, dtype="str")})
    blank = build._blank_matrix(cells)
    got = build._total_rows(cells, blank, ~blank.all(axis=1))
    assert got[[3, n - 1]].tolist() == total
    assert int(got.sum()) == sum(total)


HEADER_TEXTS = ["Belopp", "Fakturadatum", "Leverantör", "Summa", "Σ"]
HEADER_CELLS = st.one_of(
    st.sampled_from(["", " ", "2023-02-28", "1 130,73", "-", "12 kr", "\u00a0Belopp", "Ö"]),
    st.sampled_from(HEADER_TEXTS).map(lambda t: f" {t}\t"),
    st.sampled_from(["belopp", "Belopp x", "Σ ", "\u3000Leverantör", "123", " 123 "]),
    st.text(max_size=5),
)


@given(
    st.lists(HEADER_CELLS, max_size=30),
    st.booleans(),
    st.sampled_from([HEADER_TEXTS, [*HEADER_TEXTS, "123"]]),  # a mapped header of digits
)
@settings(max_examples=300, deadline=None)
def test_repeated_header_cells_are_the_cells_equal_to_a_header_text(
    cells: list[str], chunked: bool, texts: list[str]
) -> None:
    if chunked and len(cells) > 1:
        half = len(cells) // 2
        parts = [
            pa.array(cells[:half], pa.large_string()),
            pa.array(cells[half:], pa.large_string()),
        ]
        column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(parts)))
    else:
        column = pd.Series(cells, dtype="str")
    value_set = pa.array(sorted(texts), pa.large_string())
    got = segments._hits(column, value_set)
    stripped = pc.utf8_trim_whitespace(pa.array(cells, pa.large_string())).to_pylist()
    want = [t in texts for t in stripped]
    assert got.dtype == bool and got.tolist() == want


@given(st.lists(st.lists(st.booleans(), min_size=4, max_size=4), max_size=30))
@settings(max_examples=200, deadline=None)
def test_first_filled_cell_is_the_argmax_over_the_row(rows: list[list[bool]]) -> None:
    blank = np.asfortranarray(np.array(rows, dtype=bool).reshape(-1, 4))
    np.testing.assert_array_equal(build._first_filled(blank), np.argmax(~blank, axis=1))


def test_a_parser_without_bad_cells_reports_none_without_a_scan() -> None:
    parsed = parse_text(pd.Series([" a ", "", "-", "b"], dtype="str"))
    at, why = parsed.bad_cells()
    assert len(at) == 0 and len(why) == 0
    assert parsed.errors.tolist() == [None] * 4


def test_bad_cells_are_the_cells_with_a_reason() -> None:
    values = pd.Series([1.0, np.nan, 3.0])
    parsed = Parsed.of(values, np.array([None, "'x' is not a number", None], dtype=object))
    at, why = parsed.bad_cells()
    assert at.tolist() == [1] and why.tolist() == ["'x' is not a number"]


def test_a_bad_ledger_rejects_each_row_once_in_order(tmp_path: Path) -> None:
    """Bad cells in several columns of one row, and in many rows: one rejection per row, the
    first bad column named, the others in the reason, rows in order."""
    header = "Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Belopp exkl. moms"
    lines = [header]
    for i in range(3000):
        date = "2024-02-30" if i % 7 == 0 else f"2024-01-{i % 28 + 1:02d}"
        org = "12345" if i % 11 == 0 else "556677-8899"
        amount = "1,2,3" if i % 5 == 0 else f"{i} 130,73"
        lines.append(f"F{i};{date};Leverantör {i % 40};{org};{amount}")
    lines.append("Summa;;;;123")
    path = tmp_path / "fakturor.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rejected = read_input(path, "invoices").rejected
    assert [r.row for r in rejected] == sorted(r.row for r in rejected)
    assert len({r.row for r in rejected}) == len(rejected)
    assert any("; also " in r.reason for r in rejected)


def test_the_reasons_of_a_clean_column_are_none_and_read_only() -> None:
    """No million-item array of None: a read-only view, so no caller can write into it."""
    parsed = Parsed.of(pd.Series(["a", "b", "c"]), None)
    assert parsed.errors.tolist() == [None, None, None] and parsed.errors.isna().all()
    with pytest.raises(ValueError, match="read-only"):
        parsed.errors.to_numpy()[0] = "x"
