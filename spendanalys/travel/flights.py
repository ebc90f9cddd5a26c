"""Flight rows: airports, great-circle distance, the one-way km used and the band.

The one-way km is the great circle × (1 + uplift), or the distance written in the file as given
(the agency's own figure, e.g. the flown distance from the travel agency). Apart from the other
modes because only flights are placed by airport codes and banded (DESIGN.md §3).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow
from spendanalys.travel.distance_check import BASIS_GIVEN
from spendanalys.travel.distances import flight_band, pair_distances, resolve_codes
from spendanalys.travel.places import resolve_places
from spendanalys.travel.rows import drop_rows, reject_rows

FLIGHT_COLUMNS = (
    "origin_airport", "destination_airport", "great_circle_km", "distance_km", "distance_basis",
    "band",
)  # fmt: skip
"""The columns :func:`flight_distances` fills for flight rows."""

FLIGHT_READS = ["origin", "destination", "distance_km", "source_file", "source_row"]
"""The columns :func:`flight_distances` reads: the caller passes only these (filtering every
column of the trips costs more than the step)."""


def unknown_code_reason(side: str, column: str) -> Callable[[pd.DataFrame], pd.Series]:
    """The reason for a flight whose ``side`` (origin, destination) is not a known code."""

    def reason(rows: pd.DataFrame) -> pd.Series:
        # A place name the place table knows gets its code as a hint, never as a guess.
        code = resolve_places(rows[column])["code"]
        hint = np.where(
            code != "", " (a place name: write its IATA code, e.g. " + code + ", or a distance)", ""
        )
        return (
            f"{side} '"
            + rows[column].fillna("").astype(str)
            + "' is not a known IATA airport or city code"
            + hint
        )

    return reason


def flight_distances(
    frame: pd.DataFrame, uplift: float, home_country: str
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Great-circle distance, band and used one-way km for flight rows."""
    rejected: list[RejectedRow] = []
    o = resolve_codes(frame["origin"])
    d = resolve_codes(frame["destination"])
    given = frame["distance_km"].notna() & (frame["distance_km"] > 0)
    for side, res, column in (("origin", o, "origin"), ("destination", d, "destination")):
        written = frame[column]
        unknown = res["airport"].isna() & written.notna() & ~given
        rejected += reject_rows(
            frame,
            unknown,
            column,
            unknown_code_reason(side, column),
        )
    missing = (
        (o["airport"].isna() | d["airport"].isna())
        & ~given
        & frame["origin"].notna()
        & frame["destination"].notna()
    )
    no_route = (frame["origin"].isna() | frame["destination"].isna()) & ~given
    rejected += reject_rows(
        frame,
        no_route,
        "origin",
        "a flight needs origin and destination airport codes or a distance",
    )
    keep = ~(missing | no_route)
    frame, o, d, given = drop_rows(frame, ~keep), o[keep], d[keep], given[keep]
    frame["origin_airport"], frame["destination_airport"] = o["airport"], d["airport"]
    gc = pair_distances(o["airport"], d["airport"])
    same = (gc == 0) & ~given
    rejected += reject_rows(
        frame, same, "destination", "origin and destination are the same airport"
    )
    frame, gc, o, d, given = drop_rows(frame, same), gc[~same], o[~same], d[~same], given[~same]
    frame["great_circle_km"] = gc
    frame["distance_km"] = np.where(given, frame["distance_km"], gc * (1.0 + uplift))
    frame["distance_basis"] = pd.Series(
        np.where(given, BASIS_GIVEN, f"great circle × {1 + uplift:g}"),
        index=frame.index,
        dtype="object",
    )
    band_km = gc.where(gc.notna(), frame["distance_km"])
    frame["band"] = flight_band(band_km, o["country"], d["country"], home_country)
    return frame, rejected
