"""How much the ranking depends on the factor set: ranges and robust ranks over every set.

Every analysis prices the lines with each factor set it was given (both built-in sets by
default, see :func:`factor_set_plan`). Per agreement, over the sets that price it:

- ``kg_co2e_low`` / ``kg_co2e_high``: the smallest and largest kg CO2e (JSON
  ``kg_co2e_range: [low, high]``);
- ``high_impact_sets``: under how many sets it is high impact, the priority list's own test
  (in the Pareto set of that set's ranking, or among its top N with kg CO2e > 0);
- ``rank_robust``: high impact under no set (off the priority list whichever set is used), or
  high impact under every set with a rank that moves at most ``rank_move_threshold`` places
  between the sets. The priority list takes the high-impact agreements without miljökrav, so
  a robust agreement keeps its place on (or off) the list, and near its rank, whichever set is
  used; a non-robust one is on it under one set and off it under another, or is high impact
  under all of them at ranks far apart (the sample's electricity agreements: 3 and 38).

An agreement no set can price (no factor, no spend) has no range and counts as robust (it is
off the list under every set). Pure functions over DataFrames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from spendanalys.datafiles import DEFAULT_DATA_DIR
from spendanalys.spend.breakdowns import group_sums
from spendanalys.spend.coding import encode, first_seen

# Built-in sets by the name a user may give (``--factors exiobase-no``); the files live in the
# data folder (emission_factors/spend). Which one prices the headline is a setting
# (``SPENDANALYS_FACTOR_SET``); the reasons for the shipped default are in that folder's README.
BUILTIN_SETS: Mapping[str, str] = {
    "epa": "factors_epa_v1.3_sek.csv",
    "exiobase-no": "factors_exiobase3_no_2019_sek.csv",
}
HEADLINE_DEFAULT = "epa"
# Names that mean "the headline built-in set" in a list of factor files.
DEFAULT_NAMES = ("default", "builtin", "inbyggd")


def factor_set_plan(
    requested: Sequence[str | PathLike[str]], headline: str = HEADLINE_DEFAULT
) -> list[str | PathLike[str]]:
    """The factor sets to run, in order: the requested ones (``default`` = the headline
    built-in set), or the headline set when none is requested; then every other built-in set
    not already in the list, so the sensitivity is always shown. Built-in sets appear as their
    name (a key of ``BUILTIN_SETS``); a path to a built-in file counts as that set."""
    by_file = {file: name for name, file in BUILTIN_SETS.items()}
    plan: list[str | PathLike[str]] = []
    for item in list(requested) or [headline]:
        text = str(item).strip()
        if text.lower() in DEFAULT_NAMES:
            text = headline
        if text.lower() in BUILTIN_SETS:
            plan.append(text.lower())
        elif Path(text).name in by_file and _is_builtin_path(Path(text)):
            plan.append(by_file[Path(text).name])
        else:
            plan.append(item)
    for name in BUILTIN_SETS:
        if name not in plan:
            plan.append(name)
    seen: set[str] = set()
    unique = []
    for item in plan:
        key = item if isinstance(item, str) and item in BUILTIN_SETS else str(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _is_builtin_path(path: Path) -> bool:
    try:
        return path.resolve().parent == DEFAULT_DATA_DIR.resolve()
    except OSError:
        return False


def _pareto(kg: pd.Series, share: float) -> np.ndarray:
    """The ranking's Pareto test (see ``ranking._rank_and_pareto``) for one set's kg CO2e."""
    positive = kg.clip(lower=0).fillna(0.0)
    order = positive.sort_values(ascending=False, kind="mergesort").index
    total = float(positive.sum())
    if total <= 0:
        return np.zeros(len(kg), dtype=bool)
    cumulative = (positive.loc[order] / total).cumsum()
    before = cumulative - positive.loc[order] / total
    inside = (before < share - 1e-12) & (positive.loc[order] > 0)
    return inside.reindex(kg.index).to_numpy(dtype=bool)


def agreement_sensitivity(
    comparison: pd.DataFrame,
    labels: Sequence[str],
    *,
    pareto_share: float,
    top_n: int,
    rank_move_threshold: int,
) -> pd.DataFrame:
    """Per agreement of ``comparison`` (``compare_factor_sets``: ``kg_co2e__<set>``,
    ``rank__<set>`` per set and ``max_rank_move``): agreement_id, kg_co2e_low, kg_co2e_high (kg CO2e; NaN when no
    set prices it), high_impact_sets (int), rank_robust (bool)."""
    kg = pd.DataFrame({label: comparison[f"kg_co2e__{label}"].astype(float) for label in labels})
    high = np.zeros(len(comparison), dtype=int)
    for label in labels:
        rank = comparison[f"rank__{label}"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
        in_top = (rank <= top_n) & (kg[label].fillna(0.0).to_numpy() > 0)
        high += (_pareto(kg[label], pareto_share) | in_top).astype(int)
    moves = comparison["max_rank_move"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    steady = moves <= rank_move_threshold
    return pd.DataFrame(
        {
            "agreement_id": comparison["agreement_id"].to_numpy(),
            "kg_co2e_low": kg.min(axis=1, skipna=True).to_numpy(dtype=float),
            "kg_co2e_high": kg.max(axis=1, skipna=True).to_numpy(dtype=float),
            "high_impact_sets": high,
            "rank_robust": (high == 0) | ((high == len(labels)) & steady),
        }
    )


def category_sensitivity(
    lines: pd.DataFrame, labels: Sequence[str], factor_tables: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """Per category (lines inside the purchase boundary), under each set: ``kg_co2e__<set>``
    (sum of its lines), ``factor__<set>`` (the set's category factor, kg CO2e/SEK at its price
    year) and ``data_quality__<set>`` (the set's grade and reason); ``kg_co2e_low`` and
    ``kg_co2e_high`` over the sets. ``factor_tables`` are the sets' ``factors`` tables in the
    order of ``labels``; the first set's kg column is ``kg_co2e``."""
    codes, categories = encode(lines["category_id"])
    keep = ~lines["excluded"].to_numpy(dtype=bool) & (codes >= 0)
    # categories in order of first appearance, summed on their integer codes
    seen = first_seen(np.where(keep, codes, -1), len(categories))
    names = pd.Index(np.asarray(categories, dtype=object)[seen]).astype(str)
    out = pd.DataFrame(index=pd.Index(names, name=None))
    # int16 per line where the categories fit (10 million lines: 20 MB, not 80)
    position = np.full(len(categories), -1, dtype=np.int16 if len(seen) < 2**15 else np.intp)
    position[seen] = np.arange(len(seen))
    group = position[codes[keep]]
    del codes
    for i, (label, table) in enumerate(zip(labels, factor_tables, strict=True)):
        column = "kg_co2e" if i == 0 else f"kg_co2e__{label}"
        kg = lines[column].to_numpy(dtype=float, na_value=np.nan)[keep]
        out[f"kg_co2e__{label}"] = group_sums(group, kg, len(seen), min_count=1)
        del kg  # before the next set's
        rows = table[table["org_number"].isna() & table["category_id"].notna()]
        rows = rows.drop_duplicates("category_id").set_index("category_id")
        out[f"factor__{label}"] = rows["kg_co2e_per_sek"].reindex(out.index).astype(float)
        out[f"data_quality__{label}"] = rows["data_quality"].reindex(out.index).astype("string")
    by_set = out[[f"kg_co2e__{label}" for label in labels]]
    out["kg_co2e_low"] = by_set.min(axis=1, skipna=True)
    out["kg_co2e_high"] = by_set.max(axis=1, skipna=True)
    return out.rename_axis("category_id").reset_index()


def total_range(lines: pd.DataFrame, labels: Sequence[str]) -> list[float | None]:
    """[low, high] of the total kg CO2e (lines inside the purchase boundary) over the sets."""
    active = ~lines["excluded"].to_numpy(dtype=bool)
    totals = [
        float(np.nansum(lines[c].to_numpy(dtype=float, na_value=np.nan)[active]))
        for c in ["kg_co2e", *[f"kg_co2e__{label}" for label in labels[1:]]]
    ]
    return [min(totals), max(totals)] if totals else [None, None]


def price_basis_notes(labels: Sequence[str], price_bases: Sequence[str | None]) -> list[str]:
    """A note for each set whose factors are per SEK at basic price: invoice amounts are
    purchaser prices, and no margin step is applied, so the caveat travels with every output."""
    return [
        f"factor set {label}: factors at basic price applied to purchaser-price spend without a "
        "margin step; goods bought through trade are overstated by up to their trade margin "
        "(typically 10–40 %), services are not"
        for label, basis in zip(labels, price_bases, strict=True)
        if basis and str(basis).strip().lower().startswith("basic")
    ]


def round_to_significant(value: float, digits: int = 2) -> float:
    """``value`` to ``digits`` significant figures: how precisely a spend-based figure is
    shown (the two built-in sets differ by a factor of 0.1–4 per category)."""
    if not np.isfinite(value) or value == 0:
        return float(value)
    return float(round(value, digits - 1 - int(np.floor(np.log10(abs(value))))))
