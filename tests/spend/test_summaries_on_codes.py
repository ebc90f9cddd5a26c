"""The summaries work on the lines' integer codes and masks (issue 20: no copy of a million
lines per table) and give what grouping the lines' text with pandas gives; the analysis leaves
the caller's invoice columns shared, not copied."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.services.assembly import load_factor_sets, read_all, run_spend
from spendanalys.spend.analysis import TRAVEL_GROUPS, _with_travel, analyse_spend
from spendanalys.spend.breakdowns import UNDATED, Measures, by_year, group_sums
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.coding import encoding_once
from spendanalys.spend.factors import load_kpi
from spendanalys.spend.ranking import _dominant_category, agreement_kg, agreement_sums
from spendanalys.spend.register import supplier_spend
from spendanalys.spend.summaries import (
    _distinct_per_group,
    _first_per_group,
    _lines_where,
    summarise_categories,
    summarise_excluded,
    summarise_suppliers,
    summarise_uncategorised,
    summarise_unlinked,
    supplier_key,
)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("keys", "values", "rows"), [(5, 3, 200), (300, 40, 2_000)])
def test_first_and_distinct_per_group_are_pandas_first_and_nunique(
    seed: int, keys: int, values: int, rows: int
) -> None:
    """Both ways of counting (a presence table for few pairs, hashing for many) and the first
    non-missing value per group, against pandas' grouped first and nunique."""
    rng = np.random.default_rng(seed)
    key = rng.integers(-1, keys, rows)
    code = np.where(rng.random(rows) < 0.3, -1, rng.integers(0, values, rows))
    frame = pd.DataFrame(
        {"key": np.where(key >= 0, key, np.nan), "code": np.where(code >= 0, code, np.nan)}
    )
    grouped = frame.groupby("key")["code"]
    first = grouped.first().reindex(range(keys))
    distinct = grouped.nunique().reindex(range(keys), fill_value=0)
    got_first = _first_per_group(key, code, keys)
    np.testing.assert_array_equal(got_first, first.fillna(-1).to_numpy(dtype=np.intp))
    np.testing.assert_array_equal(_distinct_per_group(key, code, keys), distinct.to_numpy())


@pytest.fixture(scope="module")
def sample_analysis(sample_dir: Path):
    contracts, invoices = (
        sample_dir / "avtalsforteckning.csv",
        sample_dir / "leverantorsfakturor_2024.csv",
    )
    if not (contracts.is_file() and invoices.is_file()):
        pytest.skip("sample_data has not been generated yet (make sample-data)")
    return run_spend([contracts], [invoices], as_of=date(2025, 1, 1)).analysis


def _by_text(lines: pd.DataFrame) -> pd.DataFrame:
    """The suppliers table as plain pandas makes it: the lines inside the boundary copied and
    grouped on their supplier key."""
    inside = lines[~lines["excluded"].to_numpy(dtype=bool)]
    work = inside.assign(
        _key=supplier_key(inside).astype("string"),
        _kg=inside["kg_co2e"].astype(float),
        _linked=np.where(inside["link_rule"] != "unlinked", inside["spend_sek"], 0.0),
    )
    grouped = work.groupby("_key", sort=False)
    table = pd.DataFrame(
        {
            "supplier": grouped["supplier"].first(),
            "org_number": grouped["supplier_org"].first(),
            "spend_sek": grouped["spend_sek"].sum(),
            "kg_co2e": grouped["_kg"].sum(min_count=1),
            "linked_spend_sek": grouped["_linked"].sum(),
            "invoice_lines": grouped.size(),
            "agreements": grouped["linked_agreement_id"].nunique(),
        }
    )
    table["unlinked_spend_sek"] = table["spend_sek"] - table["linked_spend_sek"]
    table = table.sort_values(
        ["kg_co2e", "spend_sek"], ascending=False, na_position="last", kind="mergesort"
    )
    return table.reset_index(drop=True)


def test_suppliers_on_codes_are_the_suppliers_grouped_on_text(sample_analysis) -> None:
    lines = sample_analysis.lines
    assert lines["excluded"].any() and (lines["link_rule"] == "unlinked").any()
    pd.testing.assert_frame_equal(summarise_suppliers(lines), _by_text(lines), check_exact=True)


def test_categories_count_the_agreements_of_their_lines(sample_analysis) -> None:
    lines = sample_analysis.lines
    inside = lines[~lines["excluded"].to_numpy(dtype=bool)]
    table = summarise_categories(lines, *_rules_and_factors())
    want = inside.groupby("category_id", dropna=False, sort=False, observed=True)[
        "linked_agreement_id"
    ].nunique()
    got = table.set_index("category_id")["agreements"]
    assert got.sum() == want.sum() and len(got) == len(want)
    for category, count in want.items():
        assert got[category] == count, category


def _rules_and_factors():
    rules = load_category_rules()
    return rules, load_factor_sets([], rules)[0].factors


def test_the_analysis_shares_the_invoice_columns_it_was_given(sample_dir: Path) -> None:
    """Without a rejected line the lines frame keeps the caller's columns (no copy of a
    million amounts and dates) and the caller's frame is left as it was."""
    rules, _ = _rules_and_factors()
    register, _ = read_all("contracts", [sample_dir / "avtalsforteckning.csv"])
    invoices, _ = read_all("invoices", [sample_dir / "leverantorsfakturor_2024.csv"])
    invoices = invoices[invoices["amount_sek"].notna()].reset_index(drop=True)
    columns = list(invoices.columns)
    analysis = analyse_spend(
        register, invoices, rules, load_factor_sets([], rules), load_kpi(), as_of=date(2025, 1, 1)
    )
    assert list(invoices.columns) == columns
    assert len(analysis.lines) == len(invoices)  # the condition this test is about
    for name in ("amount_sek", "date", "source_row"):
        assert np.shares_memory(analysis.lines[name].to_numpy(), invoices[name].to_numpy()), name


def test_agreement_kg_is_agreement_sums_kg_for_each_set(sample_analysis) -> None:
    """The factor-set comparison groups the lines once for every set: each set's kg CO2e per
    agreement is what :func:`agreement_sums` gives for its column."""
    lines = sample_analysis.lines.copy()
    lines["kg_co2e__half"] = lines["kg_co2e"] / 2
    columns = ["kg_co2e", "kg_co2e__half"]
    for column, got in zip(columns, agreement_kg(lines, columns), strict=True):
        pd.testing.assert_series_equal(got, agreement_sums(lines, column)["kg_co2e"])


def test_categories_sum_what_grouping_the_lines_on_their_text_sums(sample_analysis) -> None:
    """Spend, kg CO2e and lines per category (the uncategorised row too) as pandas' grouped
    sums on the category text give them, in the same order, bit for bit."""
    lines = sample_analysis.lines
    inside = lines[~lines["excluded"].to_numpy(dtype=bool)]
    work = inside.assign(_kg=inside["kg_co2e"].astype(float))
    grouped = work.groupby(
        inside["category_id"].astype(object), dropna=False, sort=False, observed=True
    )
    want = pd.DataFrame(
        {
            "spend_sek": grouped["spend_sek"].sum(),
            "kg_co2e": grouped["_kg"].sum(min_count=1),
            "invoice_lines": grouped.size(),
        }
    )
    table = summarise_categories(lines, *_rules_and_factors())
    got = table.set_index(table["category_id"].astype(object))[list(want.columns)]
    got = got.reindex(want.index)
    assert inside["category_id"].isna().any() or len(got) == len(want)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_exact=True
    )


def test_dominant_category_is_the_largest_grouped_spend(sample_analysis) -> None:
    """Per agreement the category with the largest spend, as pandas grouping the (agreement,
    category) texts and sorting the sums picks it."""
    lines = sample_analysis.lines
    keep = ~lines["excluded"].to_numpy(dtype=bool)
    keep &= (
        lines["linked_agreement_id"].notna().to_numpy() & lines["category_id"].notna().to_numpy()
    )
    work = lines[keep]
    sums = work.groupby(
        [work["linked_agreement_id"].astype(object), work["category_id"].astype(object)],
        sort=False,
    )["spend_sek"].sum()
    top = sums.sort_values(ascending=False).reset_index()
    want = top.drop_duplicates("linked_agreement_id")
    want = pd.Series(want["category_id"].to_numpy(), index=want["linked_agreement_id"].to_numpy())
    got = _dominant_category(lines)
    pd.testing.assert_series_equal(got.astype(object), want.astype(object), check_exact=True)


def test_supplier_spend_is_the_grouped_spend_of_each_suppliers_lines(sample_dir: Path) -> None:
    contracts = sample_dir / "avtalsforteckning.csv"
    invoices = sample_dir / "leverantorsfakturor_2024.csv"
    analysis = run_spend([contracts], [invoices], as_of=date(2025, 1, 1)).analysis
    table = analysis.agreement_suppliers
    assert len(table)
    # lines attributed to a supplier: the analysis' supplier table has the spend per supplier
    lines = analysis.lines
    rng = np.random.default_rng(3)
    supplier_of_line = rng.integers(-1, len(table), len(lines))
    got = supplier_spend(table.drop(columns="spend_sek"), lines, supplier_of_line)["spend_sek"]
    keep = (supplier_of_line >= 0) & ~lines["excluded"].to_numpy(dtype=bool)
    want = (
        pd.Series(lines["spend_sek"].to_numpy(dtype=float)[keep])
        .groupby(supplier_of_line[keep])
        .sum()
        .reindex(range(len(table)), fill_value=0.0)
    )
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())


def test_travel_totals_test_each_category_once_as_isin_tests_each_line(sample_analysis) -> None:
    """The travel share of the totals: the lines whose category is in the travel groups, found
    per distinct category, are the lines ``isin`` finds (missing categories included)."""
    lines = sample_analysis.lines
    rules, _ = _rules_and_factors()
    tree = rules.tree.dropna(subset=["group_id"])
    ids = set(tree.loc[tree["group_id"].isin(list(TRAVEL_GROUPS)), "category_id"])
    travel = lines["category_id"].isin(ids).to_numpy(dtype=bool)
    travel = travel & ~lines["excluded"].to_numpy(dtype=bool)
    assert travel.any()
    got = _with_travel({}, lines, rules, TRAVEL_GROUPS)
    assert got["travel_spend_sek"] == float(np.nansum(lines["spend_sek"].to_numpy()[travel]))
    kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[travel]
    assert got["travel_kg_co2e"] == float(np.nansum(kg))


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 4),
            st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(-0.0)),
        ),
        max_size=40,
    ),
    min_count=st.sampled_from([0, 1]),
)
def test_group_sums_are_the_sums_of_the_rows_with_a_value(
    rows: list[tuple[int, float]], min_count: int
) -> None:
    """A NaN counted as 0.0 gives the bincount of the rows that have a value, bit for bit."""
    groups = np.array([g for g, _ in rows], dtype=np.intp)
    values = np.array([v for _, v in rows], dtype=float)
    valid = ~np.isnan(values)
    want = np.bincount(groups[valid], weights=values[valid], minlength=5)[:5]
    if min_count:
        want = np.where(np.bincount(groups[valid], minlength=5)[:5] >= 1, want, np.nan)
    got = group_sums(groups, values, 5, min_count=min_count)
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))


def test_summaries_of_no_lines_are_the_summaries_of_an_empty_selection(sample_analysis) -> None:
    """An empty mask is sliced, not filtered: the tables are what filtering gave."""
    lines = sample_analysis.lines
    none = np.zeros(len(lines), dtype=bool)
    sliced = _lines_where(lines, none)
    filtered = lines.loc[none, list(sliced.columns)]
    pd.testing.assert_frame_equal(sliced.reset_index(drop=True), filtered.reset_index(drop=True))
    priced = lines.assign(
        excluded=False,
        category_id=lines["category_id"].fillna(lines["category_id"].dropna().iloc[0]),
    )
    linked = priced.assign(link_rule=pd.Categorical(["agreement_id"] * len(lines)))
    for summarise, frame in (
        (summarise_excluded, priced),
        (summarise_uncategorised, priced),
        (summarise_unlinked, linked),
    ):
        table = summarise(frame)
        assert len(table) == 0, summarise.__name__
        assert list(table.columns) == list(summarise(lines).columns), summarise.__name__


_YEAR_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["K1", "K2", "k3", None]),  # the key (agreement id), None: unlinked
        st.sampled_from([2022, 2023, 2024, None]),  # None: undated
        st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(-0.0)),  # spend
        st.one_of(st.floats(0, 1e4), st.just(float("nan"))),  # kg CO2e (NaN: no factor)
        st.booleans(),  # excluded
    ),
    max_size=40,
)


def _year_lines(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "linked_agreement_id": pd.Series([r[0] for r in rows], dtype="string"),
            "spend_year": pd.array([r[1] for r in rows], dtype="Int64"),
            "spend_sek": np.array([r[2] for r in rows], dtype=float),
            "kg_co2e": np.array([r[3] for r in rows], dtype=float),
            "excluded": np.array([r[4] for r in rows], dtype=bool),
        }
    )


@settings(max_examples=200, deadline=None)
@given(rows=_YEAR_ROWS, keyed=st.booleans())
def test_by_year_sums_the_kept_lines_as_filtering_them_sums(rows: list[tuple], keyed: bool) -> None:
    """The lines left out go to a group of their own rather than being filtered out: the same
    sums bit for bit as filtering (the kept lines in their order, bincount), the same years,
    keys and counts as pandas grouping the kept lines' text."""
    lines = _year_lines(rows)
    key = "linked_agreement_id" if keyed else None
    with encoding_once():
        got = by_year(lines, key, measures=Measures.of(lines) if rows else None)
    keep = ~lines["excluded"].to_numpy()
    if keyed:
        keep &= lines[key].notna().to_numpy()
    kept = lines[keep]
    years = kept["spend_year"].astype("string").fillna(UNDATED).astype(object)
    by = [kept[key].astype(object), years] if keyed else [years]
    grouped = kept.assign(_kg=kept["kg_co2e"]).groupby(by, sort=True)
    want = pd.DataFrame(
        {
            "spend_sek": grouped["spend_sek"].sum(),
            "kg_co2e": grouped["_kg"].sum(min_count=1),
            "invoice_lines": grouped.size().astype("int64"),
        }
    ).reset_index()
    assert len(got) == len(want)
    if keyed:
        assert got["key"].tolist() == want.iloc[:, 0].tolist()
    assert got["year"].tolist() == want["spend_year"].tolist()
    assert got["invoice_lines"].tolist() == want["invoice_lines"].tolist()
    np.testing.assert_allclose(got["spend_sek"], want["spend_sek"], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(got["kg_co2e"], want["kg_co2e"], rtol=1e-12, atol=1e-6)
    # bit for bit: per group the bincount of the kept lines, NaN skipped
    for i, row in got.iterrows():
        mine = kept[(years == row["year"]).to_numpy()]
        if keyed:
            mine = mine[(mine[key] == row["key"]).to_numpy()]
        spend = mine["spend_sek"].to_numpy()
        kg = mine["kg_co2e"].to_numpy()
        assert (
            row["spend_sek"]
            == np.bincount(
                np.zeros(int((~np.isnan(spend)).sum()), dtype=np.intp),
                weights=spend[~np.isnan(spend)],
                minlength=1,
            )[0]
        ), i
        if np.isnan(kg).all():
            assert np.isnan(row["kg_co2e"]), i
        else:
            weights = kg[~np.isnan(kg)]
            assert row["kg_co2e"] == np.bincount(np.zeros(len(weights), dtype=np.intp), weights)[0]


@pytest.mark.parametrize("kind", [np.int8, np.int16, np.intp])
def test_distinct_per_group_takes_the_narrow_codes_of_a_categorical(kind: type) -> None:
    """Supplier keys come as a Categorical's int8/int16 codes: the pairs are formed in a wider
    type, the rows without a key or value counted nowhere."""
    rng = np.random.default_rng(5)
    key = rng.integers(-1, 100, 5_000).astype(kind)
    code = np.where(rng.random(5_000) < 0.2, -1, rng.integers(0, 3_000, 5_000))
    frame = pd.DataFrame(
        {"key": np.where(key >= 0, key, np.nan), "code": np.where(code >= 0, code, np.nan)}
    )
    want = frame.groupby("key")["code"].nunique().reindex(range(100), fill_value=0)
    np.testing.assert_array_equal(_distinct_per_group(key, code, 100), want.to_numpy())
