"""build_result's shortcuts find what the full passes find.

Total rows are looked for with a substring search before the case-insensitive regex, and the
first filled cell of a row is searched only where the row's first cell is empty; a parser that
knows no cell is bad says so without a scan; a long table's fields are parsed on threads, and
give what they give in order (values, rejected rows and their order, notes). Each property compares the shortcut with the
plain full pass on ledger-like rows: blanks, whitespace, "Summa", "TOTALT", "ſumma" (a long s,
which the regex folds to s), "Totalsumma:", invoice numbers.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import test_corpus  # the corpus cases, as its README lists them (tests/io is on the path)
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.io import build, read_input
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


# --- fields parsed on threads ----------------------------------------------------------------

CORPUS_CASES = [(c.file, c.kind) for c in test_corpus.CASES]


def _outcome(path: Path, kind: str, threaded: bool) -> object:
    """What reading ``path`` gives, with every table's fields parsed on threads or in order."""
    rows = 0 if threaded else None
    with (
        mock.patch.object(build, "_THREADED_ROWS", rows),
        mock.patch.object(build, "_PARSE_WORKERS", 2),
    ):
        try:
            result = read_input(path, kind)  # type: ignore[arg-type]
        except Exception as error:  # a refused file: the same error either way
            return type(error), str(error)
    return result.table, result.rejected, result.info


def _same_outcome(threaded: object, in_order: object) -> None:
    if isinstance(in_order, tuple) and isinstance(in_order[0], pd.DataFrame):
        assert isinstance(threaded, tuple)
        pd.testing.assert_frame_equal(threaded[0], in_order[0], check_exact=True)
        assert threaded[1:] == in_order[1:]  # rejected rows in the same order, same info
    else:
        assert threaded == in_order


@pytest.mark.parametrize(("name", "kind"), CORPUS_CASES, ids=[n for n, _ in CORPUS_CASES])
def test_hostile_files_read_the_same_on_threads(name: str, kind: str) -> None:
    path = test_corpus.CORPUS / "files" / name
    _same_outcome(_outcome(path, kind, True), _outcome(path, kind, False))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("leverantorsfakturor_2024.csv", "invoices"),
        ("leverantorsfakturor_2024.xlsx", "invoices"),
        ("avtalsforteckning.csv", "contracts"),
        ("resor_2019_2024.csv", "trips"),
    ],
)
def test_sample_exports_read_the_same_on_threads(sample_dir: Path, name: str, kind: str) -> None:
    _same_outcome(_outcome(sample_dir / name, kind, True), _outcome(sample_dir / name, kind, False))


def test_a_bad_ledger_rejects_the_same_rows_in_the_same_order_on_threads(tmp_path: Path) -> None:
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
    threaded, in_order = _outcome(path, "invoices", True), _outcome(path, "invoices", False)
    _same_outcome(threaded, in_order)
    assert isinstance(threaded, tuple)
    rejected = threaded[1]
    assert [r.row for r in rejected] == sorted(r.row for r in rejected)
    assert any("; also " in r.reason for r in rejected)


def test_a_parser_error_surfaces_from_the_thread_pool() -> None:
    """A parser that raises on a worker raises in build_result, as it does in order."""
    with (
        mock.patch.object(build, "_THREADED_ROWS", 0),
        mock.patch.object(build, "_PARSE_WORKERS", 2),
    ):
        pool = build._parse_pool(10**6)
    assert isinstance(pool, build.ThreadPoolExecutor)
    with pool, pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 // 0).result()
    in_order = build._InOrder()
    future = in_order.submit(lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        future.result()


def test_the_reasons_of_a_clean_column_are_none_and_read_only() -> None:
    """No million-item array of None: a read-only view, so no caller can write into it."""
    parsed = Parsed.of(pd.Series(["a", "b", "c"]), None)
    assert parsed.errors.tolist() == [None, None, None] and parsed.errors.isna().all()
    with pytest.raises(ValueError, match="read-only"):
        parsed.errors.to_numpy()[0] = "x"
