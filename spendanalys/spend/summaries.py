"""Spend and emissions per category, per supplier, unlinked, uncategorised and excluded; totals.

Every table sums the priced invoice lines of ``spend.analyse_spend`` (SEK net of credit notes,
kg CO2e), so that for any grouping the groups add up to the totals: Σ agreements + unlinked =
``totals["spend_sek"]``, Σ categories (the uncategorised row included) = the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pandas.api.typing import DataFrameGroupBy

from spendanalys.spend.categories import CategoryRules
from spendanalys.spend.coding import (
    compensated_sums,
    encode,
    factorize_codes,
    is_function_of,
    row_groups,
    spread,
)
from spendanalys.spend.linking import LINE_KEY_COLUMNS, normalise_supplier_name
from spendanalys.spend.ranking import join_unique

if TYPE_CHECKING:  # pandas.api.typing.aliases is new in pandas 3; the stubs have it
    from pandas.api.typing import NAType
    from pandas.api.typing.aliases import Scalar

    BySupplier = DataFrameGroupBy[Scalar, Literal[True]]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "supplier",
    "supplier_org",
    "supplier_key",
    "link_rule",
    "link_note",
    "linked_agreement_id",
    "category_id",
    "spend_sek",
    "kg_co2e",
    "excluded",
    "account",
    "text",
)


def _inside(lines: pd.DataFrame) -> np.ndarray:
    """Mask of the lines inside the purchase boundary (not excluded by account)."""
    inside: np.ndarray = ~lines["excluded"].to_numpy(dtype=bool)
    return inside


def _lines_where(
    lines: pd.DataFrame, mask: np.ndarray, columns: tuple[str, ...] = SUMMARY_COLUMNS
) -> pd.DataFrame:
    """The lines in ``mask``, only the ``columns`` a summary reads: filtering copies every column
    it keeps (for the few unlinked or uncategorised lines; the whole boundary is never copied).
    No line in ``mask`` (often: no uncategorised or excluded line) is an empty slice: a take of
    no rows from a chunked Arrow column still costs milliseconds."""
    kept = [c for c in columns if c in lines]
    if not mask.any():
        return lines.iloc[:0][kept]
    return lines.loc[mask, kept]


# What summarise_unlinked reads: not the lines' accounts and texts (two text columns of
# 130,000 unlinked lines of a million are 15 ms to copy).
_UNLINKED_COLUMNS = tuple(c for c in SUMMARY_COLUMNS if c not in ("account", "text"))


def _first_rows(codes: np.ndarray, size: int) -> np.ndarray:
    """Per code 0..size-1, the first row that has it (``len(codes)`` where none; -1 rows are
    skipped): one ``minimum.at`` pass, no hashing or sorting of the rows."""
    rows = np.flatnonzero(codes >= 0)
    first = np.full(size, len(codes), dtype=np.intp)
    np.minimum.at(first, codes[rows], rows)
    return first


def _first_per_group(keys: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Per key 0..size-1, the first non-missing code its rows have (-1 where none): a grouped
    ``first`` of the text the codes stand for."""
    first = _first_rows(np.where(codes >= 0, keys, -1), size)
    found = first < len(codes)
    out = np.full(size, -1, dtype=np.intp)
    out[found] = codes[first[found]]
    return out


def _distinct_per_group(keys: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Per key 0..size-1, how many distinct non-missing codes its rows have (a grouped
    ``nunique``): the distinct (key, code) pairs, counted per key."""
    rows = (keys >= 0) & (codes >= 0)
    width = int(codes.max(initial=0)) + 1
    if size * width <= 8 * len(codes) + (1 << 16):  # a presence table of bytes, not hashing
        # every row's pair, the rows without one set to an extra slot past the table (no
        # filtered copies of the line arrays); int32 where the table's positions fit
        kind = np.int32 if size * width < np.iinfo(np.int32).max else np.int64
        pairs: np.ndarray = keys.astype(kind)
        np.multiply(pairs, width, out=pairs)
        np.add(pairs, codes, out=pairs, casting="same_kind")
        np.copyto(pairs, size * width, where=~rows)
        seen = np.zeros(size * width + 1, dtype=bool)
        seen[pairs] = True
        table = seen[:-1].reshape(size, width)
        counts: np.ndarray = np.count_nonzero(table, axis=1).astype("int64")
    else:
        pairs = keys[rows].astype(np.int64) * width + codes[rows]
        counts = np.bincount(pd.unique(pairs) // width, minlength=size)[:size].astype("int64")
    return counts


def _texts(codes: np.ndarray, uniques: np.ndarray, dtype: Any, index: pd.Index) -> pd.Series:
    """``uniques[codes]`` (<NA> where -1) in the dtype of the line column the codes encode
    (what grouping that column gave)."""
    values = np.full(len(codes), None, dtype=object)
    values[codes >= 0] = np.asarray(uniques, dtype=object)[codes[codes >= 0]]
    return pd.Series(values, index=index, dtype=object).astype(dtype)


def supplier_key(lines: pd.DataFrame) -> pd.Series:
    """A supplier's grouping key: its 10-digit org number, else ``name:`` + its normalised name,
    else ``(unknown)`` (the ``supplier_key`` column when the lines already carry it).

    A Categorical with its distinct keys sorted (what ``astype("category")`` gives), computed
    once per distinct (org number, supplier name) pair rather than per line."""
    if "supplier_key" in lines:
        return lines["supplier_key"]
    org_codes, orgs = encode(lines["supplier_org"])
    if "supplier" in lines:
        name_codes, names = encode(lines["supplier"])
    else:
        name_codes, names = np.full(len(lines), -1, dtype=np.intp), np.array([], dtype=object)
    width = len(names) + 1
    # Keys are made per distinct (org number, name) pair; the pairs are taken from the linker's
    # groups of the lines when the two columns follow from them (a few thousand, not a million).
    group, first = row_groups(lines, LINE_KEY_COLUMNS)
    by_group = is_function_of(org_codes, group, first) and is_function_of(name_codes, group, first)
    rows = first if by_group else slice(None)
    pair = (org_codes[rows].astype(np.int64) + 1) * width + (name_codes[rows] + 1)
    inverse, pairs = factorize_codes(pair, (len(orgs) + 1) * width)
    if by_group:
        inverse = inverse[group]
    org_of = spread(orgs, pairs // width - 1)
    name_of = spread(names, pairs % width - 1)
    name_keys = [
        None if pd.isna(k) else str(k)
        for k in normalise_supplier_name(pd.Series(name_of, dtype="string"))
    ]
    keys = [
        str(org)
        if org is not None and not pd.isna(org)
        else (f"name:{name}" if name is not None else "(unknown)")
        for org, name in zip(org_of, name_keys, strict=True)
    ]
    categories = pd.Index(pd.unique(np.asarray(keys, dtype=object)), dtype="string").sort_values()
    per_pair = categories.get_indexer(pd.Index(keys, dtype="string"))
    return pd.Series(
        pd.Categorical.from_codes(per_pair[inverse.reshape(-1)], categories=categories),
        index=lines.index,
        name="supplier_org",  # the name the key had when it was built from that column
    )


def _key_codes(frame: pd.DataFrame) -> np.ndarray:
    """The supplier key of each row as an integer code (NaN where unknown): grouping on it
    avoids turning a million keys back into text."""
    codes, _ = encode(supplier_key(frame))
    return np.where(codes >= 0, codes, np.nan) if (codes < 0).any() else codes


def _by_supplier(frame: pd.DataFrame) -> tuple[pd.DataFrame, BySupplier]:
    kg = frame["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)
    work = frame.assign(
        _key=_key_codes(frame),
        _kg=kg,
        _unpriced=np.where(np.isnan(kg), frame["spend_sek"].to_numpy(dtype=float), 0.0),
    )
    return work, work.groupby("_key", sort=False)


def _first(grouped: BySupplier, column: str, frame: pd.DataFrame) -> pd.Series | NAType:
    if column not in frame:
        return pd.NA
    return grouped[column].first()


def summarise_categories(
    lines: pd.DataFrame, rules: CategoryRules, factors: pd.DataFrame
) -> pd.DataFrame:
    """Per category (one row with ``category_id`` <NA> for uncategorised spend): ``spend_sek``,
    ``kg_co2e``, ``invoice_lines``, ``agreements``, shares of the totals, and the category factor
    of the set in use (``kg_co2e_per_sek``, ``factor_price_year``, ``factor_source``)."""
    inside = _inside(lines)
    category_codes, category_ids = encode(lines["category_id"])
    category = category_codes[inside]
    del category_codes
    # Grouped on the category's code, -1 (no category) a group of its own, the groups in order
    # of their first rows (what grouping the codes with sort=False gives), with pandas'
    # compensated sums
    size = len(category_ids) + 1
    group, order = factorize_codes(category + 1, size)
    table = pd.DataFrame(
        {
            "spend_sek": compensated_sums(
                lines["spend_sek"].to_numpy(dtype=float)[inside], group, len(order)
            ),
            "kg_co2e": compensated_sums(
                lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[inside],
                group,
                len(order),
                min_count=1,
            ),
            "invoice_lines": np.bincount(group, minlength=len(order)).astype("int64"),
        },
        index=pd.Index(order - 1, dtype="int64", name="category"),
    )
    del group  # spent: a line-long array
    agreement_codes, _ = encode(lines["linked_agreement_id"])
    table["agreements"] = _distinct_per_group(category + 1, agreement_codes[inside], size)[order]
    names = np.append(category_ids.astype(object), np.array([pd.NA], dtype=object))[
        table.index.to_numpy(dtype=np.intp)
    ]
    # One row per group: grouping these few ids again gives the index (and dtype) that grouping
    # the lines on their text gave, without touching a million strings.
    ids = pd.DataFrame({"category_id": names}).groupby("category_id", dropna=False, sort=False)
    table = table.reset_index(drop=True)
    table.insert(0, "category_id", ids.size().index)
    tree = rules.tree.drop_duplicates("category_id").set_index("category_id")
    for column in ("name_sv", "name_en", "group_sv"):
        if column in tree:
            table[column] = table["category_id"].map(tree[column]).astype("string")
    category_rows = factors
    if "org_number" in factors:
        category_rows = factors[factors["org_number"].isna()]
    category_rows = category_rows.drop_duplicates("category_id").set_index("category_id")
    table["kg_co2e_per_sek"] = table["category_id"].map(category_rows["kg_co2e_per_sek"])
    table["factor_price_year"] = table["category_id"].map(category_rows["price_year"])
    table["factor_source"] = table["category_id"].map(category_rows["source"]).astype("string")
    total_kg = float(np.nansum(table["kg_co2e"].to_numpy(dtype=float)))
    total_spend = float(table["spend_sek"].sum())
    table["share_of_kg"] = table["kg_co2e"] / total_kg if total_kg else np.nan
    table["share_of_spend"] = table["spend_sek"] / total_spend if total_spend else np.nan
    table = table.sort_values(
        ["kg_co2e", "spend_sek"], ascending=False, na_position="last", kind="mergesort"
    )
    return table.reset_index(drop=True)


def summarise_suppliers(lines: pd.DataFrame) -> pd.DataFrame:
    """Per supplier (org number, else normalised name): spend, kg CO2e, linked and unlinked
    spend, number of lines and of agreements; most kg CO2e first. Works on the lines inside
    the boundary as integer codes: no line column is copied or turned into text."""
    inside = _inside(lines)
    # the supplier key's codes (a Categorical): no hashing of the rows
    key = pd.Categorical(supplier_key(lines).array)[inside]
    keys = np.asarray(key.codes)  # its narrow integer type: the helpers below take any
    size = len(key.categories)
    # The groups in order of first appearance (the order of the keys' first rows, which places
    # the first names and agreement counts), numbered as pandas numbers them when it groups the
    # Categorical with sort=False, so pandas' compensated sums on these codes are the same.
    group, order = factorize_codes(keys, size)
    count = len(order)
    spend = lines["spend_sek"].to_numpy(dtype=float)[inside]
    linked = np.asarray(lines["link_rule"] != "unlinked")[inside]
    kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[inside]
    table = pd.DataFrame(
        {
            "spend_sek": compensated_sums(spend, group, count),
            "kg_co2e": compensated_sums(kg, group, count, min_count=1),
            "linked_spend_sek": compensated_sums(np.where(linked, spend, 0.0), group, count),
            "invoice_lines": np.bincount(group[group >= 0], minlength=count).astype("int64"),
        }
    )
    del group, spend, linked, kg  # spent: line-long arrays, 10 million lines: 250 MB

    def first_text(name: str) -> pd.Series:
        codes, uniques = encode(lines[name])
        return _texts(
            _first_per_group(keys, codes[inside], size)[order],
            uniques,
            lines[name].dtype,
            table.index,
        )

    table.insert(
        0,
        "supplier",
        first_text("supplier")
        if "supplier" in lines
        else pd.Series(pd.NA, index=table.index, dtype=object),
    )
    table.insert(1, "org_number", first_text("supplier_org"))
    agreement_codes, _ = encode(lines["linked_agreement_id"])
    table["agreements"] = _distinct_per_group(keys, agreement_codes[inside], size)[order]
    table["unlinked_spend_sek"] = table["spend_sek"] - table["linked_spend_sek"]
    table = table.sort_values(
        ["kg_co2e", "spend_sek"], ascending=False, na_position="last", kind="mergesort"
    )
    return table.reset_index(drop=True)


def summarise_unlinked(lines: pd.DataFrame) -> pd.DataFrame:
    """Spend no agreement claims, per supplier: ``spend_sek``, ``kg_co2e``,
    ``spend_without_factor_sek``, ``invoice_lines``, the categories found and why linking
    failed (``link_note``); largest spend first."""
    unlinked = (lines["link_rule"] == "unlinked").to_numpy(dtype=bool)
    work, grouped = _by_supplier(_lines_where(lines, _inside(lines) & unlinked, _UNLINKED_COLUMNS))
    table = pd.DataFrame(
        {
            "supplier": _first(grouped, "supplier", work),
            "org_number": grouped["supplier_org"].first(),
            "spend_sek": grouped["spend_sek"].sum(),
            "kg_co2e": grouped["_kg"].sum(min_count=1),
            "spend_without_factor_sek": grouped["_unpriced"].sum(),
            "invoice_lines": grouped.size(),
        }
    )
    table["categories"] = join_unique(work, "_key", "category_id").reindex(table.index)
    table["link_note"] = join_unique(work, "_key", "link_note", limit=3).reindex(table.index)
    table = table.sort_values("spend_sek", ascending=False, kind="mergesort")
    return table.reset_index(drop=True)


def summarise_uncategorised(lines: pd.DataFrame) -> pd.DataFrame:
    """Spend with no category (so no kg CO2e), per supplier, with the accounts, agreements and a
    few invoice texts to help write a rule; largest spend first."""
    no_category = lines["category_id"].isna().to_numpy()
    work, grouped = _by_supplier(_lines_where(lines, _inside(lines) & no_category))
    table = pd.DataFrame(
        {
            "supplier": _first(grouped, "supplier", work),
            "org_number": grouped["supplier_org"].first(),
            "spend_sek": grouped["spend_sek"].sum(),
            "invoice_lines": grouped.size(),
        }
    )
    for column, limit in (("linked_agreement_id", 5), ("account", 5), ("text", 3)):
        if column in work:
            table[column] = join_unique(work, "_key", column, limit).reindex(table.index)
    table = table.rename(columns={"linked_agreement_id": "agreements", "text": "texts"})
    table = table.sort_values("spend_sek", ascending=False, kind="mergesort")
    return table.reset_index(drop=True)


def summarise_excluded(lines: pd.DataFrame) -> pd.DataFrame:
    """Lines outside the purchase boundary (salaries, taxes, transfers…), per account:
    ``spend_sek``, ``invoice_lines``, ``suppliers``; not part of any purchase total."""
    excluded = _lines_where(lines, ~_inside(lines))
    account = (
        excluded["account"].astype("string").fillna("")
        if "account" in excluded
        else pd.Series("", index=excluded.index)
    )
    work = excluded.assign(_account=account.to_numpy(), _key=_key_codes(excluded))
    grouped = work.groupby("_account", sort=False)
    table = pd.DataFrame(
        {
            "spend_sek": grouped["spend_sek"].sum(),
            "invoice_lines": grouped.size(),
            "suppliers": grouped["_key"].nunique(),
        }
    ).rename_axis("account")
    return (
        table.reset_index()
        .sort_values("spend_sek", ascending=False, kind="mergesort")
        .reset_index(drop=True)
    )


def totals_of(lines: pd.DataFrame, agreements: pd.DataFrame, spend_basis: str) -> dict[str, Any]:
    """The headline figures (SEK, kg CO2e, shares in 0–1).

    ``spend_sek`` = Σ spend of lines inside the boundary = ``linked_spend_sek`` +
    ``unlinked_spend_sek``; ``uncategorised_spend_sek`` has no category;
    ``spend_without_factor_sek`` has no kg CO2e (uncategorised, or a category the factor set
    lacks); ``excluded_spend_sek`` is outside the boundary and in no other figure.
    ``share_agreements_with_requirements`` = agreements with miljökrav ÷ all agreements;
    ``share_spend_with_requirements`` = spend on agreements with miljökrav ÷ ``spend_sek``.
    """
    excluded = ~_inside(lines)
    spend = lines["spend_sek"].to_numpy(dtype=float)[~excluded]
    kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[~excluded]
    unlinked = (lines["link_rule"] == "unlinked").to_numpy(dtype=bool)[~excluded]
    no_category = lines["category_id"].isna().to_numpy()[~excluded]
    total_spend = float(np.nansum(spend))
    requirements = agreements["requirements"]
    with_req = (requirements == "yes").to_numpy(dtype=bool)
    spend_with_req = float(np.nansum(agreements["spend_sek"].to_numpy(dtype=float)[with_req]))
    n = len(agreements)
    return {
        "spend_basis": spend_basis,
        "spend_sek": total_spend,
        "kg_co2e": float(np.nansum(kg)),
        "linked_spend_sek": float(np.nansum(spend[~unlinked])),
        "unlinked_spend_sek": float(np.nansum(spend[unlinked])),
        "uncategorised_spend_sek": float(np.nansum(spend[no_category])),
        "spend_without_factor_sek": float(np.nansum(spend[np.isnan(kg)])),
        "excluded_spend_sek": float(np.nansum(lines["spend_sek"].to_numpy(dtype=float)[excluded])),
        "linked_kg_co2e": float(np.nansum(kg[~unlinked])),
        "unlinked_kg_co2e": float(np.nansum(kg[unlinked])),
        "agreements": n,
        "agreements_with_requirements": int(with_req.sum()),
        "agreements_requirements_unknown": int((requirements == "unknown").sum()),
        "share_agreements_with_requirements": (float(with_req.sum()) / n) if n else None,
        "share_spend_with_requirements": (spend_with_req / total_spend) if total_spend else None,
        "pareto_agreements": int(agreements["pareto"].sum()),
        "invoice_lines": len(lines) if spend_basis == "invoices" else 0,
        "excluded_lines": int(excluded.sum()),
    }
