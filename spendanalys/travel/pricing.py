"""Pricing activity lines with a factor set: the factor row of each line, kg CO2e = activity ×
factor, and the lines the set has no factor for.

Apart from building the lines (:mod:`spendanalys.travel.trips`) because the same lines are
priced with more than one set (the comparison set, the dashboard's what-ifs) without being
built again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow
from spendanalys.travel.factors import TravelFactorSet
from spendanalys.travel.rows import reject_rows
from spendanalys.travel.variants import hotel_variant

LINE_COLUMNS = [
    "year", "date", "component", "mode", "mode_as_written", "origin", "destination",
    "origin_airport", "destination_airport", "great_circle_km", "distance_km", "distance_basis",
    "legs", "travellers", "band", "cabin", "cabin_assumed", "fuel", "activity", "activity_unit",
    "person_km", "kg_co2e_per_unit", "kg_co2e", "factor_id", "factor_row", "factor_source",
    "factor_note", "variant", "factor_variant", "unit", "gender", "traveller_id", "cost_sek",
    "source_file", "source_row",
]  # fmt: skip
"""``variant`` is what the line asked the factor set for (a car's fuel code, a hotel's country);
``factor_variant`` the variant of the row that priced it ("" = the mode's default row)."""


MATCHED = ("kg_co2e_per_unit", "factor_id", "factor_row", "source", "note", "variant")


def match_factors(
    lines: pd.DataFrame,
    factors: TravelFactorSet,
    radiative_forcing: bool,
    columns: tuple[str, ...] = MATCHED,
) -> pd.DataFrame:
    """The factor row of each line: exact (mode, band, cabin, variant, basis) first, then the
    band's average row (empty cabin), then the mode's default row (empty variant), then the same
    three with an empty band. Matching runs once per distinct key, not per line. Unmatched
    lines get NaN ``kg_co2e_per_unit``. ``columns``: the factor row's columns to return
    (``kg_co2e_per_unit`` first)."""
    rf = "yes" if radiative_forcing else "no"
    table = factors.table[factors.table["radiative_forcing"].isin(["", rf])]
    table = table.astype(object).assign(
        _kg=pd.to_numeric(table["kg_co2e_per_unit"], errors="coerce").astype("float64")
    )
    # A row with the requested RF wins over an RF-blank row of the same key.
    table = table.assign(_rank=(table["radiative_forcing"] != rf).astype(int)).sort_values(
        "_rank", kind="stable"
    )
    table["factor_row"] = [f"{factors.name} row {r}" for r in table["row"]]
    index: dict[tuple[str, ...], int] = {}
    for i, key in enumerate(
        zip(
            table["mode"],
            table["band"],
            table["cabin"],
            table["variant"],
            table["basis"],
            strict=True,
        )
    ):
        index.setdefault(key, i)
    # Combine per-column codes into one integer key (a MultiIndex of tuples is slow); a missing
    # value is the empty key "" (its own code, last).
    combined = np.zeros(len(lines), dtype=np.int64)
    levels = []
    for column in ("mode", "band", "cabin", "variant", "activity_unit"):
        col_codes, present = pd.factorize(lines[column], use_na_sentinel=True)
        col_uniques = np.array([*present, ""], dtype=object)
        col_codes = np.where(col_codes < 0, len(present), col_codes)
        combined = combined * (len(col_uniques) + 1) + col_codes
        levels.append((col_codes, col_uniques))
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    uniques = [tuple(str(u[c[i]]) for c, u in levels) for i in first]
    chosen = []
    for mode, band, cabin, variant, basis in uniques:
        found = None
        # A row with an empty band applies to every band (e.g. a user's single flight factor).
        fallbacks: tuple[tuple[str, str, str], ...] = (
            (band, cabin, variant), (band, "", variant), (band, "", ""),
            ("", cabin, variant), ("", "", variant), ("", "", ""),
        )  # fmt: skip
        for b, c, v in fallbacks:
            found = index.get((mode, b, c, v, basis))
            if found is not None:
                break
        chosen.append(-1 if found is None else found)
    position = np.asarray(chosen, dtype=int)[codes] if len(lines) else np.zeros(0, dtype=int)
    cols = list(columns)
    if not len(table):
        out = pd.DataFrame(columns=cols, index=range(len(lines)))
        out.index = lines.index
        out["kg_co2e_per_unit"] = pd.to_numeric(out["kg_co2e_per_unit"], errors="coerce").where(
            position >= 0
        )
        return out
    at = np.where(position < 0, 0, position)
    out = pd.DataFrame(
        {
            c: pd.Series(table[c].array.take(at), index=lines.index, dtype=table[c].dtype)
            for c in cols
            if c != "kg_co2e_per_unit"
        },
        index=lines.index,
    )
    # The factor as a float, looked up per distinct key and spread (not parsed per line).
    kg = np.where(position >= 0, table["_kg"].to_numpy()[at], np.nan)
    out.insert(0, "kg_co2e_per_unit", kg)
    return out


def line_factors(
    lines: pd.DataFrame, factors: TravelFactorSet, *, radiative_forcing: bool = True
) -> pd.Series:
    """kg CO2e per unit of activity for each of :func:`activity_lines` under ``factors``
    (NaN where the set has no factor): the factor :func:`price_lines` multiplies by."""
    matched = match_factors(
        lines.assign(variant=hotel_variant(lines, factors)),
        factors,
        radiative_forcing,
        ("kg_co2e_per_unit",),
    )
    return matched["kg_co2e_per_unit"]


def price_lines(
    lines: pd.DataFrame, factors: TravelFactorSet, *, radiative_forcing: bool = True
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Price :func:`activity_lines` with one factor set: kg CO2e = activity × factor.

    Returns the emission lines (``LINE_COLUMNS``) and the lines the set has no factor for
    (rejected, in line order). ``lines`` is not modified.
    """
    rejected: list[RejectedRow] = []
    matched = match_factors(
        lines.assign(variant=hotel_variant(lines, factors)), factors, radiative_forcing
    )
    unmatched = matched["kg_co2e_per_unit"].isna()

    def what(r: pd.DataFrame) -> pd.Series:
        reason: pd.Series = (
            "the factor set '"
            + factors.name
            + "' has no factor for "
            + r["mode"]
            + np.where(r["band"] != "", " " + r["band"], "")
            + np.where(r["cabin"] != "", " " + r["cabin"], "")
            + " per "
            + r["activity_unit"]
        )
        return reason

    rejected += reject_rows(lines, unmatched, "mode", what)
    lines, matched = lines[~unmatched], matched[~unmatched]
    lines["kg_co2e_per_unit"] = matched["kg_co2e_per_unit"].astype("float64")
    lines["kg_co2e"] = lines["activity"].astype("float64") * lines["kg_co2e_per_unit"]
    lines["factor_id"] = matched["factor_id"]
    lines["factor_row"] = matched["factor_row"]
    lines["factor_source"] = matched["source"]
    lines["factor_note"] = matched["note"]
    lines["factor_variant"] = matched["variant"].fillna("").astype(object)
    lines["cost_sek"] = pd.to_numeric(lines["cost_sek"], errors="coerce").where(
        lines["component"].isin(("travel",))
    )
    for col in ("unit", "gender", "origin", "destination", "fuel", "traveller_id"):
        if col not in lines:
            lines[col] = pd.Series(pd.NA, index=lines.index, dtype="object")
    return lines[LINE_COLUMNS].reset_index(drop=True), rejected
