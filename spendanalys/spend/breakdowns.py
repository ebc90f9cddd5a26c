"""Spend and emissions split by year and by factor data-quality grade.

Every split sums the same priced lines as the totals (inside the purchase boundary), so the
years of an agreement add up to its ``spend_sek`` and ``kg_co2e``, and the grades' kg CO2e add
up to ``totals["kg_co2e"]``. Lines without a date are the year ``"undated"``. All years are
priced with the same factor set, each line brought to the factor's price year with KPI, so a
change between years is a change in what was bought, not in the factors (DESIGN.md §7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from spendanalys.spend.coding import encode, factorize_codes, spread

UNDATED = "undated"
NOT_STATED = "not stated"  # a factor whose file states no data-quality grade


def _active(lines: pd.DataFrame) -> np.ndarray:
    active: np.ndarray = ~lines["excluded"].to_numpy(dtype=bool)
    return active


def year_labels(lines: pd.DataFrame) -> np.ndarray:
    """Each line's year as text ("2024"), ``"undated"`` without a date (object array)."""
    years = lines["spend_year"].astype("Int64")
    text = years.astype("string").fillna(UNDATED)
    labels: np.ndarray = text.to_numpy(dtype=object)
    return labels


def year_codes(lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each line's year as a code into the year labels (text, sorted: "2023", "2024",
    "undated"), computed on the distinct years: ``(codes, labels)``. Years span a few
    decades: they are counted in a table from the earliest, not hashed."""
    years = lines["spend_year"].astype("Int64")
    dated = years.notna().to_numpy(dtype=bool)
    low = int(years.min()) if dated.any() else 0
    offset = years.to_numpy(dtype="int64", na_value=low) - low
    present = np.flatnonzero(np.bincount(offset[dated], minlength=1))
    labels = [str(int(y) + low) for y in present]
    position = np.full(int(offset.max(initial=0)) + 1, -1, dtype=np.intp)
    position[present] = np.arange(len(present))
    codes = position[offset]
    del offset
    if not dated.all():
        codes[~dated] = len(labels)
        labels.append(UNDATED)
    text = np.array(labels, dtype=object)
    order = np.argsort(text, kind="stable")
    rank = np.empty(len(order), dtype=np.int16 if len(order) < 2**15 else np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], text[order]


def group_sums(
    groups: np.ndarray, values: np.ndarray, size: int, *, min_count: int = 0
) -> np.ndarray:
    """Sum of ``values`` per group code (0..size-1), NaN values skipped; NaN where a group has
    fewer than ``min_count`` values (pandas' ``sum(min_count=...)``). One ``bincount``; a NaN
    value counts as 0.0 (adding +0.0 leaves every sum as it was, -0.0 too: a bincount sum starts
    at +0.0), so no rows are filtered."""
    valid = ~np.isnan(values)
    every = bool(valid.all())
    weights = values if every else np.where(valid, values, 0.0)
    sums = np.bincount(groups, weights=weights, minlength=size)[:size]
    if min_count > 0:
        counts = np.bincount(groups, minlength=size)[:size]
        if not every:  # the rows without a value are few: counted and taken off
            counts = counts - np.bincount(groups[~valid], minlength=size)[:size]
        sums = np.where(counts >= min_count, sums, np.nan)
    return sums


class Measures(NamedTuple):
    """The lines' ``spend_sek`` and ``kg_co2e`` as ``bincount`` weights (NaN as 0.0, which
    leaves every sum as it was: see :func:`group_sums`) and the rows whose kg CO2e is NaN,
    worked out once for the year splits."""

    spend: np.ndarray
    kg: np.ndarray
    kg_missing: np.ndarray  # row positions

    @classmethod
    def of(cls, lines: pd.DataFrame) -> Measures:
        spend = lines["spend_sek"].to_numpy(dtype=float)
        kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)
        kg_nan = np.isnan(kg)
        spend_nan = np.isnan(spend)
        return cls(
            np.where(spend_nan, 0.0, spend) if spend_nan.any() else spend,
            np.where(kg_nan, 0.0, kg) if kg_nan.any() else kg,
            np.flatnonzero(kg_nan),
        )


def by_year(
    lines: pd.DataFrame,
    key: str | None = None,
    years: tuple[np.ndarray, np.ndarray] | None = None,
    measures: Measures | None = None,
) -> pd.DataFrame:
    """``spend_sek`` and ``kg_co2e`` (NaN when no line of the group has a factor) per year, and
    per ``key`` (a line column such as ``linked_agreement_id`` or ``category_id``) when given:
    a long table with columns ``key`` (when given), ``year`` (text), ``spend_sek``, ``kg_co2e``,
    ``invoice_lines``, sorted by key and year. Lines whose ``key`` is missing are left out of a
    keyed table. Grouped on integer codes (key × year), never on the lines' text; ``years``
    is :func:`year_codes` and ``measures`` :meth:`Measures.of` when the caller has them.

    The lines left out (excluded, or no key) go to one extra group past the last instead of
    being filtered out: every group sums the same lines in the same order as summing only the
    kept lines would, without copying the line columns."""
    keep = _active(lines)
    year_of_line, labels = years if years is not None else year_codes(lines)
    width = len(labels)
    if key is not None:
        codes, uniques = encode(lines[key])
        keep &= codes >= 0
        order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
        size = len(uniques) * width
        # int32 where key × year fits (10 million lines: 40 MB per array, not 80), in place
        kind = np.int32 if size < np.iinfo(np.int32).max else np.intp
        rank = np.empty(len(order), dtype=kind)
        rank[order] = np.arange(len(order))
        # code -1 (no key) takes the appended 0: those rows are not kept
        group = np.append(rank, np.zeros(1, dtype=kind))[codes]
        del codes
        group *= width
        group += year_of_line
    else:
        size = width
        group = year_of_line.astype(np.int32)
    del year_of_line
    np.copyto(group, size, where=~keep)
    m = measures if measures is not None else Measures.of(lines)
    count = np.bincount(group, minlength=size + 1)[:size]
    present = np.flatnonzero(count)
    priced = count - np.bincount(group[m.kg_missing], minlength=size + 1)[:size]
    kg = np.bincount(group, weights=m.kg, minlength=size + 1)[:size]
    table = {}
    if key is not None:
        table["key"] = np.asarray(uniques, dtype=object)[order][present // width]
    table["year"] = labels[present % width]
    table["spend_sek"] = np.bincount(group, weights=m.spend, minlength=size + 1)[:size][present]
    table["kg_co2e"] = np.where(priced >= 1, kg, np.nan)[present]
    table["invoice_lines"] = count[present].astype("int64")
    return pd.DataFrame(table)


def by_year_records(table: pd.DataFrame) -> dict[Any, dict[str, dict[str, float | None]]]:
    """A keyed :func:`by_year` table as ``{key: {"2024": {"spend_sek", "kg_co2e"}}}`` (the
    JSON shape); an unkeyed one as ``{"2024": {...}}`` under the key None."""
    out: dict[Any, dict[str, dict[str, float | None]]] = {}
    keys = table["key"] if "key" in table else pd.Series([None] * len(table))
    for key, year, spend, kg in zip(
        keys, table["year"], table["spend_sek"], table["kg_co2e"], strict=True
    ):
        out.setdefault(key, {})[str(year)] = {
            "spend_sek": float(spend),
            "kg_co2e": None if pd.isna(kg) else float(kg),
        }
    return out


def dated_years(table: pd.DataFrame) -> list[str]:
    """The calendar years of a :func:`by_year` table, in order (``undated`` left out)."""
    return sorted({str(y) for y in table["year"] if str(y) != UNDATED})


def change_between(
    table: pd.DataFrame, first: str, last: str, key: str | None = None
) -> pd.DataFrame:
    """Per key (or once, without ``key``): spend and kg CO2e in ``first`` and ``last`` and the
    change ``last − first`` (kg and as a share of ``first``; NaN where ``first`` has none).
    Columns ``key``, ``spend_sek_<first>``, ``spend_sek_<last>``, ``kg_co2e_<first>``,
    ``kg_co2e_<last>``, ``change_kg_co2e``, ``change_share``."""
    work = table if "key" in table else table.assign(key="total")
    wide = work.pivot_table(
        index="key", columns="year", values=["spend_sek", "kg_co2e"], aggfunc="sum"
    )
    out = pd.DataFrame(index=wide.index)
    for measure in ("spend_sek", "kg_co2e"):
        for year in (first, last):
            column = (measure, year)
            out[f"{measure}_{year}"] = wide.get(column, np.nan)
    out = out.fillna({f"spend_sek_{first}": 0.0, f"spend_sek_{last}": 0.0})
    before = out[f"kg_co2e_{first}"].astype(float)
    after = out[f"kg_co2e_{last}"].astype(float)
    out["change_kg_co2e"] = after.fillna(0.0) - before.fillna(0.0)
    out["change_share"] = (out["change_kg_co2e"] / before).where(before > 0)
    out = out.reset_index()
    return out if key is not None or "key" in table else out.drop(columns="key")


def lines_of_year(
    lines: pd.DataFrame, year: int, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Only the lines dated in ``year`` (``--year``): the ranking of one year, and the mask that
    chose them (for arrays aligned to the lines). Lines of other years and undated lines are
    left out, and a note says how many and how much."""
    in_year = (lines["spend_year"].astype("Int64") == year).fillna(False).to_numpy(dtype=bool)
    out_of_year = ~in_year & _active(lines)
    if out_of_year.any():
        sek = float(np.nansum(lines["spend_sek"].to_numpy(dtype=float)[out_of_year]))
        undated = int((lines["spend_year"].isna().to_numpy() & out_of_year).sum())
        count = int(out_of_year.sum())
        if count == 1:
            lines_of = "undated line" if undated else "line of another year"
            dates, verb = "", "is"
        else:
            lines_of, verb = "lines of other years", "are"
            dates = f", {undated} of them undated" if undated else ""
        notes.append(
            f"--year {year}: {count} {lines_of} ({sek:,.0f} SEK".replace(",", " ")
            + f"{dates}) {verb} left out of this analysis"
        )
    return lines[in_year].reset_index(drop=True), in_year


def grade_of(lines: pd.DataFrame) -> np.ndarray:
    """Each line's factor grade as text, ``"not stated"`` where its factor states none and
    None where it has no factor (object array)."""
    codes, grades = grade_codes(lines)
    return spread(grades, codes)


def grade_codes(lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`grade_of` as codes into its distinct grades (-1: no factor): ``(codes,
    grades)``, worked out on the distinct grades of the ``factor_grade`` column."""
    priced = ~np.isnan(lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan))
    codes, values = encode(lines["factor_grade"])
    # a grade per distinct value, the one for "none stated" last (code -1)
    named = np.append(np.asarray(values, dtype=object), np.array([NOT_STATED], dtype=object))
    named[:-1] = np.where(pd.isna(named[:-1]), NOT_STATED, named[:-1])
    label_codes, grades = pd.factorize(named)
    # int16 per line (10 million lines: 20 MB, not 80): grades are a handful
    narrow = np.int16 if len(grades) < 2**15 else np.intp
    per_row = np.asarray(label_codes, dtype=narrow)[codes]
    del codes
    return np.where(priced, per_row, -1), np.asarray(grades, dtype=object)


def kg_by_grade(lines: pd.DataFrame) -> dict[str, dict[str, float]]:
    """kg CO2e and its share of all priced kg per factor grade: ``{"4": {"kg_co2e", "share",
    "spend_sek"}}``, grades in order."""
    codes, grades = grade_codes(lines)
    keep = _active(lines) & (codes >= 0)
    kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[keep]
    spend = lines["spend_sek"].to_numpy(dtype=float)[keep]
    group, size = codes[keep], len(grades)
    present = np.bincount(group, minlength=size)[:size] > 0
    sums = pd.DataFrame(
        {
            "kg": group_sums(group, kg, size)[present],
            "spend": group_sums(group, spend, size)[present],
        },
        index=pd.Index(grades[present], dtype=object),
    ).sort_index()
    total = float(sums["kg"].sum())
    return {
        str(g): {
            "kg_co2e": float(row.kg),
            "share": float(row.kg) / total if total else 0.0,
            "spend_sek": float(row.spend),
        }
        for g, row in sums.iterrows()
    }


def agreement_grades(lines: pd.DataFrame) -> pd.DataFrame:
    """Per linked agreement: ``factor_grade`` (the grade behind most of its kg CO2e) and
    ``factor_grades`` (every grade with its share of the agreement's kg, "4 (100 %)")."""
    active = _active(lines)
    codes, ids = encode(lines["linked_agreement_id"])
    grade_code, grades = grade_codes(lines)
    keep = active & (codes >= 0) & (grade_code >= 0)
    # Summed on integer (agreement, grade) codes; only the few pairs become text.
    width = max(len(grades), 1)
    pair = codes[keep].astype(np.int64) * width + grade_code[keep]
    inverse, seen = factorize_codes(pair, len(ids) * width)  # in order of first appearance
    kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[keep]
    per_pair = group_sums(np.asarray(inverse, dtype=np.intp), kg, len(seen))
    sums = pd.DataFrame({"agreement": seen // width, "grade": seen % width, "kg": per_pair})
    sums["agreement_id"] = ids[sums["agreement"].to_numpy(dtype=np.intp)]
    sums["grade"] = grades[sums["grade"].to_numpy(dtype=np.intp)].astype(str)
    by_agreement = sums.groupby("agreement_id")["kg"]
    totals, count = by_agreement.transform("sum"), by_agreement.transform("size")
    sums["share"] = (sums["kg"] / totals).where(totals > 0, 1.0 / count)
    ordered = sums.sort_values(
        ["agreement_id", "kg", "grade"], ascending=[True, False, True], kind="mergesort"
    )
    first = ordered.drop_duplicates("agreement_id").set_index("agreement_id")["grade"]
    parts: dict[object, list[str]] = {}
    percent = (ordered["share"] * 100).round(0).astype(int).astype(str)
    for agreement, grade, share in zip(
        ordered["agreement_id"], ordered["grade"], percent, strict=True
    ):
        parts.setdefault(agreement, []).append(f"{grade} ({share} %)")
    text = pd.Series({k: "; ".join(v) for k, v in parts.items()}, dtype=object)
    return pd.DataFrame({"factor_grade": first, "factor_grades": text})


def by_year_tables(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The year splits an analysis keeps: per agreement, per category and in total (the
    lines' years worked out once for the three)."""
    years, measures = year_codes(lines), Measures.of(lines)
    return {
        "agreements": by_year(lines, "linked_agreement_id", years, measures),
        "categories": by_year(lines, "category_id", years, measures),
        "totals": by_year(lines, years=years, measures=measures),
    }


def breakdown_totals(
    lines: pd.DataFrame, with_years: bool, year_totals: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The totals' splits: ``kg_co2e_by_grade`` always; with ``with_years`` (invoice spend)
    also ``by_year`` and, when two or more calendar years are present, ``change_between_years``
    (first and last year: kg CO2e in each, the change and its share of the first);
    ``year_totals`` is the unkeyed :func:`by_year` table when the caller has it."""
    out: dict[str, Any] = {"kg_co2e_by_grade": kg_by_grade(lines)}
    if not with_years:
        return out
    table = year_totals if year_totals is not None else by_year(lines)
    out["by_year"] = by_year_records(table).get(None, {})
    years = dated_years(table)
    if len(years) >= 2:
        change = change_between(table, years[0], years[-1]).iloc[0]
        out["change_between_years"] = {
            "from_year": years[0],
            "to_year": years[-1],
            "kg_co2e_from": _plain(change[f"kg_co2e_{years[0]}"]),
            "kg_co2e_to": _plain(change[f"kg_co2e_{years[-1]}"]),
            "change_kg_co2e": _plain(change["change_kg_co2e"]),
            "change_share": _plain(change["change_share"]),
            "same_factors": True,
        }
    return out


def with_grades(agreements: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """``agreements`` with ``factor_grade`` and ``factor_grades`` (:func:`agreement_grades`)."""
    grades = agreement_grades(lines)
    ids = agreements["agreement_id"].astype("string").to_numpy(dtype=object)
    out = agreements.copy()
    out["factor_grade"] = pd.array(grades["factor_grade"].reindex(ids).to_numpy(), dtype="string")
    out["factor_grades"] = pd.array(grades["factor_grades"].reindex(ids).to_numpy(), dtype="string")
    return out


def _plain(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def agreement_change(
    analysis_by_year: Mapping[str, pd.DataFrame], ids: Sequence[str]
) -> pd.DataFrame:
    """Per agreement id in ``ids`` (aligned to it): ``change_kg_co2e`` and ``change_share`` from
    the first to the last calendar year of the analysis (NaN with fewer than two years), the
    years in ``attrs["years"]``."""
    table = analysis_by_year.get("agreements")
    years = dated_years(analysis_by_year["totals"]) if "totals" in analysis_by_year else []
    out = pd.DataFrame(index=pd.Index(list(ids), dtype=object))
    out["change_kg_co2e"] = np.nan
    out["change_share"] = np.nan
    if table is not None and len(years) >= 2:
        change = change_between(table, years[0], years[-1], key="key").set_index("key")
        out["change_kg_co2e"] = change["change_kg_co2e"].reindex(out.index).fillna(0.0)
        out["change_share"] = change["change_share"].reindex(out.index)
    out.attrs["years"] = years
    return out.reset_index(drop=True)


def missing_factor_note(lines: pd.DataFrame, label: str) -> str | None:
    """A note naming the categories with spend but no factor in the set that prices the
    analysis (its kg CO2e is unknown, not zero), the largest spend first; None when every
    categorised line has a factor."""
    active = _active(lines)
    kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)
    codes, categories = encode(lines["category_id"])  # no million-row object column
    open_rows = active & np.isnan(kg) & (codes >= 0)
    if not open_rows.any():
        return None
    spend = pd.Series(lines["spend_sek"].to_numpy(dtype=float)[open_rows])
    sums = spend.groupby(np.asarray(categories, dtype=object)[codes[open_rows]]).sum()
    sums = sums.sort_values(ascending=False)
    shown = "; ".join(f"{c} ({v:,.0f} SEK)".replace(",", " ") for c, v in sums.head(5).items())
    more = f" and {len(sums) - 5} more" if len(sums) > 5 else ""
    total = f"{float(sums.sum()):,.0f}".replace(",", " ")
    return (
        f"factor set {label} has no factor for {len(sums)} categor"
        f"{'y' if len(sums) == 1 else 'ies'} with spend ({total} SEK, kg CO2e unknown): "
        f"{shown}{more}"
    )
