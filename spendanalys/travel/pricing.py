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
from spendanalys.travel.rows import LineCodes, TextCodes, reject_rows
from spendanalys.travel.variants import hotel_choices

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
KEY_COLUMNS = ("mode", "band", "cabin", "variant", "activity_unit")


class FactorKeys:
    """The factor key of each line (mode, band, cabin, variant, activity unit), factorized
    once: matching then runs once per distinct key (a few hundred) for each factor set, and
    pricing the same lines with another set factorizes nothing again. A missing value is the
    empty key ""."""

    inverse: np.ndarray
    keys: list[tuple[object, ...]]

    def __init__(self, lines: pd.DataFrame, codes: LineCodes | None = None) -> None:
        """``codes``: the lines' :class:`LineCodes`, whose mode and unit codes are used."""
        known: dict[str, TextCodes] = {}
        if codes is not None and codes.fits(lines):
            known = {"mode": codes.mode, "activity_unit": codes.unit}
        # Per-column codes combined into one integer key (a MultiIndex of tuples is slow); a
        # missing value gets its own code, last.
        combined = np.zeros(len(lines), dtype=np.int64)
        levels = []
        for column in KEY_COLUMNS:
            if column in known:
                col_codes, present = known[column].codes, known[column].uniques
            else:
                col_codes, found = pd.factorize(lines[column], use_na_sentinel=True)
                present = np.asarray(found, dtype=object)
            col_uniques = np.array([*present, ""], dtype=object)
            col_codes = np.where(col_codes < 0, len(present), col_codes)
            combined = combined * (len(col_uniques) + 1) + col_codes
            levels.append((col_codes, col_uniques))
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        self.inverse = inverse.reshape(-1)
        self.keys = [tuple(u[c[i]] for c, u in levels) for i in first]

    def texts(self, factors: TravelFactorSet | None = None) -> list[tuple[str, ...]]:
        """Each distinct key as text; with ``factors``, a hotel line's variant is the one that
        set prices it by (:func:`~spendanalys.travel.variants.hotel_choices`)."""
        keys = self.keys
        if factors is not None:
            hotels = [k[3] for k in keys if k[0] == "hotel"]
            if hotels:
                choice = hotel_choices(hotels, factors)
                keys = [(*k[:3], choice[k[3]], k[4]) if k[0] == "hotel" else k for k in keys]
        return [tuple(str(v) for v in k) for k in keys]


def _factor_table(factors: TravelFactorSet, radiative_forcing: bool) -> pd.DataFrame:
    """The set's rows that apply with or without radiative forcing, a row with the requested
    RF first (it wins over an RF-blank row of the same key), the factor as a float."""
    rf = "yes" if radiative_forcing else "no"
    table = factors.table[factors.table["radiative_forcing"].isin(["", rf])]
    table = table.astype(object).assign(
        _kg=pd.to_numeric(table["kg_co2e_per_unit"], errors="coerce").astype("float64")
    )
    table = table.assign(_rank=(table["radiative_forcing"] != rf).astype(int)).sort_values(
        "_rank", kind="stable"
    )
    table["factor_row"] = [f"{factors.name} row {r}" for r in table["row"]]
    return table


def _positions(table: pd.DataFrame, keys: list[tuple[str, ...]]) -> np.ndarray:
    """The table row (position) of each distinct key, -1 where the set has none: exact first,
    then the fallbacks of :func:`match_factors`."""
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
    chosen = []
    for mode, band, cabin, variant, basis in keys:
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
    return np.asarray(chosen, dtype=int)


def match_factors(
    lines: pd.DataFrame,
    factors: TravelFactorSet,
    radiative_forcing: bool,
    columns: tuple[str, ...] = MATCHED,
    *,
    keys: FactorKeys | None = None,
    hotels: bool = False,
) -> pd.DataFrame:
    """The factor row of each line: exact (mode, band, cabin, variant, basis) first, then the
    band's average row (empty cabin), then the mode's default row (empty variant), then the same
    three with an empty band. Matching runs once per distinct key, not per line. Unmatched
    lines get NaN ``kg_co2e_per_unit``. ``columns``: the factor row's columns to return
    (``kg_co2e_per_unit`` first). ``keys``: the lines' :class:`FactorKeys` when the caller has
    them; ``hotels``: match a hotel line by the variant the set prices it by
    (:func:`~spendanalys.travel.variants.hotel_variant`) instead of its own."""
    keys = keys if keys is not None else FactorKeys(lines)
    table = _factor_table(factors, radiative_forcing)
    chosen = _positions(table, keys.texts(factors if hotels else None))
    position = chosen[keys.inverse] if len(lines) else np.zeros(0, dtype=int)
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
    lines: pd.DataFrame,
    factors: TravelFactorSet,
    *,
    radiative_forcing: bool = True,
    keys: FactorKeys | None = None,
) -> pd.Series:
    """kg CO2e per unit of activity for each of :func:`activity_lines` under ``factors``
    (NaN where the set has no factor): the factor :func:`price_lines` multiplies by.
    ``keys``: the lines' :class:`FactorKeys`, when the caller has them."""
    matched = match_factors(
        lines, factors, radiative_forcing, ("kg_co2e_per_unit",), keys=keys, hotels=True
    )
    return matched["kg_co2e_per_unit"]


def price_lines(
    lines: pd.DataFrame,
    factors: TravelFactorSet,
    *,
    radiative_forcing: bool = True,
    keys: FactorKeys | None = None,
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Price :func:`activity_lines` with one factor set: kg CO2e = activity × factor.

    Returns the emission lines (``LINE_COLUMNS``) and the lines the set has no factor for
    (rejected, in line order). ``lines`` is not modified. ``keys``: the lines'
    :class:`FactorKeys`, when the caller has them.
    """
    priced, rejected, _ = price_lines_and_mask(lines, factors, radiative_forcing, keys)
    return priced, rejected


def price_lines_and_mask(
    lines: pd.DataFrame,
    factors: TravelFactorSet,
    radiative_forcing: bool,
    keys: FactorKeys | None,
) -> tuple[pd.DataFrame, list[RejectedRow], np.ndarray]:
    """:func:`price_lines`, and which of ``lines`` were priced (a boolean array)."""
    rejected: list[RejectedRow] = []
    matched = match_factors(lines, factors, radiative_forcing, keys=keys, hotels=True)
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
    return lines[LINE_COLUMNS].reset_index(drop=True), rejected, ~unmatched.to_numpy()
