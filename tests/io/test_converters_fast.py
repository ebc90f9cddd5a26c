"""The converters' shortcuts read exactly as their full paths do.

The column converters skip work that would change nothing (``arrow_text``: no value to trim,
none short enough to be a placeholder), settle the usual Swedish org-number forms by pattern,
read plain amounts from their bytes and hash only the texts that can be ``a/b/y`` dates. Each
property below puts messy ledger cells (spaces, no-break spaces, control characters, signs,
VAT numbers, foreign ids, every date shape, Excel serials, blanks, 2024-02-30) through the
shortcut and through the exact per-value path, and asks for the same values, dtypes and
reasons.
"""

from __future__ import annotations

import re
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.io import arrow_text, dates, numbers, values
from spendanalys.io.dates import DateOrder, order_evidence, parse_dates
from spendanalys.io.numbers import classify_numbers, resolve_numbers
from spendanalys.io.values import parse_org_numbers, parse_text

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"
# What surrounds a cell in real exports: nothing, spaces, tabs, no-break spaces, a stray
# control character (a damaged export), a line separator.
EDGES = st.sampled_from(["", "", "", " ", "  ", "\t", NBSP, NNBSP, THIN, "\x00", "\x1c", "\u2028"])
MESSY_CHARS = st.sampled_from([*"0123456789 ,.-–—:/SEse", NBSP, NNBSP, "\x07", "\x85", "ö"])


def _padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(EDGES, core, EDGES).map(lambda t: "".join(t))


def _column(cells: list[str], chunked: bool) -> pd.Series:
    """Cells as the bulk CSV reader gives them: Arrow strings, sometimes in several chunks."""
    if not chunked or len(cells) < 2:
        return pd.Series(cells, dtype="str")
    half = len(cells) // 2
    parts = [pa.array(cells[:half], pa.large_string()), pa.array(cells[half:], pa.large_string())]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(parts)))


def _same(a: pd.Series, b: pd.Series) -> None:
    assert a.dtype == b.dtype
    pd.testing.assert_series_equal(a.reset_index(drop=True), b.reset_index(drop=True))


# --- text ------------------------------------------------------------------------------

TEXTS = st.one_of(
    _padded(st.sampled_from(["Blekinge Bygg AB", "Örebro Hotell", "Malmö", "Åre", "5231", "x"])),
    st.sampled_from(["", " ", "-", "–", "—", "--", "a\x00b", "ab\u2028", "\u3000z", "é"]),
    st.text(max_size=6),
)


@given(st.lists(TEXTS, max_size=40), st.booleans())
@settings(max_examples=300, deadline=None)
def test_may_trim_says_whether_trimming_changes_a_value(cells: list[str], chunked: bool) -> None:
    array = pa.array(_column(cells, chunked), type=pa.large_string())
    trimmed = pc.utf8_trim_whitespace(array)
    assert arrow_text.may_trim(array) == (trimmed.to_pylist() != array.to_pylist())


def test_no_character_after_a_byte_that_starts_no_whitespace_is_whitespace() -> None:
    """Every code point: when its first UTF-8 byte is one the byte looks skip, Arrow's
    kernels do not take it for whitespace (as a whole value, or leading one)."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    lead = np.array([c.encode()[0] for c in chars], dtype=np.uint8)
    skipped = [
        c for c, may in zip(chars, arrow_text._may_start_space(lead), strict=True) if not may
    ]
    assert "Ö" in skipped and "a" in skipped and "\u00a0" not in skipped
    values = pa.array(skipped, pa.large_string())
    assert not pc.any(pc.utf8_is_space(values)).as_py()
    leading = pa.array([c + "x" for c in skipped], pa.large_string())
    assert pc.utf8_ltrim_whitespace(leading).equals(leading)


@given(st.lists(TEXTS, max_size=40), st.booleans())
@settings(max_examples=300, deadline=None)
def test_blank_values_are_the_empty_and_whitespace_only_values(
    cells: list[str], chunked: bool
) -> None:
    array = pa.array(_column(cells, chunked), type=pa.large_string())
    want = pc.or_(pc.equal(pc.binary_length(array), 0), pc.utf8_is_space(array))
    got = arrow_text.blank_values(array)
    assert got.dtype == bool and got.tolist() == want.to_pylist()


@given(
    st.lists(st.one_of(TEXTS, st.none()), max_size=40),
    st.booleans(),
    st.sampled_from([b"uUoO", b"-", bytes(range(0x80, 0x100)), b"AZaz\x00", b""]),
    st.sampled_from([1, 3, 1 << 24]),
)
@settings(max_examples=300, deadline=None)
def test_holding_says_which_values_hold_a_byte(
    cells: list[str | None], chunked: bool, wanted: bytes, scan: int
) -> None:
    """Nulls, empty values, several chunks, and scans shorter than a value."""
    half = len(cells) // 2
    parts = [pa.array(cells[:half], pa.large_string()), pa.array(cells[half:], pa.large_string())]
    array = pa.chunked_array(parts) if chunked else pa.array(cells, pa.large_string())
    with mock.patch.object(arrow_text, "_SCAN_BYTES", scan):
        got = arrow_text.holding(array, wanted)
    want = [c is not None and any(b in wanted for b in c.encode()) for c in cells]
    assert got.dtype == bool and got.tolist() == want


def test_holding_looks_only_at_the_values_of_a_slice() -> None:
    array = pa.array(["uu", "ab", "cd", "oo"], pa.large_string()).slice(1, 2)
    assert arrow_text.holding(array, b"uo").tolist() == [False, False]
    assert arrow_text.holding(array, b"bc").tolist() == [True, True]


@given(st.lists(TEXTS, max_size=40), st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_text_reads_as_the_full_kernels_read_it(
    cells: list[str], chunked: bool, with_nan: bool
) -> None:
    column = _column(cells, chunked)
    if with_nan and len(column):
        column.iloc[0] = np.nan
    fast = parse_text(column)
    with (
        mock.patch.object(values, "trim", pc.utf8_trim_whitespace),
        mock.patch.object(values, "short_values", lambda *_: True),
    ):
        full = parse_text(column)
    _same(fast.values, full.values)
    assert fast.errors.tolist() == full.errors.tolist() == [None] * len(cells)


def test_an_unchanged_text_column_comes_back_uncopied() -> None:
    cells = pa.array(["Blekinge Bygg AB", "Dalarnas Bygg Kraft AB"] * 3, pa.large_string())
    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([cells])))
    parsed = arrow_text.large_strings(pa.array(parse_text(column).values))
    assert parsed.buffers()[2].address == cells.buffers()[2].address


# --- org numbers -------------------------------------------------------------------------

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=14)
ORG = st.one_of(
    st.builds(lambda a, b: f"{a:06d}-{b:04d}", st.integers(0, 999_999), st.integers(0, 9999)),
    st.builds(lambda a: f"{a:010d}", st.integers(0, 10**10 - 1)),
    st.builds(lambda a, s: f"SE{a:010d}{s}", st.integers(0, 10**10 - 1), st.sampled_from(["01", "02", ""])),
    st.builds(lambda p, d: p + d, st.sampled_from(["", "SE", "se", "16", "19", "NO", "FI", "DK", "GB", "FR", "DE", "XX"]), DIGITS),
    st.sampled_from(["NO 923 609 016 MVA", "923609016MVA", "1572860-0", "FI15728600", "DK 12 34 56 78"]),
    st.sampled_from(["GB SC123456", "FR40303265045", "5566778899 01", "556677–8899", "５５６６７７８８９９"]),
    st.sampled_from(["", " ", "-", "abc", "5566778899\x07", "5566.7788.99", "556677-88990"]),
    st.text(MESSY_CHARS, max_size=14),
)  # fmt: skip


@given(st.lists(_padded(ORG), min_size=1, max_size=30), st.booleans())
@settings(max_examples=300, deadline=None)
def test_org_numbers_read_as_each_value_alone_reads(cells: list[str], chunked: bool) -> None:
    parsed = parse_org_numbers(_column(cells, chunked))
    exact = [values._org_identifier(pc.utf8_trim_whitespace(pa.scalar(c)).as_py()) for c in cells]
    assert parsed.values.dtype == pd.StringDtype("pyarrow")
    assert [None if v is pd.NA else v for v in parsed.values] == [v for v, _ in exact]
    assert parsed.errors.tolist() == [r for _, r in exact]


@pytest.mark.parametrize(
    ("cell", "identifier"),
    [("556677-8899", "5566778899"), ("SE556677889901", "5566778899"), ("5566778899", "5566778899")],
)
def test_the_usual_swedish_forms_are_settled_by_pattern(cell: str, identifier: str) -> None:
    with mock.patch.object(values, "_org_identifier", side_effect=AssertionError):
        found, reasons = values._org_distinct(pa.array([cell], pa.large_string()))
    assert found.to_pylist() == [identifier] and reasons.tolist() == [None]


# --- amounts -------------------------------------------------------------------------------

AMOUNTS = st.one_of(
    st.decimals(-(10**9), 10**9, places=2, allow_nan=False).map(
        lambda d: f"{d:,.2f}".replace(",", " ").replace(".", ",")
    ),
    st.decimals(0, 10**7, places=2, allow_nan=False).map(
        lambda d: f"{d:,.2f}-".replace(",", NBSP).replace(".", ",")
    ),
    st.text(alphabet=["0", "1", "5", "9", " ", ",", "-", NBSP], min_size=1, max_size=12),
    st.sampled_from(
        ["1,234", "-1,234", "1,234-", "0,125", "00,125", "5,000", "1.234,50", "1,234.50"]
    ),
    st.sampled_from(["", "-", "—", "12 kr", "(12,5)", "+5", "1\u202f234,5", "9" * 17, "12,5\x00"]),
)


@given(st.lists(_padded(AMOUNTS), min_size=1, max_size=40), st.sampled_from([None, ",", "."]))
@settings(max_examples=300, deadline=None)
def test_amounts_read_from_their_bytes_as_the_distinct_texts_read(
    cells: list[str], fallback: numbers.Decimal | None
) -> None:
    column = pd.Series(cells, dtype="str")
    results = []
    for rows in (0, 10**9):  # the row-wise pass on every column, then on none
        with mock.patch.object(numbers, "_PLAIN_MIN_ROWS", rows):
            classified = classify_numbers(column)
            parsed = resolve_numbers(classified, fallback)
        results.append((classified.evidence, parsed.values.tolist(), parsed.errors.tolist()))
    (evidence, got, why), (want_evidence, want, want_why) = results
    assert evidence == want_evidence
    np.testing.assert_array_equal(np.array(got), np.array(want))
    assert why == want_why


# --- dates ------------------------------------------------------------------------------------

DAY, MONTH = st.integers(0, 32), st.integers(0, 13)
DATES = st.one_of(
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(1600, 2300), MONTH, DAY),
    st.builds(lambda a, b, y, s: f"{a}{s}{b}{s}{y}", DAY, DAY, st.sampled_from([2024, 24, 1999, 99]), st.sampled_from("/-")),
    st.builds(lambda d, m, y: f"{d}.{m}.{y}", DAY, MONTH, st.sampled_from([2025, 25])),
    st.sampled_from(["2024-02-30", "2024-02-29", "2023-02-29", "2023-01-05T10:00:00", "2023-01-05 10:00"]),
    st.sampled_from(["2023-01-05T10:00:00+02:00", "2025/12/31", "20251231", "3 Apr 2023", "11-Aug-22"]),
    st.sampled_from(["3 april 2023", "3 maj 2023", "01-JUN-2012", "2017", "1899", "45000", "45000.5"]),
    st.sampled_from(["12345", "", " ", "-", "abc", "2262-04-12", "1677-09-21", "١٢/٠٣/٢٠٢٤", "1٢/03/2024"]),
    st.text(MESSY_CHARS, max_size=10),
)  # fmt: skip


@given(st.lists(_padded(DATES), min_size=1, max_size=30), st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_dates_read_as_each_value_alone_reads(
    cells: list[str], month_first: bool, allow_year: bool
) -> None:
    order = DateOrder(month_first)
    parsed, years = parse_dates(_column(cells, False), order, allow_year=allow_year)
    alone = [parse_dates(pd.Series([c], dtype="str"), order, allow_year=allow_year) for c in cells]
    assert parsed.values.dtype == np.dtype("datetime64[ns]")
    assert parsed.values.tolist() == [p.values.iat[0] for p, _ in alone]
    assert parsed.errors.tolist() == [p.errors.iat[0] for p, _ in alone]
    assert years == sum(n for _, n in alone)


@given(st.lists(_padded(DATES), max_size=30), st.booleans())
@settings(max_examples=300, deadline=None)
def test_order_evidence_hashes_every_text_that_can_be_an_abc_date(
    cells: list[str], chunked: bool
) -> None:
    column = _column(cells, chunked)
    every = pc.unique(pc.utf8_trim_whitespace(pa.array(cells, pa.large_string()))).to_pylist()
    numeric = re.compile(dates._NUMERIC)
    picked = dates._numeric_texts(column).tolist()
    assert [t for t in picked if numeric.match(t)] == [t for t in every if numeric.match(t)]
    fast = order_evidence(column)
    with mock.patch.object(dates, "_numeric_texts", lambda _: pd.Series(every, dtype=object)):
        assert fast == order_evidence(column)
