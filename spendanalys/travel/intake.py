"""Trip rows as read -> rows the engine can place: canonical mode and cabin, year, travellers,
legs and distance, with every row that cannot be placed rejected with its reason.

The first step of :func:`spendanalys.travel.trips.activity_lines`; apart because it is the only
step that reads the vocabulary of the file (Swedish words, blanks and defaults).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow
from spendanalys.schema import SCHEMAS
from spendanalys.travel.rows import drop_rows, object_column, reject_rows
from spendanalys.travel.vocab import CABIN_WORDS, MODE_WORDS, map_column


def prepare_trips(trips: pd.DataFrame) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Map vocabulary and defaults; reject rows that cannot be placed (mode, date, cabin,
    travellers, distance), each with its reason."""
    # Object columns: filtering Arrow-backed strings row-wise is several times slower.
    missing = [f for f in SCHEMAS["trips"].names if f not in trips]
    if missing:
        trips = trips.copy()
        for field in missing:
            trips[field] = pd.NA
    frame = trips.assign(
        **{
            c: object_column(trips[c])
            for c in trips.columns
            if pd.api.types.is_string_dtype(trips[c]) and trips[c].dtype != object
        }
    )
    if "source_file" not in frame:
        frame["source_file"] = "trips"
    if "source_row" not in frame:
        frame["source_row"] = np.arange(2, len(frame) + 2)
    rejected: list[RejectedRow] = []
    frame["mode_as_written"] = frame["mode"]
    frame["mode"] = map_column(frame["mode"], MODE_WORDS)
    bad = frame["mode"].isna() | (frame["mode"].isin(("?",)))
    rejected += reject_rows(
        frame,
        bad,
        "mode",
        lambda r: (
            "mode '"
            + r["mode_as_written"].fillna("").astype(str)
            + "' is not a known travel mode (flight, rail, car, taxi, bus, hotel)"
        ).where(r["mode_as_written"].notna(), "no travel mode given"),
    )
    frame = drop_rows(frame, bad)
    dates = pd.to_datetime(frame["date"], errors="coerce")
    bad = dates.isna()
    rejected += reject_rows(frame, bad, "date", "no travel date: the year is unknown")
    frame, dates = drop_rows(frame, bad), dates[~bad]
    frame["year"] = dates.dt.year.astype("int64")
    cabin = (
        map_column(frame["cabin"], CABIN_WORDS)
        if "cabin" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="object")
    )
    is_flight = frame["mode"].isin(("flight",))
    bad = is_flight & (cabin == "?").fillna(False)
    rejected += reject_rows(
        frame,
        bad,
        "cabin",
        lambda r: (
            "cabin class '"
            + r["cabin"].fillna("").astype(str)
            + "' is not known (economy, premium, business, first)"
        ),
    )
    frame, cabin, is_flight = drop_rows(frame, bad), cabin[~bad], is_flight[~bad]
    frame["cabin_assumed"] = is_flight & cabin.isna()
    frame["cabin"] = cabin.fillna("economy").where(is_flight, "")
    travellers = pd.to_numeric(frame["travellers"], errors="coerce").astype("float64").fillna(1.0)
    bad = travellers <= 0
    rejected += reject_rows(frame, bad, "travellers", "number of travellers must be at least 1")
    frame, travellers = drop_rows(frame, bad), travellers[~bad]
    frame["travellers"] = travellers
    round_trip = frame["round_trip"].astype("boolean").fillna(False).astype(bool)
    frame["legs"] = np.where(round_trip, 2, 1)
    frame["distance_km"] = pd.to_numeric(frame["distance_km"], errors="coerce").astype("float64")
    bad = frame["distance_km"] < 0
    rejected += reject_rows(frame, bad, "distance_km", "distance must not be negative")
    return drop_rows(frame, bad), rejected
