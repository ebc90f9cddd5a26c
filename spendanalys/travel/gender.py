"""The gender perspective of business travel (jämställdhetsperspektiv): who travels how much,
how, and with what emissions, per gender and year.

Per year and gender (``woman``, ``man``, another category as written, ``unknown`` for a blank;
``vocab.normalise_gender``), from the trip rows' own gender:

- ``traveller_trips`` = Σ travellers over the transport rows (a round trip is one trip; hotel
  rows are no trip);
- ``travellers``: the distinct people, when the trips carry a traveller identity
  (``traveller_id``) on every transport row of the group: distinct ids, plus the companions of a
  row with several travellers (travellers − 1 each, counted as further people: an upper
  bound). Without identities it is unknown (NaN) and so are the per-traveller figures;
  ``kg_co2e_per_traveller_trip`` is there either way;
- ``trips_per_traveller`` = traveller_trips / travellers; ``kg_co2e_per_traveller`` = kg CO2e /
  travellers;
- ``share_flight``, ``share_rail``, ``share_car`` = each mode's traveller-trips / all
  traveller-trips of the group (car: own, rental and fleet cars, not taxi);
- with FTE per gender (an FTE file with a gender column): ``fte`` and ``kg_co2e_per_fte``.

A row's gender applies to everyone on it. Small groups are hidden as in the other breakdowns
(:mod:`spendanalys.travel.breakdowns`): a group with fewer than ``min_group`` travellers
(distinct people when known, else traveller-trips) has no figures, and when exactly one group of
a year is hidden the next-smallest is hidden too, so that it cannot be recovered from the total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.travel.rows import LineCodes, group_sums, line_codes
from spendanalys.travel.vocab import gender_codes, normalise_gender

SHARE_MODES: tuple[str, ...] = ("flight", "rail", "car")
FIGURES: tuple[str, ...] = (
    "travellers",
    "traveller_trips",
    "trips_per_traveller",
    "kg_co2e",
    "kg_co2e_per_traveller",
    "kg_co2e_per_traveller_trip",
    *(f"share_{m}" for m in SHARE_MODES),
    "fte",
    "kg_co2e_per_fte",
)
SUPPRESSED = "suppressed (fewer than {n} travellers)"
NO_IDENTITY = "no traveller identity in the trips: figures per traveller-trip only"


def fte_per_gender(fte: pd.DataFrame) -> pd.DataFrame:
    """FTE per year and gender (normalised): the gender rows without a unit where a year has
    them, else the sum of the units' gender rows. Empty when the file has no gender."""
    if "gender" not in fte:
        return pd.DataFrame(columns=["year", "gender", "fte"])
    frame = fte.dropna(subset=["year", "fte"])
    written = frame["gender"].astype("string").fillna("").str.strip()
    frame = frame[written != ""]
    if frame.empty:
        return pd.DataFrame(columns=["year", "gender", "fte"])
    unit = (
        frame["unit"].astype("string").fillna("").str.strip()
        if "unit" in frame
        else pd.Series("", index=frame.index)
    )
    table = pd.DataFrame(
        {
            "year": frame["year"].astype("int64").to_numpy(),
            "gender": normalise_gender(frame["gender"]).to_numpy(),
            "fte": frame["fte"].astype("float64").to_numpy(),
            "whole": (unit == "").to_numpy(),
        }
    )
    whole = table[table["whole"]].groupby(["year", "gender"])["fte"].sum()
    parts = table[~table["whole"]].groupby(["year", "gender"])["fte"].sum()
    return whole.combine_first(parts).rename("fte").reset_index()


def _stripped_ids(lines: pd.DataFrame) -> pd.Series:
    """Traveller ids stripped, a blank one missing (None); once per distinct id."""
    if "traveller_id" not in lines or lines["traveller_id"].isna().all():
        return pd.Series(None, index=lines.index, dtype=object)
    codes, unique = pd.factorize(lines["traveller_id"], use_na_sentinel=True)
    stripped = [str(u).strip() or None for u in unique]
    table = np.array([*stripped, None], dtype=object)
    return pd.Series(table[codes], index=lines.index, dtype=object)


def gender_perspective(
    lines: pd.DataFrame,
    fte: pd.DataFrame | None = None,
    *,
    min_group: int = 5,
    codes: LineCodes | None = None,
) -> pd.DataFrame:
    """One row per year and gender with the figures of the module docstring, ``suppressed``
    and ``note``; hidden rows keep their label and have NaN figures. ``codes``: the lines'
    :class:`LineCodes`, when the caller has them."""
    codes = line_codes(lines, codes)
    transport = codes.transport()
    travellers = pd.to_numeric(lines["travellers"], errors="coerce").fillna(1.0).to_numpy()
    ids = _stripped_ids(lines)
    # Grouped on the genders' codes, numbered in the order of their text (relabelled below).
    gender, labels = gender_codes(lines["gender"])
    year = lines["year"].to_numpy()
    keys = ["year", "gender"]
    table = group_sums(
        {"year": year, "gender": gender},
        {
            "traveller_trips": np.where(transport, travellers, 0.0),
            "companions": np.where(transport, np.maximum(travellers - 1, 0), 0.0),
            "kg_co2e": lines["kg_co2e"].astype("float64").to_numpy(),
            "ids_missing": transport & ids.isna().to_numpy(),
            **{
                f"trips_{m}": np.where(transport & codes.mode.mask(m), travellers, 0.0)
                for m in SHARE_MODES
            },
        },
    ).set_index(keys)
    with_id = transport & ids.notna().to_numpy()
    identified = pd.DataFrame(
        {
            "year": year[with_id],
            "gender": gender[with_id],
            # object, not inferred as Arrow text: it is only counted
            "id": pd.Series(ids.to_numpy(dtype=object)[with_id], dtype=object),
        }
    )
    distinct = identified.groupby(keys)["id"].nunique()
    table["distinct_ids"] = distinct.reindex(table.index).fillna(0)
    table = table.reset_index()
    table["gender"] = labels[table["gender"].to_numpy()]
    known = (table["ids_missing"] == 0) & (table["traveller_trips"] > 0)
    table["travellers"] = (table["distinct_ids"] + table["companions"]).where(known)
    trips = table["traveller_trips"].where(table["traveller_trips"] > 0)
    table["trips_per_traveller"] = table["traveller_trips"] / table["travellers"]
    table["kg_co2e_per_traveller"] = table["kg_co2e"] / table["travellers"]
    table["kg_co2e_per_traveller_trip"] = table["kg_co2e"] / trips
    for mode in SHARE_MODES:
        table[f"share_{mode}"] = table[f"trips_{mode}"] / trips
    per_gender = fte_per_gender(fte) if fte is not None else pd.DataFrame()
    if len(per_gender):
        table = table.merge(per_gender, on=keys, how="left")
    else:
        table["fte"] = np.nan
    table["kg_co2e_per_fte"] = table["kg_co2e"] / table["fte"].where(table["fte"] > 0)
    count = table["travellers"].fillna(table["traveller_trips"])
    table["suppressed"] = count < min_group
    hidden = table.groupby("year")["suppressed"].transform("sum")
    candidates = table[(hidden == 1) & ~table["suppressed"]].assign(_count=count)
    secondary = candidates.sort_values(["year", "_count", "kg_co2e"]).groupby("year").head(1)
    table.loc[secondary.index, "suppressed"] = True
    table[list(FIGURES)] = table[list(FIGURES)].astype("float64")
    table.loc[table["suppressed"], list(FIGURES)] = np.nan
    table["note"] = np.where(
        table["suppressed"],
        SUPPRESSED.format(n=min_group),
        np.where(known, "", NO_IDENTITY),
    )
    return table[[*keys, *FIGURES, "suppressed", "note"]].sort_values(keys).reset_index(drop=True)
