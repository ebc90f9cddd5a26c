"""The contract register as agreements: one agreement per id, with its suppliers and lots.

A register row is one supplier (or one lot) of an agreement: a framework agreement (ramavtal)
with three suppliers is three rows under one agreement id. The rules (DESIGN.md §2):

- rows with the same id (compared as the linker compares it) are **one agreement**; its value is
  the sum of the rows' values, its start the earliest start, its end the latest end; it has
  miljökrav when a row has them (else no when every row says no, else unknown) at the highest
  level a row names; name, category and CPV are the first row's;
- its **suppliers** are the distinct suppliers of its rows (by organisation number, else by
  name), each with the value of its rows;
- rows **identical in every field** are one row given twice: every repeat is a rejected row
  pointing at the first; rows that share an id but differ in name are kept, and a note lists
  the names (two procurements under one id, as on Upphandlingsmyndigheten's 2021 register);
- a row without an id is rejected.

Pure functions over the canonical contracts table (``spendanalys.schema``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow
from spendanalys.io.values import REQUIREMENT_LEVELS
from spendanalys.schema import SCHEMAS, SOURCE_FILE, SOURCE_ROW
from spendanalys.spend.coding import (
    column,
    combined_codes,
    compensated_sums,
    encode,
    first_rows,
    is_function_of,
    row_groups,
)
from spendanalys.spend.linking import (
    LINE_KEY_COLUMNS,
    normalise_agreement_id,
    normalise_org_number,
    normalise_supplier_name,
)
from spendanalys.spend.ongoing import ongoing_agreements

# Agreements whose rows differ in name listed one by one in the notes; the rest are counted.
_MAX_NAME_NOTES = 20
_FIELDS = SCHEMAS["contracts"].names


@dataclass
class Register:
    """``agreements``: one row per agreement id, in the order of first appearance, with the
    canonical contract columns plus ``supplier_count``, ``register_rows`` and ``names`` (the
    distinct names when its rows differ in name, else <NA>); ``suppliers``: one row per supplier
    of an agreement (``agreement_id`` as the agreement writes it, ``supplier``, ``org_number``,
    ``value_sek``, ``rows``); ``rows``: the accepted register rows (every supplier row);
    ``rejected`` and ``notes`` say what was merged or left out."""

    agreements: pd.DataFrame
    suppliers: pd.DataFrame
    rows: pd.DataFrame
    rejected: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _where(frame: pd.DataFrame, i: int) -> str:
    file = frame[SOURCE_FILE].iloc[i] if SOURCE_FILE in frame else ""
    row = frame[SOURCE_ROW].iloc[i] if SOURCE_ROW in frame else i + 1
    return f"row {int(row)}" + (f" of {file}" if isinstance(file, str) and file else "")


def _rejected(frame: pd.DataFrame, i: int, reason: str) -> RejectedRow:
    file = frame[SOURCE_FILE].iloc[i] if SOURCE_FILE in frame else ""
    row = frame[SOURCE_ROW].iloc[i] if SOURCE_ROW in frame else i + 1
    return RejectedRow(str(file if isinstance(file, str) else ""), int(row), "agreement_id", reason)


def _exact_repeats(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: is it identical in every field to an earlier row, and the position of that
    first row (-1 when not a repeat)."""
    fields = [f for f in _FIELDS if f in frame]
    if not len(frame) or not fields:
        return np.zeros(len(frame), dtype=bool), np.full(len(frame), -1, dtype=np.intp)
    # each field factorised (a missing value is a value of its own, -1), the codes combined:
    # groups in order of first appearance, without grouping a frame of Python objects
    parts = [np.asarray(pd.factorize(frame[f], use_na_sentinel=True)[0]) for f in fields]
    codes = combined_codes(*parts)
    first_of = first_rows(codes)[codes]
    repeat = first_of != np.arange(len(frame))
    return repeat, np.where(repeat, first_of, -1)


def _combined_requirements(flags: pd.Series, groups: np.ndarray) -> pd.Series:
    """Per agreement: True when a row has miljökrav, False when every row has none, else <NA>."""
    values = flags.astype("boolean")
    frame = pd.DataFrame(
        {
            "g": groups,
            "yes": values.fillna(False).to_numpy(dtype=bool),
            "known": values.notna().to_numpy(dtype=bool),
        }
    )
    by = frame.groupby("g", sort=True)
    anyyes = by["yes"].any()
    allknown = by["known"].all()
    out = pd.Series(pd.NA, index=anyyes.index, dtype="boolean")
    out[allknown] = False
    out[anyyes] = True
    return out


def _highest_level(levels: pd.Series, groups: np.ndarray) -> pd.Series:
    rank = {level: i for i, level in enumerate(REQUIREMENT_LEVELS)}
    order = levels.astype("object").map(rank).astype("float64")
    best = pd.Series(order.to_numpy(), index=groups).groupby(level=0, sort=True).max()
    named = np.array([*REQUIREMENT_LEVELS, None], dtype=object)
    index = best.fillna(len(REQUIREMENT_LEVELS)).astype(int).to_numpy()
    return pd.Series(named[index], index=best.index, dtype="string")


def _object_keys(keys: pd.Series) -> np.ndarray:
    """A ``string`` Series as an object array with None where missing."""
    values = keys.astype(object)
    return np.asarray(values.where(values.notna(), None), dtype=object)


def rejected_register_rows(contracts: pd.DataFrame) -> tuple[np.ndarray, list[RejectedRow]]:
    """Mask of the register rows left out (no agreement id, or identical in every field to an
    earlier row) and their rejected rows, in row order."""
    frame = contracts.reset_index(drop=True)
    key = _object_keys(normalise_agreement_id(frame["agreement_id"]))
    blank = pd.isna(key).astype(bool)
    repeat, first = _exact_repeats(frame)
    rejected = []
    for i in np.flatnonzero(blank | repeat):
        reason = (
            "agreement id is empty"
            if blank[i]
            else f"duplicate: identical in every field to {_where(frame, int(first[i]))}; "
            "counted once"
        )
        rejected.append(_rejected(frame, int(i), reason))
    return blank | repeat, rejected


def consolidate_register(contracts: pd.DataFrame) -> Register:
    """The register as agreements (see the module docstring)."""
    frame = contracts.reset_index(drop=True)
    dropped, rejected = rejected_register_rows(frame)
    rows = frame[~dropped].reset_index(drop=True)
    keys = _object_keys(normalise_agreement_id(rows["agreement_id"]))
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    first_row = pd.Series(np.arange(len(rows))).groupby(codes, sort=True).min().to_numpy()
    agreements = rows.iloc[first_row].reset_index(drop=True)
    if len(rows):
        groups = codes
        if "value_sek" in rows:
            value = pd.Series(rows["value_sek"].to_numpy(dtype=float, na_value=np.nan))
            agreements["value_sek"] = value.groupby(groups, sort=True).sum(min_count=1).to_numpy()
        for name, how in (("start_date", "min"), ("end_date", "max")):
            if name in rows:
                dates = pd.Series(pd.to_datetime(rows[name], errors="coerce").to_numpy())
                agreements[name] = dates.groupby(groups, sort=True).agg(how).to_numpy()
        if "environmental_requirements" in rows:
            agreements["environmental_requirements"] = _combined_requirements(
                rows["environmental_requirements"], groups
            ).to_numpy()
        if "requirement_level" in rows:
            level = rows["requirement_level"].where(
                rows.get("environmental_requirements", pd.Series(True, index=rows.index))
                .astype("boolean")
                .fillna(False)
                .to_numpy(dtype=bool)
            )
            agreements["requirement_level"] = _highest_level(level, groups).to_numpy()
    agreements["register_rows"] = np.bincount(codes, minlength=len(uniques)).astype("int64")
    suppliers = _suppliers(rows, codes, agreements["agreement_id"].to_numpy(dtype=object))
    agreements["supplier_count"] = (
        suppliers.groupby("agreement", sort=True)
        .size()
        .reindex(range(len(agreements)), fill_value=0)
        .to_numpy(dtype="int64")
    )
    joined = _joined_suppliers(suppliers, len(agreements))
    several = agreements["supplier_count"].to_numpy() > 1
    agreements["supplier"] = pd.array(
        np.where(several, joined, column(agreements, "supplier").astype(object).to_numpy()),
        dtype="string",
    )
    names, notes = _differing_names(rows, codes, agreements)
    agreements["names"] = names
    return Register(agreements, suppliers.drop(columns="agreement"), rows, rejected, notes)


def _suppliers(rows: pd.DataFrame, codes: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    """One row per (agreement, supplier): a supplier is its org number, else its name."""
    org = normalise_org_number(column(rows, "org_number")).astype(object)
    name = normalise_supplier_name(column(rows, "supplier")).astype(object)
    identity = org.where(org.notna(), "name:" + name.fillna("")).where(org.notna() | name.notna())
    frame = pd.DataFrame(
        {
            "agreement": codes,
            "identity": identity.to_numpy(dtype=object),
            "supplier": column(rows, "supplier").astype(object).to_numpy(),
            "org_number": column(rows, "org_number").astype(object).to_numpy(),
            "value_sek": pd.to_numeric(column(rows, "value_sek"), errors="coerce").to_numpy(),
        }
    )
    frame = frame[frame["identity"].notna()]
    grouped = frame.groupby(["agreement", "identity"], sort=False)
    out = grouped.agg(
        supplier=("supplier", "first"),
        org_number=("org_number", "first"),
        rows=("supplier", "size"),
    )
    # the built-in grouped sum, not a per-group Python function (thousands of suppliers)
    out.insert(2, "value_sek", grouped["value_sek"].sum(min_count=1))
    out = out.reset_index()
    out = out.sort_values("agreement", kind="stable").reset_index(drop=True)
    out.insert(0, "agreement_id", ids[out["agreement"].to_numpy(dtype=np.intp)])
    return out[
        ["agreement_id", "agreement", "identity", "supplier", "org_number", "value_sek", "rows"]
    ]


def _joined_suppliers(suppliers: pd.DataFrame, n: int, limit: int = 3) -> np.ndarray:
    """Per agreement: its suppliers' names joined by "; " (the first ``limit``, then "+ N")."""
    out = np.full(n, None, dtype=object)
    shown: dict[int, list[str]] = {}
    # one pass over plain arrays: a groupby per agreement costs milliseconds each
    names = suppliers["supplier"].to_numpy(dtype=object)
    for agreement, name in zip(suppliers["agreement"].to_numpy(), names, strict=True):
        if not pd.isna(name):
            shown.setdefault(int(agreement), []).append(str(name))
    for agreement, listed in shown.items():
        more = f" + {len(listed) - limit}" if len(listed) > limit else ""
        out[agreement] = "; ".join(listed[:limit]) + more or None
    return out


def _differing_names(
    rows: pd.DataFrame, codes: np.ndarray, agreements: pd.DataFrame
) -> tuple[pd.Series, list[str]]:
    """The names of agreements whose rows differ in name, and the notes that list them."""
    names = pd.Series(pd.NA, index=agreements.index, dtype="string")
    if "name" not in rows or not len(rows):
        return names, []
    frame = pd.DataFrame({"g": codes, "name": rows["name"].astype(object).to_numpy()}).dropna()
    distinct = frame.drop_duplicates()
    counts = distinct.groupby("g").size()
    several = counts[counts > 1].index
    notes: list[str] = []
    for g in several:
        listed = distinct.loc[distinct["g"] == g, "name"].astype(str).tolist()
        names.iloc[int(g)] = "; ".join(listed)
        if len(notes) < _MAX_NAME_NOTES:
            agreement_id = agreements["agreement_id"].iloc[int(g)]
            notes.append(
                f"agreement id {agreement_id!r} has {len(listed)} rows with different names, "
                f"kept as one agreement (values summed): " + "; ".join(repr(v) for v in listed)
            )
    if len(several) > _MAX_NAME_NOTES:
        notes.append(
            f"... and {len(several) - _MAX_NAME_NOTES} more agreement ids whose rows differ in name"
        )
    return names, notes


def key_codes(
    values: pd.Series, normalise: Callable[[pd.Series], pd.Series]
) -> tuple[np.ndarray, np.ndarray]:
    """Per row the code of its normalised key (-1 where missing or no key), and the keys.

    ``normalise`` runs once per distinct value; the rows only see integer codes, so a million
    lines cost what their few thousand distinct values cost."""
    codes, uniques = encode(values)
    if not len(uniques):
        return np.full(len(values), -1, dtype=np.intp), np.array([], dtype=object)
    keys = normalise(pd.Series(uniques, dtype="string")).astype(object)
    key_code, distinct = pd.factorize(keys.where(keys.notna(), None), use_na_sentinel=True)
    per_unique = np.append(np.asarray(key_code, dtype=np.intp), -1)
    return per_unique[codes], np.asarray(distinct, dtype=object)


def attribute_suppliers(lines: pd.DataFrame, suppliers: pd.DataFrame) -> np.ndarray:
    """Per line, the position in ``suppliers`` of the supplier it was bought from (-1: none).

    Among the suppliers of the line's linked agreement: the one with the line's org number,
    else the one with its normalised name, else the only supplier when there is one. Decided
    once per distinct (agreement, org number, name) of the lines, on integer codes."""
    n = len(lines)
    out = np.full(n, -1, dtype=np.intp)
    if not len(suppliers) or not n or "linked_agreement_id" not in lines:
        return out
    names = normalise_supplier_name(suppliers["supplier"].astype("string")).astype(object)
    by_key: dict[tuple[object, object], int] = {}
    count: dict[object, int] = {}
    only: dict[object, int] = {}
    for i, (a, identity, nm) in enumerate(
        zip(suppliers["agreement_id"], suppliers["identity"], names, strict=True)
    ):
        by_key.setdefault((a, identity), i)
        if not pd.isna(nm):
            by_key.setdefault((a, "name:" + str(nm)), i)
        count[a] = count.get(a, 0) + 1
        only.setdefault(a, i)
    agreement, agreements = encode(lines["linked_agreement_id"])
    org, orgs = key_codes(column(lines, "org_number"), normalise_org_number)
    name, supplier_names = key_codes(column(lines, "supplier"), normalise_supplier_name)
    # The linker's groups of the lines (one per distinct agreement id, org number and
    # supplier), when the linked agreement follows from them (it does for the linker's lines).
    group, first = row_groups(lines, LINE_KEY_COLUMNS)
    if not is_function_of(agreement, group, first):
        group = combined_codes(agreement, org, name)
        first = first_rows(group)
    groups = np.arange(len(first))
    hits = np.full(len(groups), -1, dtype=np.intp)
    for g, row in zip(groups, first, strict=True):
        if agreement[row] < 0:
            continue
        a = agreements[agreement[row]]
        hit = by_key.get((a, orgs[org[row]]), -1) if org[row] >= 0 else -1
        if hit < 0 and name[row] >= 0:
            hit = by_key.get((a, "name:" + str(supplier_names[name[row]])), -1)
        if hit < 0 and count.get(a) == 1:
            hit = only[a]
        hits[g] = hit
    out[:] = hits[group]
    return out


# Register columns the ranking does not carry, added to each ranked agreement by its id.
_EXTRA_COLUMNS = ("framework_id", "requirement_level", "supplier_count", "register_rows", "names")


def with_register_columns(
    agreements: pd.DataFrame, register: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """The ranked agreements with the register's framework id, criteria level, supplier count
    and differing names, and ``ongoing`` at ``as_of`` (``ongoing.ongoing_agreements``)."""
    by_id = register.set_index(register["agreement_id"].astype("string").to_numpy())
    ids = agreements["agreement_id"].astype("string").to_numpy()
    for name in _EXTRA_COLUMNS:
        if name in by_id:
            agreements[name] = by_id[name].reindex(ids).to_numpy()
    agreements["ongoing"] = ongoing_agreements(agreements, as_of)
    return agreements


def supplier_spend(
    suppliers: pd.DataFrame, lines: pd.DataFrame, supplier_of_line: np.ndarray | None
) -> pd.DataFrame:
    """Each agreement's suppliers with ``spend_sek``: the spend of the lines bought from it
    (inside the purchase boundary), or its register value when the analysis has no invoices."""
    out = suppliers[["agreement_id", "supplier", "org_number", "value_sek"]].copy()
    if supplier_of_line is None:
        out["spend_sek"] = out["value_sek"].astype(float)
        return out
    keep = (supplier_of_line >= 0) & ~lines["excluded"].to_numpy(dtype=bool)
    spend = lines["spend_sek"].to_numpy(dtype=float)[keep]
    # pandas' grouped sum of the kept lines by supplier position, without hashing them
    out["spend_sek"] = compensated_sums(spend, supplier_of_line[keep], len(out))
    return out


def not_attributed(agreements: pd.DataFrame, by_supplier: pd.DataFrame) -> pd.Series:
    """Per agreement, the spend of its lines that none of its suppliers claims (a line by
    agreement id from a supplier the register does not list), so the suppliers' sums add up."""
    attributed = by_supplier.groupby("agreement_id", sort=False)["spend_sek"].sum()
    ids = agreements["agreement_id"].astype(object)
    claimed = ids.map(attributed).astype(float).fillna(0.0)
    return (agreements["spend_sek"].astype(float) - claimed).round(2)
