"""Builders of canonical trips and FTE tables for the travel tests (as the readers produce them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

TRIP_FIELDS = (
    "date", "mode", "origin", "destination", "distance_km", "travellers", "cabin", "round_trip",
    "unit", "gender", "cost_sek", "hotel_nights",
)  # fmt: skip


def trips_frame(rows: Sequence[dict[str, Any]], file: str = "resor.csv") -> pd.DataFrame:
    """A canonical trips table from dicts (missing fields are <NA>), rows numbered from 2."""
    records = [{f: row.get(f) for f in TRIP_FIELDS} for row in rows]
    frame = pd.DataFrame(records, columns=list(TRIP_FIELDS))
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("mode", "origin", "destination", "cabin", "unit", "gender"):
        frame[col] = frame[col].astype("string")
    for col in ("distance_km", "cost_sek", "hotel_nights"):
        frame[col] = pd.to_numeric(frame[col]).astype("float64")
    frame["travellers"] = frame["travellers"].astype("Int64")
    frame["round_trip"] = frame["round_trip"].astype("boolean")
    frame["source_file"] = file
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


def fte_frame(per_year: dict[int, float], unit: str | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": pd.array(list(per_year), dtype="Int64"),
            "fte": [float(v) for v in per_year.values()],
            "unit": pd.array([unit] * len(per_year), dtype="string"),
            "source_file": "aa.csv",
            "source_row": range(2, len(per_year) + 2),
        }
    )
