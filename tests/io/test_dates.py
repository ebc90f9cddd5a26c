"""The date parser (issue 13): every shape exports write, the day/month order per column, years.

Properties with hypothesis: a date written in any supported shape reads back as itself; a
column holding one value that settles the order reads every value right, in either order."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.io.dates import date_order, order_evidence, parse_dates

DATES = st.dates(min_value=date(1970, 1, 1), max_value=date(2068, 12, 31))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SHAPES = {
    "iso": lambda d: d.isoformat(),
    "dd/mm/yyyy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "d/m/yyyy": lambda d: f"{d.day}/{d.month}/{d.year}",
    "dd/mm/yy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",
    "dotted": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "d Mon yyyy": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "dd-Mon-yy": lambda d: f"{d.day:02d}-{MONTHS[d.month - 1]}-{d.year % 100:02d}",
    "serial": lambda d: str((pd.Timestamp(d) - pd.Timestamp("1899-12-30")).days),
}


def _read(cells: list[object], **kwargs) -> tuple[list[object], list[object]]:  # type: ignore[no-untyped-def]
    parsed, _ = parse_dates(pd.Series(cells, dtype=object), **kwargs)
    return parsed.values.tolist(), parsed.errors.tolist()


@settings(max_examples=200, deadline=None)
@given(DATES, st.sampled_from(sorted(SHAPES)))
def test_a_date_in_any_shape_reads_back(day: date, shape: str) -> None:
    if shape == "serial" and day < date(1954, 10, 3):
        return  # serials in text are accepted from 20,000 on
    values, errors = _read([SHAPES[shape](day)])
    assert errors == [None]
    assert values == [pd.Timestamp(day)]


@settings(max_examples=200, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=20), st.booleans())
def test_one_settling_value_decides_the_column(days: list[date], us: bool) -> None:
    settler = date(2024, 12, 25)  # 25 > 12 in the day's place
    column = [*days, settler]

    def write(d: date) -> str:
        a, b = (d.month, d.day) if us else (d.day, d.month)
        return f"{a}/{b}/{d.year}"

    cells = pd.Series([write(d) for d in column], dtype=object)
    order = date_order(order_evidence(cells), "Datum")
    assert order.month_first is us
    values, errors = _read(list(cells), order=order)
    assert errors == [None] * len(column)
    assert values == [pd.Timestamp(d) for d in column]


@given(st.text(max_size=30))
def test_any_text_gives_a_date_or_a_reason(text: str) -> None:
    values, errors = _read([text])
    assert (errors[0] is None) or pd.isna(values[0])
    if text.strip() and errors[0] is None:
        assert not pd.isna(values[0])


def test_an_undecidable_column_gets_a_note() -> None:
    cells = pd.Series(["03/04/2024", "05/06/2024"], dtype=object)
    order = date_order(order_evidence(cells), "Fakturadatum")
    assert not order.month_first
    assert order.note is not None and "cannot be told apart" in order.note


def test_a_mixed_column_follows_the_majority_and_rejects_the_rest() -> None:
    cells = pd.Series(["13/01/2024", "14/01/2024", "01/15/2024"], dtype=object)
    order = date_order(order_evidence(cells), "Datum")
    assert not order.month_first and "mixes" in str(order.note)
    _, errors = _read(list(cells), order=order)
    assert errors[:2] == [None, None] and "not a valid calendar date" in str(errors[2])


@pytest.mark.parametrize(
    ("cell", "allow", "expected", "why"),
    [
        (2019, True, "2019-01-01", None),
        (2019.0, True, "2019-01-01", None),
        ("2017", True, "2017-01-01", None),
        (2019, False, None, "year only"),
        ("2017", False, None, "year only"),
        (43466, False, "2019-01-01", None),  # a serial stays a serial
        ("1850", True, None, "not a date"),
    ],
)
def test_years(cell: object, allow: bool, expected: str | None, why: str | None) -> None:
    parsed, years = parse_dates(pd.Series([cell], dtype=object), allow_year=allow)
    value, error = parsed.values.iat[0], parsed.errors.iat[0]
    if expected is None:
        assert pd.isna(value) and why in str(error)
    else:
        assert value == pd.Timestamp(expected) and error is None
    assert years == (1 if expected and allow and cell in (2019, 2019.0, "2017") else 0)


@pytest.mark.parametrize("text", ["2263-01-01", "1600-01-01", "31.12.9999", "9999/12/31"])
def test_a_day_outside_the_timestamp_range_is_a_reason_not_a_crash(text: str) -> None:
    parsed, _ = parse_dates(pd.Series([text, "2262-04-11"], dtype=object))
    assert parsed.errors.iat[0] == f"{text!r} is not a valid calendar date"
    assert parsed.values.iat[1] == pd.Timestamp("2262-04-11")


def test_a_column_mixing_utc_offsets_reads_each_date_as_written() -> None:
    """pandas refuses one call over naive and offset ISO times ("Mixed timezones"): the column
    used to stop the whole read with that ValueError. Each keeps its local date as written."""
    cells = ["2023-01-05", "2023-01-05T23:30:00+02:00", "2023-01-06T01:00:00Z"]
    cells += ["2023-01-07T10:00:00-05:00", "2024-02-30", "2023-01-08T08:00:00+0100"]
    parsed, _ = parse_dates(pd.Series(cells, dtype="str"))
    assert parsed.values.tolist() == [
        pd.Timestamp(d) if d else pd.NaT
        for d in ["2023-01-05", "2023-01-05", "2023-01-06", "2023-01-07", None, "2023-01-08"]
    ]
    assert parsed.errors.tolist() == [None] * 4 + [
        "'2024-02-30' is not a valid calendar date",
        None,
    ]
