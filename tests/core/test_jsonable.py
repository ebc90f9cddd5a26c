"""``json_text`` writes exactly what ``json.dumps(..., ensure_ascii=False, indent=2)`` writes,
and ``to_jsonable`` turns numpy and pandas values into plain ones (issue 20: the JSON output of a
million invoice lines is built column-wise, the bytes of the file unchanged)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendanalys.jsonable import json_text, to_jsonable


def _standard(value: Any, allow_nan: bool = True) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=allow_nan)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
KEYS = st.text(max_size=6)


@st.composite
def tables(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> list[dict[str, Any]]:
    """Records with the same keys in the same order, the shape json_text formats by column."""
    keys = draw(st.lists(KEYS, unique=True, max_size=5))
    rows = draw(st.integers(0, 5))
    return [{k: draw(values) for k in keys} for _ in range(rows)]


DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS, inner, max_size=5)
        | tables(inner)
    ),
    max_leaves=40,
)


@given(DOCUMENTS)
def test_json_text_is_the_standard_text(document: Any) -> None:
    assert json_text(document) == _standard(document)
    assert json_text(document, allow_nan=False) == _standard(document, False)


@pytest.mark.parametrize(
    "document",
    [
        {},
        [],
        "x",
        None,
        {"a": [], "b": {}, "c": [[], {}], "d": [{"x": 1}, {}, {"x": 2}]},
        [{"a": 1, "b": "c, d"}, {"a": 2.5, "b": None}, {"a": True, "b": "%s %%"}],
        [{"a": 1, "b": 2}, {"b": 2, "a": 1}],  # same keys, another order
        [{"%(x)s": [1, 2]}, {"%(x)s": None}],
        {"by_year": [{"2024": {"kg": 1.0}}, {}, {"2023": {"kg": 2.0}, "2024": {"kg": 3.5}}]},
        [[1, "a"], [None, [2.0, {"k": "v"}]], (3, 4)],
        [1e16, 1e-5, -0.0, 12345678901234567890, '\u0000\n"\\åäö€'],
    ],
)
def test_json_text_edge_cases(document: Any) -> None:
    assert json_text(document) == _standard(document)


@pytest.mark.parametrize(
    "document",
    [
        {1: "int key", None: 2, 2.5: 3, False: 4},
        {"x": [np.float64(1.5)]},  # a float subclass
        {"x": float("inf"), "y": [float("nan")]},
    ],
)
def test_json_text_leaves_the_rest_to_json_dumps(document: Any) -> None:
    assert json_text(document) == _standard(document)


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"x": [1.0, float("nan")]}, ValueError),
        ({"x": {"y": date(2024, 1, 1)}}, TypeError),
        ({(1, 2): "tuple key"}, TypeError),
    ],
)
def test_json_text_raises_as_json_dumps(document: Any, error: type[Exception]) -> None:
    with pytest.raises(error) as expected:
        _standard(document, allow_nan=False)
    with pytest.raises(error) as got:
        json_text(document, allow_nan=False)
    assert str(got.value) == str(expected.value)


def test_json_text_of_a_circular_document_raises_as_json_dumps() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        json_text({"loop": loop})


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        (np.float64(1.5), 1.5),
        (np.float32(0.5), 0.5),
        (np.float64("nan"), None),
        (float("nan"), None),
        (np.int64(3), 3),
        (np.bool_(True), True),
        (pd.NA, None),
        (pd.NaT, None),
        (pd.Timestamp("2024-05-01 13:00"), "2024-05-01"),
        (datetime(2024, 5, 1, 13, 0), "2024-05-01"),
        (date(2024, 5, 1), "2024-05-01"),
        ("text", "text"),
        (7, 7),
        (None, None),
        ((1, np.int64(2)), [1, 2]),
        ({1: np.float64("nan"), "a": [pd.NA, "b"]}, {"1": None, "a": [None, "b"]}),
    ],
)
def test_to_jsonable(value: Any, plain: Any) -> None:
    got = to_jsonable(value)
    assert got == plain and type(got) is type(plain)


def test_to_jsonable_of_a_frame_column() -> None:
    frame = pd.DataFrame({"x": [1.5, math.nan], "n": pd.array([1, None], dtype="Int64")})
    got = to_jsonable(frame.to_dict(orient="records"))
    assert got == [{"x": 1.5, "n": 1}, {"x": None, "n": None}]
    assert json_text(got) == _standard(got)
