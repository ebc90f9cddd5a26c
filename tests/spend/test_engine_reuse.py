"""The engine's shortcuts on a million lines (issue 20) change no result: within one analysis
an Arrow text column is factorised once however many frames carry it, and a line's supplier org number is filled
from its supplier or agreement only where the line has none."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spendanalys.services.assembly import run_spend
from spendanalys.spend.breakdowns import group_sums
from spendanalys.spend.coding import encode, encoding_once
from spendanalys.spend.linking import normalise_org_number
from spendanalys.spend.ranking import join_unique, join_unique_columns


def _plain_encode(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)


def test_encoding_an_arrow_column_twice_gives_pd_factorize_each_time() -> None:
    rng = np.random.default_rng(3)
    names = np.array(["Städ AB", "Bygg AB", None, "Åkeri HB", "bygg ab"], dtype=object)
    column = pd.Series(names[rng.integers(0, len(names), 5_000)], dtype="string")
    want_codes, want_uniques = _plain_encode(column)
    with encoding_once():
        # the same data under other wrappers: a frame built by concat, a reset index
        frame = pd.concat([column.rename("a").to_frame(), pd.Series(range(5_000))], axis=1)
        for same in (column, frame["a"], frame.reset_index(drop=True)["a"], column.array):
            codes, uniques = encode(same)
            assert codes.dtype == np.intp
            np.testing.assert_array_equal(codes, want_codes)
            assert list(uniques) == list(want_uniques)
            codes[:] = 0  # a caller's copy: changing it changes nothing remembered
            uniques[:] = "x"


def test_other_data_of_the_same_shape_is_encoded_afresh() -> None:
    with encoding_once():
        column = pd.Series(["a", "b", "a", None], dtype="string")
        encode(column)
        column.iloc[0] = "c"  # new Arrow data under the same Series
        codes, uniques = encode(column)
        assert list(codes) == [0, 1, 2, -1] and list(uniques) == ["c", "b", "a"]
        other = pd.Series(["b", "b", "z", "b"], dtype="string")
        codes, uniques = encode(other.array)
        assert list(codes) == [0, 0, 1, 0] and list(uniques) == ["b", "z"]
        tail = pd.Series(["x", "y", "y", "x", "x"], dtype="string").iloc[1:]  # a sliced view
        codes, uniques = encode(tail)
        assert list(codes) == [0, 0, 1, 1] and list(uniques) == ["y", "x"]


def test_many_distinct_values_keep_exact_codes() -> None:
    values = pd.Series([f"v{i % 70_000}" for i in range(140_000)], dtype="string")
    with encoding_once():
        for _ in range(2):
            codes, uniques = encode(values)
            np.testing.assert_array_equal(codes, np.arange(140_000) % 70_000)
            assert len(uniques) == 70_000


@pytest.fixture(scope="module")
def sample_lines(sample_dir: Path) -> pd.DataFrame:
    run = run_spend(
        [sample_dir / "avtalsforteckning.csv"],
        [sample_dir / "leverantorsfakturor_2024.csv"],
        as_of=date(2025, 1, 1),
    )
    return run.analysis.lines


def test_supplier_org_is_the_lines_own_org_number_where_it_has_one(
    sample_lines: pd.DataFrame,
) -> None:
    own = normalise_org_number(sample_lines["org_number"])
    has = own.notna().to_numpy()
    assert has.any() and (~has).any()  # the sample has lines with and without one
    assert sample_lines["supplier_org"].dtype == "string"
    pd.testing.assert_series_equal(
        sample_lines["supplier_org"][has], own[has], check_names=False, check_index=False
    )


def test_lines_without_an_org_number_take_their_agreements(sample_lines: pd.DataFrame) -> None:
    """Lines without an org number of their own, linked to an agreement with one supplier, carry
    that supplier's org number (of the register, normalised)."""
    gap = normalise_org_number(sample_lines["org_number"]).isna().to_numpy()
    filled = sample_lines["supplier_org"][gap].notna().to_numpy()
    assert filled.any()
    linked = sample_lines["linked_agreement_id"][gap].notna().to_numpy()
    assert not (filled & ~linked).any()  # an unlinked line has no agreement to take it from


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("nan_share", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("min_count", [0, 1])
def test_group_sums_is_pandas_groupby_sum(seed: int, nan_share: float, min_count: int) -> None:
    rng = np.random.default_rng(seed)
    n, size = 2_000, 40
    groups = rng.integers(0, size - 5, n)  # the last groups have no rows
    values = rng.normal(0, 1e4, n)
    values[rng.random(n) < nan_share] = np.nan
    want = (
        pd.Series(values)
        .groupby(groups)
        .sum(min_count=min_count)
        .reindex(range(size), fill_value=np.nan if min_count else 0.0)
    )
    got = group_sums(groups, values, size, min_count=min_count)
    np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-12, atol=1e-6)
    assert np.array_equal(np.isnan(got), np.isnan(want.to_numpy()))


@pytest.mark.parametrize("seed", range(5))
def test_join_unique_is_the_plain_per_key_join(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3_000
    keys = np.array(["A-1", "A-2", None, "A-3"], dtype=object)[rng.integers(0, 4, n)]
    names = np.array([f"Lev {i}" for i in range(9)] + [None], dtype=object)[rng.integers(0, 10, n)]
    frame = pd.DataFrame({"k": pd.array(keys, dtype="string"), "v": pd.array(names, "string")})
    got = join_unique(frame, "k", "v", limit=5)
    want: dict[str, list[str]] = {}
    for k, v in zip(keys, names, strict=True):
        if k is not None and v is not None and v not in want.setdefault(k, []):
            want[k].append(v)
    want = {k: v for k, v in want.items() if v}
    assert list(got.index) == list(want)
    for k, values in want.items():
        assert got[k] == "; ".join(values[:5]) + ("; …" if len(values) > 5 else "")


@pytest.mark.parametrize("seed", range(5))
def test_join_unique_columns_is_join_unique_per_column(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3_000
    keys = np.array(["A-1", "A-2", None, "A-3"], dtype=object)[rng.integers(0, 4, n)]
    sources = np.array(["EPA", "Exiobase", None], dtype=object)[rng.integers(0, 3, n)]
    kinds = np.array(["category", "supplier", None], dtype=object)[rng.integers(0, 3, n)]
    names = np.array([f"Lev {i}" for i in range(9)] + [None], dtype=object)[rng.integers(0, 10, n)]
    frame = pd.DataFrame(
        {
            "k": pd.Categorical(keys),
            "source": pd.Categorical(sources),
            "kind": pd.array(kinds, dtype="string"),
            "name": pd.array(names, dtype="string"),
        }
    )
    got = join_unique_columns(frame, "k", ["source", "kind", "name"], limit=3)
    for column in ("source", "kind", "name"):
        pd.testing.assert_series_equal(got[column], join_unique(frame, "k", column, limit=3))
        want: dict[str, list[str]] = {}
        for k, v in zip(keys, frame[column].astype(object), strict=True):
            if k is not None and not pd.isna(v) and v not in want.setdefault(k, []):
                want[k].append(v)
        assert list(got[column].index) == [k for k, v in want.items() if v]


@pytest.mark.parametrize("keys", [[], [None, None], [None, "A-1", None]])
def test_join_unique_columns_leaves_out_the_rows_without_a_key(keys: list[str | None]) -> None:
    """The rows without a key share one slot past the combinations, never reported."""
    frame = pd.DataFrame(
        {
            "k": pd.array(keys, dtype="string"),
            "source": pd.Categorical(["EPA"] * len(keys)),
            "kind": pd.array(["category"] * len(keys), dtype="string"),
        }
    )
    got = join_unique_columns(frame, "k", ["source", "kind"])
    want = {"A-1"} & {k for k in keys if k is not None}
    for column in ("source", "kind"):
        assert set(got[column].index) == want
    if want:
        assert got["source"]["A-1"] == "EPA" and got["kind"]["A-1"] == "category"
