"""Cell formats: numbers, dates, booleans, org numbers, CPV codes (table-driven and properties)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendanalys.io.numbers import parse_numbers
from spendanalys.io.values import (
    parse_booleans,
    parse_cpv,
    parse_dates,
    parse_ints,
    parse_org_numbers,
)


def _one_number(text: str, decimal: str | None = None) -> tuple[float, object]:
    parsed = parse_numbers(pd.Series([text], dtype=str), decimal)  # type: ignore[arg-type]
    return parsed.values.iloc[0], parsed.errors.iloc[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),  # no-break space
        ("1\u202f234,50", 1234.5),  # narrow no-break space
        ("1.234,50", 1234.5),
        ("1.234.567", 1234567.0),
        ("-2 000,00", -2000.0),
        ("12345", 12345.0),
        ("100 kr", 100.0),
        ("1 234 kr", 1234.0),
        ("SEK 1 000", 1000.0),
        ("1234:-", 1234.0),
        ("0,125", 0.125),
        ("1,234.50", 1234.5),
        ("1,234,567", 1234567.0),
        ("£2,909,121.01", 2909121.01),
        ("$1,234", 1234.0),
        (" 3,562.12 ", 3562.12),
        ("(12,50)", -12.5),
        ("2 000,00-", -2000.0),
        ("\u22125", -5.0),
        ("+5", 5.0),
        ("1.5E+06", 1_500_000.0),
        ("5058332.75", 5058332.75),
        ("-14250.00", -14250.0),
    ],
)
def test_number_formats(text: str, expected: float) -> None:
    value, error = _one_number(text)
    assert error is None
    assert value == pytest.approx(expected)


@pytest.mark.parametrize(
    "text", ["41,2,500", "1,2,3", "abc", "12a", "--5", "-(5)", "1.2.3,4,5", "5--"]
)
def test_garbage_numbers_are_errors(text: str) -> None:
    value, error = _one_number(text)
    assert math.isnan(value)
    assert "is not a number" in str(error)


@pytest.mark.parametrize("text", ["", "   ", "-"])
def test_blank_numbers_are_missing_not_errors(text: str) -> None:
    value, error = _one_number(text)
    assert math.isnan(value) and error is None


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (["1,234", "12,50"], [1.234, 12.5]),  # the column uses a decimal comma
        (["1,234", "1,234.50"], [1234.0, 1234.5]),  # the column uses English grouping
        (["1.234", "1.234,50"], [1234.0, 1234.5]),
        (["1.234", "0.5"], [1.234, 0.5]),
    ],
)
def test_ambiguous_values_follow_the_column(column: list[str], expected: list[float]) -> None:
    parsed = parse_numbers(pd.Series(column, dtype=str))
    assert parsed.values.tolist() == pytest.approx(expected)
    assert parsed.errors.isna().all()


def test_ambiguous_value_uses_the_file_fallback_or_is_rejected() -> None:
    assert _one_number("1,234", ",")[0] == pytest.approx(1.234)
    assert _one_number("1,234", ".")[0] == pytest.approx(1234.0)
    value, error = _one_number("1,234")
    assert math.isnan(value) and "ambiguous" in str(error)


def test_workbook_numbers_are_taken_as_they_are() -> None:
    parsed = parse_numbers(pd.Series([1.234, 5, "1 000,5", None], dtype=object))
    assert parsed.values.tolist()[:3] == pytest.approx([1.234, 5.0, 1000.5])
    assert math.isnan(parsed.values.iloc[3])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-15", "2024-03-15"),
        ("2024-03-15 01:00:00", "2024-03-15"),
        ("2024-03-15T10:20", "2024-03-15"),
        ("15/03/2024", "2024-03-15"),
        ("15.03.2024", "2024-03-15"),
        ("15-03-2024", "2024-03-15"),
        ("2024/03/15", "2024-03-15"),
        ("20240315", "2024-03-15"),
        ("3 Apr 2023", "2023-04-03"),
        ("3 april 2023", "2023-04-03"),
        ("3 maj 2023", "2023-05-03"),
        ("01-JUN-2012", "2012-06-01"),
        ("45366", "2024-03-15"),  # Excel serial
        ("08/06/2012", "2012-06-08"),  # day first
    ],
)
def test_date_formats(text: str, expected: str) -> None:
    parsed = parse_dates(pd.Series([text], dtype=str))
    assert parsed.errors.iloc[0] is None
    assert parsed.values.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["31/02/2024", "2024-13-01", "soon", "15/03", "12"])
def test_bad_dates_are_errors(text: str) -> None:
    parsed = parse_dates(pd.Series([text], dtype=str))
    assert pd.isna(parsed.values.iloc[0])
    assert "date" in str(parsed.errors.iloc[0])


def test_workbook_date_cells() -> None:
    from datetime import date, datetime

    cells = pd.Series([datetime(2023, 6, 1, 1, 0), date(2024, 3, 15), 45366.0, None], dtype=object)
    parsed = parse_dates(cells)
    assert parsed.values.tolist()[:3] == [
        pd.Timestamp("2023-06-01"),
        pd.Timestamp("2024-03-15"),
        pd.Timestamp("2024-03-15"),
    ]
    assert pd.isna(parsed.values.iloc[3]) and parsed.errors.isna().all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ja", True), ("ja ", True), ("X", True), ("x", True), ("1", True), ("true", True),
        ("True", True), ("yes", True), ("Nej", False), ("0", False), ("false", False),
        ("no", False), ("", None), ("  ", None),
    ],
)  # fmt: skip
def test_booleans(text: str, expected: bool | None) -> None:
    parsed = parse_booleans(pd.Series([text], dtype=str))
    value = parsed.values.iloc[0]
    assert (value is pd.NA) if expected is None else (value == expected)
    assert parsed.errors.iloc[0] is None


def test_boolean_garbage_and_workbook_cells() -> None:
    assert "yes/no" in str(parse_booleans(pd.Series(["kanske"], dtype=str)).errors.iloc[0])
    parsed = parse_booleans(pd.Series([True, False, 1.0, 0.0, None], dtype=object))
    assert parsed.values.tolist() == [True, False, True, False, pd.NA]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("556677-8899", "5566778899"),
        ("5566778899", "5566778899"),
        ("SE556677889901", "5566778899"),
        ("se 5566778899 01", "5566778899"),
        ("195001011234", "5001011234"),
        ("16 556677-8899", "5566778899"),
        ("", None),
    ],
)
def test_org_numbers(text: str, expected: str | None) -> None:
    parsed = parse_org_numbers(pd.Series([text], dtype=str))
    assert parsed.errors.iloc[0] is None
    value = parsed.values.iloc[0]
    assert (value is pd.NA) if expected is None else value == expected


@pytest.mark.parametrize("text", ["55667788", "556677-889", "5566778899001"])  # GB…: a UK VAT id
def test_bad_org_numbers(text: str) -> None:
    parsed = parse_org_numbers(pd.Series([text], dtype=str))
    assert parsed.values.iloc[0] is pd.NA
    assert "organisation number" in str(parsed.errors.iloc[0])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("79620000", "79620000"),
        ("79620000-6", "79620000"),
        ("79620000 Förmedling av personal, även tillfälligt anställda", "79620000"),
        (79620000.0, "79620000"),
    ],
)
def test_cpv(cell: object, expected: str) -> None:
    parsed = parse_cpv(pd.Series([cell], dtype=object))
    assert parsed.values.iloc[0] == expected and parsed.errors.iloc[0] is None


def test_cpv_without_code_is_an_error() -> None:
    assert "CPV" in str(parse_cpv(pd.Series(["Företagstjänster"], dtype=str)).errors.iloc[0])


def test_ints() -> None:
    parsed = parse_ints(pd.Series(["2019", "1 200", "2,5", ""], dtype=str))
    assert parsed.values.tolist()[:2] == [2019, 1200]
    assert "whole number" in str(parsed.errors.iloc[2])
    assert parsed.values.iloc[3] is pd.NA and parsed.errors.iloc[3] is None
    assert str(parsed.values.dtype) == "Int64"


def _swedish(cents: int, sep: str) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", sep) + f",{frac:02d}"


def _english(cents: int, symbol: str) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole:,}.{frac:02d}"


@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=20),
    st.sampled_from([" ", "\u00a0", "\u202f", "."]),
)
def test_swedish_numbers_round_trip(cents: list[int], sep: str) -> None:
    parsed = parse_numbers(pd.Series([_swedish(c, sep) for c in cents], dtype=str))
    assert parsed.errors.isna().all()
    assert parsed.values.tolist() == pytest.approx([c / 100 for c in cents])


@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=20),
    st.sampled_from(["", "£", "$"]),
)
def test_english_numbers_round_trip(cents: list[int], symbol: str) -> None:
    parsed = parse_numbers(pd.Series([_english(c, symbol) for c in cents], dtype=str))
    assert parsed.errors.isna().all()
    assert parsed.values.tolist() == pytest.approx([c / 100 for c in cents])


@given(st.lists(st.text(max_size=12), max_size=30))
def test_number_parser_never_raises_and_reports_every_failure(texts: list[str]) -> None:
    parsed = parse_numbers(pd.Series(texts, dtype=object))
    assert len(parsed.values) == len(texts)
    for value, error in zip(parsed.values, parsed.errors, strict=True):
        assert not (error is not None and not math.isnan(value))


def test_overflowing_numbers_are_errors_not_infinities() -> None:
    floats = parse_numbers(pd.Series(["9" * 400, "1"], dtype=str))
    assert "too large" in str(floats.errors.iloc[0]) and math.isnan(floats.values.iloc[0])
    ints = parse_ints(pd.Series(["1.78e+20", "3"], dtype=str))
    assert "too large" in str(ints.errors.iloc[0]) and ints.values.tolist()[1] == 3


def test_boolean_column_with_a_date_cell_and_a_blank_does_not_crash() -> None:
    """Found by the fuzzer: a workbook Miljökrav column holding a datetime and an empty cell.

    The date is a rejected value with a reason; the blank stays unknown (<NA>), not an error.
    """
    import datetime as dt

    from spendanalys.io.values import parse_booleans

    parsed = parse_booleans(pd.Series([dt.datetime(2009, 10, 6, 0, 31), None], dtype=object))
    assert parsed.values.isna().all()
    assert parsed.errors.iloc[0] is not None and parsed.errors.iloc[1] is None
