"""Breakdowns of travel emissions by organisational unit and by gender, with small groups hidden.

Swedish state agencies report individual-based statistics by gender; a breakdown must not single
anyone out. A group is shown only when at least ``min_travellers`` (default 5) travellers stand
behind it in that year.

How travellers are counted: trip files carry no traveller identity, so the count is
*traveller-trips* (Σ travellers over the group's transport rows; a round trip counts once; hotel
lines are not counted again). That is an upper bound on the number of distinct people: one
person with five trips passes the threshold. To make the rule safer, a breakdown in which exactly
one group of a year is hidden also hides the next-smallest group of that year (secondary
suppression), so the hidden figure cannot be recovered as total minus the rest. Rows with no
unit or gender form the group "unknown".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.travel.rows import LineCodes, group_sums, line_codes

SUPPRESSED = "suppressed (fewer than {n} travellers)"


def breakdown(
    lines: pd.DataFrame,
    by: str,
    fte: pd.DataFrame | None = None,
    min_travellers: int = 5,
    *,
    codes: LineCodes | None = None,
) -> pd.DataFrame:
    """kg CO2e per year and group (``by`` = "unit" or "gender"), small groups suppressed.

    Columns: year, <by>, travellers, kg_co2e, share (of the year's total), suppressed, and for
    ``by="unit"`` with per-unit FTE also fte and kg_co2e_per_fte. Suppressed rows keep their
    group label but have NaN figures (and NaN travellers) so no number leaks. ``codes``: the
    lines' :class:`LineCodes`, when the caller has them.
    """
    # Labels are cleaned once per distinct value (blank or missing -> "unknown"), and the lines
    # are grouped on integer label codes numbered in label order, so the groups come out in the
    # same order as grouping on the text itself.
    travel = line_codes(lines, codes).travel()
    by_codes, uniques = pd.factorize(lines[by].astype("object"), use_na_sentinel=True)
    cleaned = [str(u).strip() or "unknown" for u in uniques] + ["unknown"]
    label_codes, labels = pd.factorize(np.array(cleaned, dtype=object), sort=True)
    table = group_sums(
        {"year": lines["year"].to_numpy(), "_label": label_codes[by_codes]},
        {
            # Hotel lines split off a travel row would count its travellers twice.
            "travellers": np.where(travel, lines["travellers"], 0.0),
            "kg_co2e": lines["kg_co2e"].to_numpy(),
        },
    )
    table.insert(1, by, np.asarray(labels, dtype=object)[table.pop("_label").to_numpy()])
    totals = table.groupby("year")["kg_co2e"].transform("sum")
    table["share"] = table["kg_co2e"] / totals.where(totals > 0)
    table["suppressed"] = table["travellers"] < min_travellers
    hidden_per_year = table.groupby("year")["suppressed"].transform("sum")
    candidates = table[(hidden_per_year == 1) & ~table["suppressed"]]
    secondary = (
        candidates.sort_values(["year", "travellers", "kg_co2e"]).groupby("year").head(1).index
    )
    table.loc[secondary, "suppressed"] = True
    if by == "unit" and fte is not None and "unit" in fte and fte["unit"].notna().any():
        per_unit = fte.dropna(subset=["unit", "fte"]).assign(
            year=lambda f: f["year"].astype("int64"),
            unit=lambda f: f["unit"].astype(str).str.strip(),
        )
        unit_fte = per_unit.groupby(["year", "unit"], as_index=False)["fte"].sum()
        table = table.merge(unit_fte, on=["year", "unit"], how="left")
        table["kg_co2e_per_fte"] = table["kg_co2e"] / table["fte"].where(table["fte"] > 0)
    figures = [
        c for c in ("travellers", "kg_co2e", "share", "fte", "kg_co2e_per_fte") if c in table
    ]
    table[figures] = table[figures].astype("float64")
    table.loc[table["suppressed"], figures] = np.nan
    table["note"] = np.where(table["suppressed"], SUPPRESSED.format(n=min_travellers), "")
    return table.sort_values(["year", by]).reset_index(drop=True)


def breakdowns(
    lines: pd.DataFrame,
    fte: pd.DataFrame | None = None,
    min_travellers: int = 5,
    *,
    codes: LineCodes | None = None,
) -> dict[str, pd.DataFrame]:
    """Both breakdowns; gender only when the trips carry gender at all."""
    codes = line_codes(lines, codes)
    result = {"unit": breakdown(lines, "unit", fte, min_travellers, codes=codes)}
    if lines["gender"].notna().any():
        result["gender"] = breakdown(lines, "gender", None, min_travellers, codes=codes)
    return result
