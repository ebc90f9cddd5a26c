"""Written distances checked against the great circle of the row's places.

A trip file may write the one-way distance (as DESIGN.md §5 asks), the distance there and back,
or something else. For every flight, and every round trip by another mode, with a written
distance, the written km are compared with the great circle between the row's airports, or,
without airports, between the IATA codes of its places (``places.py``: "Paris" -> PAR -> CDG;
for the check only):

- a **round trip** written at ``RETURN_RATIO`` times the great circle already covers the return:
  half of it is used one way (``BASIS_HALVED``), so it is not doubled again;
- when at least ``FILE_RULE_MIN_ROWS`` round trips of a file can be checked and at least
  ``FILE_RULE_SHARE`` of them cover the return, the file writes there-and-back distances: its
  round trips that cannot be checked (places without a code) are halved too (``BASIS_FILE``);
- a flight whose written distance lies outside ``ONE_WAY_RATIO`` is used as written and marked
  ``BASIS_FAR`` (the notes count them).

Every such row keeps its basis in ``distance_basis``; ``notes.flight_notes`` counts them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.travel.distances import SHORT_HAUL_MAX_KM, coded_pair_distances
from spendanalys.travel.places import place_airports

BASIS_GIVEN = "as given in the file"
BASIS_HALVED = (
    "half the distance given in the file: on a round trip it is about twice the great circle, "
    "so it covers the return"
)
BASIS_FILE = (
    "half the distance given in the file: the file's checked round trips cover the return, "
    "so this one is taken to as well"
)
BASIS_FAR = "as given in the file, though far from the great circle of its airports"
# A written one-way distance is plausible from 0.8 to 1.5 times the great circle (flown routes
# and rail lines run longer, short hops most); on a round trip, 1.75 to 2.8 times it is the
# distance there and back (CNRS LMD's tool writes 2 × (great circle + 95 km) for a flight:
# 2.32× Paris–Toulouse; 2 × 1.2 × great circle for a train).
ONE_WAY_RATIO = (0.8, 1.5)
RETURN_RATIO = (1.75, 2.8)
FILE_RULE_MIN_ROWS = 5
FILE_RULE_SHARE = 0.8
CHECKED_MODES = ("flight", "rail", "bus", "car", "taxi")
_READ = ("mode", "origin", "destination", "distance_km", "great_circle_km", "legs", "source_file")


def check_written_distances(
    written_km: pd.Series, great_circle: pd.Series, round_trip: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """(covers_return, far) per row: a written distance (km; NaN = none) against the great
    circle (km; NaN = unknown). ``covers_return``: a round trip written at ``RETURN_RATIO``
    times the great circle; ``far``: any other written distance outside ``ONE_WAY_RATIO``."""
    ratio = written_km / great_circle.where(great_circle > 0)
    known = ratio.notna()
    covers = known & round_trip & ratio.between(*RETURN_RATIO)
    far = known & ~covers & ~ratio.between(*ONE_WAY_RATIO)
    return covers, far


def _place_great_circle(frame: pd.DataFrame) -> pd.Series:
    """Great circle between the IATA codes of the rows' places (NaN where either has none)."""
    sides = []
    for side in ("origin", "destination"):
        # The airport of each distinct place, then the distance once per distinct pair.
        codes, places = pd.factorize(frame[side], use_na_sentinel=True)
        sides += [codes, place_airports(pd.Series(places, dtype=object))]
    return pd.Series(coded_pair_distances(*sides), index=frame.index, name="great_circle_km")


def check_distances(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its written distances checked (module docstring):
    ``distance_km`` halved and ``distance_basis`` set where a row covers the return; a flight
    halved without a great circle of its own is banded again by its one-way km."""
    mode = frame["mode"]
    written = (frame["distance_basis"] == BASIS_GIVEN) & mode.isin(CHECKED_MODES)
    written &= frame["distance_km"].notna() & (frame["distance_km"] > 0)
    if not written.any():
        return frame
    rows = frame.loc[written, list(_READ)]
    gc = rows["great_circle_km"].astype("float64")
    open_rows = gc.isna()
    if open_rows.any():
        gc = gc.fillna(_place_great_circle(rows[open_rows]).reindex(gc.index))
    round_trip = rows["legs"] == 2
    covers, far = check_written_distances(rows["distance_km"], gc, round_trip)
    far &= rows["mode"].isin(("flight",))
    unchecked = round_trip & gc.isna()
    checked = round_trip & gc.notna()
    # Counted per file on the files' codes (a row without a file counts for none).
    files, _ = pd.factorize(rows["source_file"], use_na_sentinel=True)
    with_file = files >= 0
    n_files = int(files.max()) + 1 if with_file.any() else 0
    n_checked = np.bincount(files[with_file], checked.to_numpy()[with_file], n_files)
    n_covers = np.bincount(files[with_file], covers.to_numpy()[with_file], n_files)
    convention = np.flatnonzero(
        (n_checked >= FILE_RULE_MIN_ROWS) & (n_covers >= FILE_RULE_SHARE * n_checked)
    )
    inferred = unchecked & np.isin(files, convention)
    halve = covers | inferred
    if not (halve.any() or far.any()):
        return frame
    frame = frame.copy(deep=False)  # columns are replaced below, never written in place
    km = frame["distance_km"].to_numpy(copy=True)
    at = frame.index.get_indexer(rows.index)
    km[at[halve.to_numpy()]] /= 2.0
    frame["distance_km"] = km
    basis = frame["distance_basis"].to_numpy(copy=True)
    basis[at[covers.to_numpy()]] = BASIS_HALVED
    basis[at[inferred.to_numpy()]] = BASIS_FILE
    basis[at[far.to_numpy()]] = BASIS_FAR
    frame["distance_basis"] = pd.Series(basis, index=frame.index, dtype="object")
    rebanded = at[
        (halve & (rows["mode"].isin(("flight",))) & rows["great_circle_km"].isna()).to_numpy()
    ]
    if len(rebanded):
        band = frame["band"].to_numpy(copy=True)
        band[rebanded] = np.where(km[rebanded] <= SHORT_HAUL_MAX_KM, "short", "long")
        frame["band"] = pd.Series(band, index=frame.index, dtype="object")
    return frame
