"""The miljökrav KPI as agencies report it (DESIGN.md §7): ongoing agreements at a date.

"X pågående avtal med miljökrav, cirka Y % av alla pågående avtal", with the value-weighted
share beside it. Pure functions over the ranked agreements table; ``as_of`` is a parameter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

# Above this share of unknown miljökrav among ongoing agreements the KPI says so, and gives the
# share over the agreements whose miljökrav is known as well.
MOSTLY_UNKNOWN = 0.5


def ongoing_agreements(agreements: pd.DataFrame, as_of: date) -> np.ndarray:
    """True for agreements ongoing at ``as_of``: started and not ended.

    started = start_date ≤ as_of or no start date; not ended = end_date ≥ as_of or no end date
    (an agreement ending on the day is still ongoing that day).
    """
    day = pd.Timestamp(as_of)
    start = pd.to_datetime(_column(agreements, "start_date"), errors="coerce")
    end = pd.to_datetime(_column(agreements, "end_date"), errors="coerce")
    started = (start.isna() | (start <= day)).to_numpy(dtype=bool)
    not_ended = (end.isna() | (end >= day)).to_numpy(dtype=bool)
    return started & not_ended


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(pd.NaT, index=frame.index)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def requirements_kpi(agreements: pd.DataFrame, as_of: date) -> dict[str, Any]:
    """The KPI over the agreements ongoing at ``as_of`` (counts, shares 0–1, SEK).

    ``share`` = ongoing with miljökrav ÷ all ongoing (unknown counts in the denominator, never
    as "no"); ``share_of_known`` = with ÷ (with + without); ``unknown_share`` = unknown ÷ all
    ongoing; ``value_share`` = Σ value of ongoing with miljökrav ÷ Σ value of all ongoing, the
    value being the agreement's ``value_sek`` where the register gives it, else its spend
    (``spend_sek``); ``mostly_unknown`` when more than half of the ongoing agreements have
    unknown miljökrav.
    """
    ongoing = ongoing_agreements(agreements, as_of)
    status = agreements["requirements"].astype("string").to_numpy(dtype=object)[ongoing]
    n = int(ongoing.sum())
    yes = int((status == "yes").sum())
    no = int((status == "no").sum())
    unknown = n - yes - no
    value = pd.to_numeric(_column(agreements, "value_sek"), errors="coerce")
    spend = pd.to_numeric(agreements["spend_sek"], errors="coerce")
    from_value = value.notna().to_numpy(dtype=bool)[ongoing]
    weight = value.fillna(spend).fillna(0.0).to_numpy(dtype=float)[ongoing]
    total_value = float(weight.sum())
    value_yes = float(weight[status == "yes"].sum())
    return {
        "as_of": as_of.isoformat(),
        "agreements": len(agreements),
        "ongoing_agreements": n,
        "with_requirements": yes,
        "without_requirements": no,
        "unknown": unknown,
        "share": _share(yes, n),
        "share_of_known": _share(yes, yes + no),
        "unknown_share": _share(unknown, n),
        "mostly_unknown": bool(n and unknown / n > MOSTLY_UNKNOWN),
        "value_sek": total_value,
        "value_with_requirements_sek": value_yes,
        "value_share": _share(value_yes, total_value),
        "value_from_register": int(from_value.sum()),
        "value_from_spend": int(n - from_value.sum()),
    }


def ongoing_totals(agreements: pd.DataFrame, as_of: date) -> dict[str, Any]:
    """The KPI's figures as ``totals`` keys, beside the all-agreements shares.

    ``share_ongoing_agreements_with_requirements`` = ongoing with miljökrav ÷ all ongoing (as
    the agency states it; unknown counts in the denominator, and its number is given beside
    the share); ``share_ongoing_spend_with_requirements`` = Σ spend_sek of ongoing agreements
    with miljökrav ÷ Σ spend_sek of all ongoing (value-weighted, over the analysis' spend)."""
    ongoing = ongoing_agreements(agreements, as_of)
    status = agreements["requirements"].astype("string").to_numpy(dtype=object)[ongoing]
    spend = pd.to_numeric(agreements["spend_sek"], errors="coerce").fillna(0.0)
    spend_ongoing = spend.to_numpy(dtype=float)[ongoing]
    n = int(ongoing.sum())
    yes = status == "yes"
    total = float(spend_ongoing.sum())
    return {
        "ongoing_as_of": as_of.isoformat(),
        "ongoing_agreements": n,
        "ongoing_agreements_with_requirements": int(yes.sum()),
        "ongoing_agreements_requirements_unknown": int((status == "unknown").sum()),
        "share_ongoing_agreements_with_requirements": _share(int(yes.sum()), n),
        "share_ongoing_spend_with_requirements": _share(float(spend_ongoing[yes].sum()), total),
    }
