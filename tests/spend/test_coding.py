"""The code-wise helpers of the spend engine give what the plain per-row versions give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.spend.coding import (
    as_categorical,
    categorical_from_codes,
    compensated_sums,
    encode,
    encoding_once,
    factorize_codes,
    first_seen,
    is_function_of,
    map_unique_strings,
    row_groups,
    spread,
    string_array,
)

VALUES = np.array(["b", None, "a", "b", "c", "Städ"], dtype=object)


@pytest.mark.parametrize("seed", range(20))
def test_categorical_from_codes_equals_the_per_row_categorical(seed: int) -> None:
    rng = np.random.default_rng(seed)
    codes = rng.integers(-1, len(VALUES), size=int(rng.integers(0, 30)))
    got = categorical_from_codes(VALUES, codes)
    want = as_categorical(spread(VALUES, codes))
    assert list(got.categories) == list(want.categories)
    assert got.categories.dtype == want.categories.dtype
    np.testing.assert_array_equal(got.codes, want.codes)


def test_string_array_is_a_string_column_with_na_for_missing() -> None:
    codes = np.array([0, -1, 1, 2, 5])
    got = pd.Series(string_array(VALUES, codes))
    want = pd.Series(["b", None, None, "a", "Städ"], dtype="string")
    pd.testing.assert_series_equal(got, want)


def test_encode_takes_a_categoricals_codes_as_they_are() -> None:
    column = pd.Series(pd.Categorical(["x", None, "y", "x"], categories=["y", "x", "z"]))
    codes, uniques = encode(column)
    assert codes.tolist() == [1, -1, 0, 1]
    assert uniques.tolist() == ["y", "x", "z"]
    assert spread(uniques, codes).tolist() == ["x", None, "y", "x"]


def test_map_unique_strings_calls_once_per_distinct_value() -> None:
    calls: list[int] = []

    def upper(uniques: pd.Series) -> pd.Series:
        calls.append(len(uniques))
        return uniques.str.upper().mask(uniques == "b")

    column = pd.Series(["a", "b", None, "a", "a"], dtype="string")
    got = pd.Series(map_unique_strings(column, upper))
    assert calls == [2]
    pd.testing.assert_series_equal(got, pd.Series(["A", None, None, "A", "A"], dtype="string"))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("size", [7, 10**9])  # a counting table; too wide for one: hashed
def test_first_seen_and_factorize_codes_equal_pandas(seed: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    codes = rng.integers(-1, 7, size=int(rng.integers(0, 40))) * (size // 7)
    codes[codes < 0] = -1
    valid = codes[codes >= 0]
    np.testing.assert_array_equal(first_seen(codes, size), pd.unique(valid))
    inverse, uniques = factorize_codes(codes, size)
    want_inverse, want_uniques = pd.factorize(valid)
    np.testing.assert_array_equal(uniques, want_uniques)
    np.testing.assert_array_equal(inverse[codes >= 0], want_inverse)
    assert (inverse[codes < 0] == -1).all()


@pytest.mark.parametrize("seed", range(5))
def test_row_groups_are_the_combinations_in_order_of_first_appearance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 500
    frame = pd.DataFrame(
        {
            "agreement_id": pd.array(rng.choice(["A-1", "A-2", None], n), dtype="string[pyarrow]"),
            "org_number": pd.array(rng.choice(["5566778899", None], n), dtype="string[pyarrow]"),
            "supplier": pd.array(
                rng.choice(["Städ AB", "Bygg HB", "X"], n), dtype="string[pyarrow]"
            ),
        }
    )
    columns = ["agreement_id", "org_number", "supplier"]
    want = frame.astype(object).groupby(columns, dropna=False, sort=False).ngroup().to_numpy()
    with encoding_once():
        group, first = row_groups(frame, columns)
        again, _ = row_groups(frame.reset_index(drop=True), columns)  # same Arrow data
        assert again is group
    np.testing.assert_array_equal(group, want)
    np.testing.assert_array_equal(
        first, [np.flatnonzero(want == g)[0] for g in range(want.max() + 1)]
    )
    agreement = encode(frame["agreement_id"])[0]
    assert is_function_of(agreement, group, first)
    assert not is_function_of(np.arange(n), group, first)


_AMOUNTS = st.one_of(
    st.floats(-1e9, 1e9, allow_nan=False),
    st.just(float("nan")),
    st.sampled_from([0.1, 0.2, 0.3, -0.0, 1e16, -1e16, 12_345.67]),
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(-1, 6), _AMOUNTS), max_size=60),
    min_count=st.sampled_from([0, 1, 2]),
    contiguous=st.booleans(),
)
def test_compensated_sums_are_pandas_grouped_sums_bit_for_bit(
    rows: list[tuple[int, float]], min_count: int, contiguous: bool
) -> None:
    """Against pandas grouping the same values by integer keys (sorted) and by text keys in
    order of first appearance (what the summaries did): the same sums (amounts that cancel,
    0.1 + 0.2, -0.0), NaN skipped, min_count kept; ``contiguous`` rows (sorted codes) take
    pandas' other way of summing."""
    if contiguous:
        rows = sorted(rows, key=lambda row: row[0])
    size = 7
    codes = np.array([c for c, _ in rows], dtype=np.intp)
    values = np.array([v for _, v in rows], dtype=float)
    present = np.bincount(codes[codes >= 0], minlength=size) > 0
    by_int = pd.Series(values).groupby(np.where(codes >= 0, codes, np.nan), sort=True)
    want = by_int.sum(min_count=min_count).reindex(np.arange(size, dtype=float))
    want[~present] = 0.0 if min_count == 0 else np.nan
    got = compensated_sums(values, codes, size, min_count=min_count)
    np.testing.assert_array_equal(got, want.to_numpy(dtype=float))
    assert np.array_equal(np.signbit(got), np.signbit(want.to_numpy(dtype=float)))

    keys = pd.Series([f"supplier {c}" if c >= 0 else None for c in codes], dtype="string")
    by_text = pd.Series(values).groupby(keys, sort=False).sum(min_count=min_count)
    inverse, uniques = factorize_codes(codes, size)
    got = compensated_sums(values, inverse, len(uniques), min_count=min_count)
    np.testing.assert_array_equal(got, by_text.to_numpy(dtype=float))
    assert np.array_equal(np.signbit(got), np.signbit(by_text.to_numpy(dtype=float)))


def test_compensated_sums_of_a_million_amounts_are_the_grouped_sum() -> None:
    """Invoice-like amounts (öre, credit notes) over a few thousand suppliers."""
    rng = np.random.default_rng(7)
    codes = rng.integers(-1, 2_000, 1_000_000)
    values = (
        rng.lognormal(8, 2, len(codes)) * rng.choice([1, -1], len(codes), p=[0.95, 0.05])
    ).round(2)
    values[rng.random(len(codes)) < 0.05] = np.nan
    keep = codes >= 0
    want = pd.Series(values[keep]).groupby(codes[keep]).sum(min_count=1)
    got = compensated_sums(values, codes, 2_000, min_count=1)
    np.testing.assert_array_equal(got, want.reindex(range(2_000)).to_numpy(dtype=float))


def test_compensated_sums_refuse_codes_out_of_range() -> None:
    with pytest.raises(ValueError, match="codes must lie"):
        compensated_sums(np.ones(3), np.array([0, 3, -1]), 3)
    assert compensated_sums(np.array([]), np.array([], dtype=np.intp), 0).tolist() == []
    assert compensated_sums(np.ones(2), np.array([-1, -1]), 2).tolist() == [0.0, 0.0]
