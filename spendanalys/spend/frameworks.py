"""The ranking per framework agreement (ramavtal): call-offs (avrop) grouped under the framework
agreement they are made under (``framework_id``); an agreement without one stands alone.

Pure function over the ranked agreements table (``ranking.aggregate_agreements``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.spend.ranking import join_unique


def rank_frameworks(agreements: pd.DataFrame) -> pd.DataFrame:
    """One row per framework agreement (or lone agreement), ranked by kg CO2e (1 = most).

    Columns: ``rank``, ``framework_id`` (the framework agreement, or the agreement's own id when
    it has none), ``is_framework``, ``agreements`` (call-offs counted), ``agreement_ids``,
    ``spend_sek``, ``kg_co2e`` (<NA> when no call-off has a figure), ``share_of_kg`` (of the
    positive kg CO2e of all rows), ``with_requirements`` and ``requirements_unknown`` (call-offs
    with miljökrav, and with miljökrav unknown).
    """
    framework = (
        agreements["framework_id"].astype("string")
        if "framework_id" in agreements
        else pd.Series(pd.NA, index=agreements.index, dtype="string")
    )
    framework = framework.str.strip()
    framework = framework.mask(framework == "")
    own = agreements["agreement_id"].astype("string")
    frame = pd.DataFrame(
        {
            "framework_id": framework.fillna(own).to_numpy(dtype=object),
            "is_framework": framework.notna().to_numpy(dtype=bool),
            "agreement_id": own.to_numpy(dtype=object),
            "spend_sek": pd.to_numeric(agreements["spend_sek"], errors="coerce").to_numpy(),
            "kg_co2e": pd.to_numeric(agreements["kg_co2e"], errors="coerce").to_numpy(),
            "yes": (agreements["requirements"] == "yes").to_numpy(dtype=bool),
            "unknown": (agreements["requirements"] == "unknown").to_numpy(dtype=bool),
        }
    )
    grouped = frame.groupby("framework_id", sort=False)
    out = pd.DataFrame(
        {
            "is_framework": grouped["is_framework"].any(),
            "agreements": grouped.size(),
            "spend_sek": grouped["spend_sek"].sum(min_count=1),
            "kg_co2e": grouped["kg_co2e"].sum(min_count=1),
            "with_requirements": grouped["yes"].sum(),
            "requirements_unknown": grouped["unknown"].sum(),
        }
    )
    out["agreement_ids"] = join_unique(frame, "framework_id", "agreement_id", limit=10)
    out = out.rename_axis("framework_id").reset_index()
    out = out.sort_values(
        ["kg_co2e", "spend_sek", "framework_id"],
        ascending=[False, False, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    kg = out["kg_co2e"].astype(float)
    out.insert(0, "rank", kg.rank(method="first", ascending=False).astype("Int64"))
    positive = float(kg.clip(lower=0).fillna(0.0).sum())
    out["share_of_kg"] = kg.clip(lower=0) / positive if positive > 0 else np.nan
    for name in ("agreements", "with_requirements", "requirements_unknown"):
        out[name] = out[name].astype("int64")
    return out
