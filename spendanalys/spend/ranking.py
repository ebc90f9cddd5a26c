"""Agreements ranked by emissions: the ranking, the Pareto set, the priority list, factor sets.

- ``rank``: 1 = the agreement with the most kg CO2e; agreements whose emissions are unknown (no
  categorised spend) have no rank and come last.
- ``rank_per_sek``: the same by kg CO2e per SEK of priced spend.
- Pareto set: walking down the ranking, the agreements needed to reach ``pareto_share`` (80 %) of
  the positive emissions of all agreements; ``cumulative_share`` is the running share.
- Priority list: agreements in the Pareto set or in the top N by kg CO2e that have no miljökrav
  (False or unknown), the soonest end date first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from spendanalys.spend.breakdowns import group_sums
from spendanalys.spend.categories import CategoryRules
from spendanalys.spend.coding import compensated_sums, encode, factorize_codes, first_seen

# Days per average month, for "months to end" (365.25 / 12).
DAYS_PER_MONTH = 30.4375

REGISTER_COLUMNS: tuple[str, ...] = (
    "agreement_id",
    "name",
    "supplier",
    "org_number",
    "category",
    "cpv",
    "start_date",
    "end_date",
    "value_sek",
    "environmental_requirements",
)


def join_unique(frame: pd.DataFrame, key: str, column: str, limit: int = 5) -> pd.Series:
    """Per ``key``, the distinct non-missing values of ``column`` joined by "; " (at most
    ``limit``, then "…"), in order of first appearance. Works on integer codes: a Categorical
    column costs no factorisation, and only the few thousand distinct pairs reach Python."""
    return join_unique_columns(frame, key, [column], limit)[column]


def join_unique_columns(
    frame: pd.DataFrame, key: str, columns: Sequence[str], limit: int = 5
) -> dict[str, pd.Series]:
    """:func:`join_unique` for each of ``columns``, the rows passed over once for all of them:
    the distinct (key, value, value, ...) combinations are found in order of first appearance,
    and each column's (key, value) pairs are taken from those few thousand combinations (a
    pair first appears with the first combination that holds it)."""
    key_codes, key_uniques = encode(frame[key])
    coded = [encode(frame[c]) for c in columns]
    bound = len(key_uniques) + 1
    for _, uniques in coded:
        bound *= len(uniques) + 1
    if bound >= 2**62:  # too many combinations for one integer: one column at a time
        out: dict[str, pd.Series] = {}
        for c in columns:
            out.update(join_unique_columns(frame, key, [c], limit))
        return out
    # every row's combination, the rows without a key sent to one past the last (no filtered
    # copies of the line columns); that one is left out of the combinations found
    combined = key_codes.astype(np.int64)
    for codes, uniques in coded:
        combined *= len(uniques) + 1
        combined += codes
        combined += 1
    np.copyto(combined, bound, where=key_codes < 0)
    combos = first_seen(combined, bound + 1)  # in order of first appearance
    combos = combos[combos < bound]
    parts = []
    for _, uniques in reversed(coded):
        parts.append(combos % (len(uniques) + 1) - 1)
        combos = combos // (len(uniques) + 1)
    key_of = key_uniques[combos]
    out = {}
    for c, (_, uniques), value_code in zip(columns, coded, reversed(parts), strict=True):
        has = value_code >= 0
        out[c] = _joined(key_of[has], uniques[value_code[has]], limit)
    return out


def _joined(key_of: np.ndarray, value_of: np.ndarray, limit: int) -> pd.Series:
    """The (key, value) pairs (in order, repeats skipped) as text per key (see join_unique)."""
    joined: dict[object, list[str]] = {}
    seen: set[tuple[object, object]] = set()
    for k, v in zip(key_of, value_of, strict=True):
        if (k, v) in seen:
            continue
        seen.add((k, v))
        items = joined.setdefault(k, [])
        if len(items) <= limit:
            items.append(str(v))
    text = {
        k: "; ".join(items[:limit]) + ("; …" if len(items) > limit else "")
        for k, items in joined.items()
    }
    return pd.Series(text, dtype="string")


def _requirements_status(values: pd.Series) -> pd.Series:
    flags = values.astype("boolean")
    status = np.where(flags.isna(), "unknown", np.where(flags.fillna(False), "yes", "no"))
    return pd.Series(status, index=values.index, dtype="string")


def _rank_desc(values: pd.Series) -> pd.Series:
    """1 for the largest value; ties keep the frame's order; missing values get no rank."""
    return values.rank(method="first", ascending=False, na_option="keep").astype("Int64")


def _agreement_groups(lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The lines :func:`agreement_sums` sums (``keep``: inside the boundary and linked), their
    agreement codes, the agreement ids, and the codes in order of first appearance."""
    codes, ids = encode(lines["linked_agreement_id"])
    keep = ~lines["excluded"].to_numpy(dtype=bool) & (codes >= 0)
    group = codes[keep]
    return keep, group, ids, first_seen(group, len(ids))


def agreement_sums(lines: pd.DataFrame, kg_column: str = "kg_co2e") -> pd.DataFrame:
    """Per linked agreement over the lines inside the purchase boundary (not ``excluded``):
    ``spend_sek`` (SEK, net of credit notes), ``kg_co2e`` (<NA> when no line has a factor),
    ``priced_spend_sek`` (SEK of lines with a factor), ``invoice_lines``, ``credit_notes``.
    Grouped on the agreement's integer code (the Categorical the linker made), not its text."""
    keep, group, ids, seen = _agreement_groups(lines)
    spend = lines["spend_sek"].to_numpy(dtype=float)[keep]
    kg = lines[kg_column].to_numpy(dtype=float, na_value=np.nan)[keep]
    size = len(ids)
    # agreements in order of first appearance; every sum is one bincount over the codes
    count = np.bincount(group, minlength=size)[:size]
    sums = pd.DataFrame(
        {
            "spend_sek": group_sums(group, spend, size, min_count=1)[seen],
            "kg_co2e": group_sums(group, kg, size, min_count=1)[seen],
            "priced_spend_sek": group_sums(group, np.where(~np.isnan(kg), spend, 0.0), size)[seen],
            "invoice_lines": count[seen].astype("int64"),
            "credit_notes": np.bincount(group[spend < 0], minlength=size)[:size][seen].astype(
                "int64"
            ),
        },
        index=pd.Index(ids[seen], dtype=object, name="agreement_id"),
    )
    return sums


def agreement_kg(
    lines: pd.DataFrame,
    kg_columns: Sequence[str],
) -> list[pd.Series]:
    """:func:`agreement_sums`' ``kg_co2e`` for each of ``kg_columns`` (one per factor set), the
    lines grouped once for all of them."""
    keep, group, ids, seen = _agreement_groups(lines)
    index = pd.Index(ids[seen], dtype=object, name="agreement_id")
    return [
        pd.Series(
            group_sums(
                group,
                lines[column].to_numpy(dtype=float, na_value=np.nan)[keep],
                len(ids),
                min_count=1,
            )[seen],
            index=index,
            name="kg_co2e",
        )
        for column in kg_columns
    ]


def _dominant_category(lines: pd.DataFrame) -> pd.Series:
    """Per agreement, the line category with the largest spend (used when the agreement itself
    could not be categorised)."""
    agreement_codes, agreements = encode(lines["linked_agreement_id"])
    category_codes, categories = encode(lines["category_id"])
    keep = ~lines["excluded"].to_numpy(dtype=bool) & (agreement_codes >= 0) & (category_codes >= 0)
    if not keep.any():
        return pd.Series(dtype="string")
    width = len(categories) + 1
    pair = agreement_codes[keep].astype(np.int64) * width + category_codes[keep]
    # the pairs in order of first appearance (what grouping them with sort=False gives), summed
    # with pandas' compensated sum on their codes
    inverse, pairs = factorize_codes(pair, len(agreements) * width)
    spend = lines["spend_sek"].to_numpy(dtype=float)[keep]
    sums = pd.Series(compensated_sums(spend, inverse, len(pairs)), index=pairs)
    top = sums.sort_values(ascending=False).index.to_numpy(dtype=np.int64)
    chosen = pd.DataFrame(
        {"agreement": agreements[top // width], "category": categories[top % width]}
    ).drop_duplicates("agreement")
    return pd.Series(chosen["category"].to_numpy(), index=chosen["agreement"].to_numpy())


def aggregate_agreements(
    lines: pd.DataFrame,
    register: pd.DataFrame,
    agreement_categories: pd.DataFrame,
    rules: CategoryRules,
    *,
    spend_basis: str,
    as_of: date,
    months_ending_soon: int,
    pareto_share: float,
) -> pd.DataFrame:
    """Every agreement of ``register`` with its spend, emissions, rank, Pareto and end-date flags.

    An agreement without invoice lines has spend 0 and kg CO2e 0 (it is listed, not dropped);
    ``kg_co2e_per_sek`` = kg_co2e / priced_spend_sek (SEK of lines that had a factor).
    ``ends_within_months`` is true when as_of ≤ end_date ≤ as_of + ``months_ending_soon``
    months; ``ended`` when end_date < as_of; ``months_to_end`` = days / 30.4375;
    ``kpi_substituted`` when a line of it was priced with a stand-in KPI year (see
    :mod:`spendanalys.spend.pricing`).
    """
    ids = register["agreement_id"].astype("string").to_numpy()
    base = pd.DataFrame(index=pd.Index(ids, name=None))
    for column in REGISTER_COLUMNS:
        if column in register:
            base[column] = register[column].to_numpy()
        else:
            base[column] = pd.NA
    base["agreement_id"] = ids
    sums = agreement_sums(lines).reindex(ids)
    no_lines = sums["invoice_lines"].isna().to_numpy()
    for column in ("spend_sek", "kg_co2e", "priced_spend_sek", "invoice_lines", "credit_notes"):
        values = sums[column]
        if spend_basis == "invoices" or column in (
            "invoice_lines",
            "credit_notes",
            "priced_spend_sek",
        ):
            values = values.mask(no_lines, 0)
        base[column] = values.to_numpy()
    if spend_basis != "invoices":
        base["invoice_lines"] = 0
    base["invoice_lines"] = base["invoice_lines"].astype("int64")
    base["credit_notes"] = base["credit_notes"].astype("int64")

    cats = agreement_categories.reindex(ids)
    dominant = _dominant_category(lines).reindex(ids)
    from_lines = cats["category_id"].isna() & dominant.notna()
    base["category_id"] = cats["category_id"].fillna(dominant).astype("string").to_numpy()
    base["category_rule"] = (
        cats["category_rule"].mask(from_lines, "lines").astype("string").to_numpy()
    )
    names = rules.tree.drop_duplicates("category_id").set_index("category_id")
    base["category_as_written"] = base["category"]
    base["category"] = base["category_id"].map(names["name_sv"]).astype("string")
    if "group_sv" in names:
        base["category_group"] = base["category_id"].map(names["group_sv"]).astype("string")

    priced = base["priced_spend_sek"].astype(float)
    base["kg_co2e_per_sek"] = (base["kg_co2e"].astype(float) / priced).where(priced > 0)
    base["spend_without_factor_sek"] = base["spend_sek"].astype(float) - priced
    base["spend_basis"] = spend_basis
    factor_columns = ("factor_source", "factor_kind", "factor_set")
    for name, joined in join_unique_columns(lines, "linked_agreement_id", factor_columns).items():
        base[name] = joined.reindex(ids).to_numpy()

    substituted = _kpi_substituted(lines)
    base["kpi_substituted"] = base["agreement_id"].astype(object).isin(substituted).to_numpy()

    ranked = _rank_and_pareto(base.reset_index(drop=True), pareto_share)
    return _end_date_flags(ranked, as_of, months_ending_soon)


def _kpi_substituted(lines: pd.DataFrame) -> list[object]:
    """Agreements with a line (inside the boundary) priced with a stand-in price index year."""
    if "kpi_substituted" not in lines:
        return []
    codes, ids = encode(lines["linked_agreement_id"])
    hit = lines["kpi_substituted"].to_numpy(dtype=bool) & ~lines["excluded"].to_numpy(dtype=bool)
    hit &= codes >= 0
    return list(ids[np.unique(codes[hit])])


def _rank_and_pareto(frame: pd.DataFrame, pareto_share: float) -> pd.DataFrame:
    frame = frame.sort_values(
        ["kg_co2e", "spend_sek", "agreement_id"],
        ascending=[False, False, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    frame.insert(0, "rank", _rank_desc(frame["kg_co2e"].astype(float)))
    frame["rank_per_sek"] = _rank_desc(frame["kg_co2e_per_sek"].astype(float))
    positive = frame["kg_co2e"].astype(float).clip(lower=0).fillna(0.0)
    total = float(positive.sum())
    share = positive / total if total > 0 else positive * np.nan
    cumulative = share.cumsum()
    frame["share_of_kg"] = share
    frame["cumulative_share"] = cumulative
    # In the set while the share *before* the agreement is still below the bound.
    before = cumulative - share
    frame["pareto"] = ((before < pareto_share - 1e-12) & (positive > 0)).to_numpy(dtype=bool)
    frame["requirements"] = _requirements_status(frame["environmental_requirements"])
    return frame


def _end_date_flags(frame: pd.DataFrame, as_of: date, months: int) -> pd.DataFrame:
    end = pd.to_datetime(frame["end_date"], errors="coerce")
    start = pd.Timestamp(as_of)
    horizon = start + pd.DateOffset(months=months)
    frame["end_date"] = end
    frame["months_to_end"] = ((end - start).dt.days / DAYS_PER_MONTH).round(1)
    frame["ends_within_months"] = ((end >= start) & (end <= horizon)).to_numpy(dtype=bool)
    frame["ended"] = (end < start).to_numpy(dtype=bool)
    return frame


def priority_list(agreements: pd.DataFrame, *, top_n: int = 10) -> pd.DataFrame:
    """High-impact agreements without miljökrav: the next procurements to put requirements in.

    High impact: in the Pareto set, or among the ``top_n`` by kg CO2e (with kg CO2e > 0).
    Without miljökrav: ``environmental_requirements`` False ("no") or unknown ("unknown").
    Sorted by end date, soonest first: agreements still running, then those without an end
    date, then those already ended; ties by kg CO2e. ``priority`` numbers them.
    """
    kg = agreements["kg_co2e"].astype(float)
    high = agreements["pareto"].to_numpy(dtype=bool) | (
        (agreements["rank"].fillna(top_n + 1) <= top_n).to_numpy(dtype=bool) & (kg > 0).to_numpy()
    )
    lacking = (agreements["requirements"] != "yes").to_numpy(dtype=bool)
    chosen = agreements[high & lacking].copy()
    # Upcoming ends first (soonest first), then unknown end dates, then agreements already past
    # their end date (often prolonged without a new procurement; listed, not hidden).
    group = np.where(
        chosen["ended"].to_numpy(dtype=bool), 2, np.where(chosen["end_date"].isna(), 1, 0)
    )
    chosen = (
        chosen.assign(_group=group)
        .sort_values(
            ["_group", "end_date", "kg_co2e"],
            ascending=[True, True, False],
            na_position="last",
            kind="mergesort",
        )
        .drop(columns="_group")
        .reset_index(drop=True)
    )
    chosen.insert(0, "priority", np.arange(1, len(chosen) + 1))
    columns = [
        "priority",
        "rank",
        "agreement_id",
        "name",
        "supplier",
        "category",
        "kg_co2e",
        "spend_sek",
        "share_of_kg",
        "pareto",
        "requirements",
        "environmental_requirements",
        "end_date",
        "months_to_end",
        "ends_within_months",
        "ended",
        # from spend.sensitivity, when the analysis computed it
        "kg_co2e_low",
        "kg_co2e_high",
        "rank_robust",
    ]
    return chosen[[c for c in columns if c in chosen]]


def compare_factor_sets(
    lines: pd.DataFrame,
    agreements: pd.DataFrame,
    labels: Sequence[str],
    rank_move_threshold: int,
) -> pd.DataFrame:
    """kg CO2e and rank of each agreement under each factor set, and whether its rank moves.

    Columns ``kg_co2e__<set>`` and ``rank__<set>`` per set (the first set is the one the
    analysis uses), ``max_rank_move`` (largest |rank under another set − rank under the first|)
    and ``rank_moved``: the move exceeds ``rank_move_threshold`` places, or the agreement is
    ranked under one set and unrankable (no factor) under another.
    """
    out = agreements[["agreement_id", "name", "supplier", "category"]].copy()
    invoices_basis = bool((agreements["spend_basis"] == "invoices").all())
    codes, ids = encode(lines["linked_agreement_id"])
    linked_ids = ids[np.bincount(codes[codes >= 0], minlength=len(ids)) > 0]
    # the same for every set; on plain objects (isin of a string column is 10 ms per call)
    no_lines = ~out["agreement_id"].astype(object).isin(linked_ids).to_numpy(dtype=bool)
    ranks = []
    columns = ["kg_co2e" if i == 0 else f"kg_co2e__{label}" for i, label in enumerate(labels)]
    for label, per_set in zip(labels, agreement_kg(lines, columns), strict=True):
        sums = per_set.reindex(out["agreement_id"].to_numpy())
        if invoices_basis:
            sums = sums.mask(no_lines, 0.0)
        out[f"kg_co2e__{label}"] = sums.to_numpy(dtype=float)
        rank = _rank_desc(out[f"kg_co2e__{label}"])
        out[f"rank__{label}"] = rank.to_numpy()
        ranks.append(rank)
    moved = pd.Series(False, index=out.index)
    biggest = pd.Series(0, index=out.index, dtype="Int64")
    for other in ranks[1:]:
        delta = (other - ranks[0]).abs()
        biggest = pd.concat([biggest, delta], axis=1).max(axis=1).astype("Int64")
        one_missing = ranks[0].isna() ^ other.isna()
        moved |= (delta > rank_move_threshold).fillna(False) | one_missing
    out["max_rank_move"] = biggest.to_numpy()
    out["rank_moved"] = moved.to_numpy(dtype=bool)
    return out


def pareto_curve(agreements: pd.DataFrame) -> pd.DataFrame:
    """The ranking's Pareto curve: the agreements with an emission figure in rank order, with
    the ranking's own ``cumulative_share`` (the running share of the *positive* emissions of
    all agreements, 0–1) and their ``position`` on the curve. One definition for the ranking,
    the JSON and the dashboard chart: for kg CO2e [100, 50, −50] the shares are [2/3, 1, 1]."""
    ranked = agreements.dropna(subset=["kg_co2e"]).sort_values("rank", kind="stable")
    return ranked.assign(position=np.arange(1, len(ranked) + 1)).reset_index(drop=True)
