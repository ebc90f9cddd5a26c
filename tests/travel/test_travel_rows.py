"""The row plumbing the trip steps share (travel/rows.py): the fast paths answer exactly what
the plain pandas calls they replace answer."""

from __future__ import annotations

import pandas as pd
import pytest

from spendanalys.travel.rows import TextCodes, constant_column, drop_rows, object_column

MODES = pd.Series(
    ["flight", "rail", None, "taxi", "flight", "hotel", pd.NA, "car"],
    index=[3, 5, 7, 11, 13, 17, 19, 23],
    dtype="object",
)


@pytest.mark.parametrize(
    "names",
    [("flight",), ("rail", "bus", "car", "taxi"), ("hotel",), ("bus",), ("bus", "boat"), ()],
)
def test_codes_answer_as_isin_does(names: tuple[str, ...]) -> None:
    """Missing values are in no set; a name not in the column matches nothing."""
    got = TextCodes(MODES).isin(*names)
    pd.testing.assert_series_equal(got, MODES.isin(names))


def test_codes_on_an_arrow_string_column() -> None:
    column = MODES.astype("string[pyarrow]")
    pd.testing.assert_series_equal(
        TextCodes(column).isin("flight", "car"),
        column.isin(["flight", "car"]).astype(bool),
    )


def test_constant_and_object_columns() -> None:
    index = pd.RangeIndex(4)
    column = constant_column("travel", index)
    assert column.dtype == object and column.tolist() == ["travel"] * 4
    assert constant_column("x", pd.RangeIndex(0)).empty
    text = pd.Series(["a", None, "b", "a"], dtype="string[pyarrow]")
    converted = object_column(text)
    assert converted.dtype == object
    assert converted.tolist()[0::2] == ["a", "b"] and pd.isna(converted.iloc[1])


def test_drop_rows_returns_the_frame_itself_when_nothing_is_bad() -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    assert drop_rows(frame, pd.Series([False, False])) is frame
    assert drop_rows(frame, pd.Series([True, False]))["a"].tolist() == [2]
