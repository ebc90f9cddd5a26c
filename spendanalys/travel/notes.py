"""Notes that keep the travel figures honest: what was assumed, checked or rejected, with counts.

- :func:`flight_notes`: flights priced as economy for want of a cabin class, written distances
  halved because they cover the return, written distances far from the great circle, retired
  airport codes measured from their newer code (``data/airport_code_changes.csv``).
- :func:`reason_notes`: when most rows of a file, or of the baseline year, are rejected, the top
  reasons with their counts (``spendanalys.io.rejections``), so the cause comes before the
  figures.
- :func:`baseline_message`: the error when the baseline year ends up empty, with the rejected
  rows of that year (or of no known year) and their reasons instead of a bare "no trips".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from spendanalys.io.rejections import mostly_rejected_notes, top_reasons
from spendanalys.io.result import RejectedRow
from spendanalys.travel.distance_check import (
    BASIS_FAR,
    BASIS_FILE,
    BASIS_HALVED,
    ONE_WAY_RATIO,
    RETURN_RATIO,
)
from spendanalys.travel.distances import clean_code, code_changes
from spendanalys.travel.rows import LineCodes, line_codes


def _rows_phrase(n: int, what: str = "flight row") -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def flight_notes(lines: pd.DataFrame, codes: LineCodes | None = None) -> list[str]:
    """Counted notes on the flight lines (see the module docstring). ``codes``: the lines'
    :class:`LineCodes`, when the caller has them."""
    codes = line_codes(lines, codes)
    travel = codes.travel()
    flight = travel & codes.mode.mask("flight")
    notes: list[str] = []
    assumed = int((flight & lines["cabin_assumed"].to_numpy(dtype=bool)).sum())
    if assumed:
        notes.append(
            f"{_rows_phrase(assumed)} without a cabin class: priced as economy (map the "
            "export's class column with --column trips.cabin=HEADER if it has one)"
        )
    basis = lines["distance_basis"].to_numpy()
    halved = int((travel & (basis == BASIS_HALVED)).sum())
    if halved:
        notes.append(
            f"{_rows_phrase(halved, 'round-trip row')} whose written "
            f"distance is {RETURN_RATIO[0]:g}–{RETURN_RATIO[1]:g} times the great circle of its "
            "places: it already covers the return, so half of it is used one way (not doubled "
            "again)"
        )
    inferred = int((travel & (basis == BASIS_FILE)).sum())
    if inferred:
        notes.append(
            f"{_rows_phrase(inferred, 'round-trip row')} whose places have no IATA code to "
            "check by: halved as well, because their file's checked round trips cover the return"
        )
    far = int((flight & (basis == BASIS_FAR)).sum())
    if far:
        notes.append(
            f"{_rows_phrase(far)} whose written distance is outside {ONE_WAY_RATIO[0]:g}–"
            f"{ONE_WAY_RATIO[1]:g} times the great circle of its airports (one way): used as "
            "written; check them"
        )
    sides = ["origin", "destination", "origin_airport", "destination_airport"]
    notes += _renamed_code_notes(lines.loc[flight, sides])
    return notes


def _renamed_code_notes(flights: pd.DataFrame) -> list[str]:
    changes = code_changes()
    if not len(flights) or not changes:
        return []
    counts: dict[tuple[str, str], int] = {}
    for side in ("origin", "destination"):
        # Only the rows whose written code is a retired one (checked once per distinct code)
        # can count; most files have none.
        side_codes, uniques = pd.factorize(flights[side], use_na_sentinel=True)
        retired = [i for i, u in enumerate(uniques) if clean_code(u) in changes]
        if not retired:
            continue
        rows = np.isin(side_codes, retired)
        pairs = (
            flights.loc[rows, [side, f"{side}_airport"]].astype(object).value_counts(dropna=True)
        )
        for key, n in pairs.items():
            pair: tuple[object, ...] = tuple(key)  # type: ignore[arg-type]
            written, airport = str(pair[0]), str(pair[1])
            old = clean_code(written)
            if changes.get(old) == airport:
                counts[(old, airport)] = counts.get((old, airport), 0) + int(n)
    if not counts:
        return []
    listed = ", ".join(f"{old} → {new} ×{n}" for (old, new), n in sorted(counts.items()))
    return [
        f"retired airport codes measured from the airport's newer code ({listed}; "
        "spendanalys/travel/data/airport_code_changes.csv)"
    ]


def unknown_cabin_note(engine_rejected: Sequence[RejectedRow]) -> list[str]:
    """A note counting the flights rejected for a cabin class not known (never economy)."""
    rows = [r for r in engine_rejected if r.column == "cabin"]
    if not rows:
        return []
    return [
        f"{_rows_phrase(len(rows))} with a cabin class not known rejected, not priced as "
        f"economy ({top_reasons(rows)}); spendanalys/travel/data/booking_classes.csv lists the "
        "booking-class letters read"
    ]


def _input_keys(trips: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(file, row) of each input trip, numbered as the engine numbers them."""
    n = len(trips)
    files = (
        trips["source_file"].astype(object).to_numpy()
        if "source_file" in trips
        else np.full(n, "trips", dtype=object)
    )
    rows = trips["source_row"].to_numpy() if "source_row" in trips else np.arange(2, n + 2)
    return files, rows


def _file_counts(trips: pd.DataFrame) -> pd.Series:
    """Input trips per file. An Arrow text column is counted as it is (as object, each name
    would be converted to Python and back)."""
    if "source_file" in trips and trips["source_file"].dtype == "str":
        return trips["source_file"].value_counts()
    if "source_file" in trips and trips["source_file"].dtype != object:
        # Each name once as Python text, spread by its codes (not converted per row).
        codes, names = pd.factorize(trips["source_file"], use_na_sentinel=True)
        files = np.array([*names, None], dtype=object)[codes]
        return pd.Series(files, dtype=object).value_counts()
    files, _ = _input_keys(trips)
    return pd.Series(files).value_counts()


def rejected_years(trips: pd.DataFrame, rejected: Sequence[RejectedRow]) -> list[int | None]:
    """The travel year of each rejected row that is an input trip (None: not known, e.g. a
    row the reader refused or one without a date)."""
    if not rejected:
        return []
    files, rows = _input_keys(trips)
    wanted = np.isin(rows, np.array(sorted({r.row for r in rejected})))
    years = pd.to_datetime(pd.Series(trips["date"].to_numpy()[wanted]), errors="coerce").dt.year
    lookup = {
        (str(f), int(r)): (None if pd.isna(y) else int(y))
        for f, r, y in zip(files[wanted], rows[wanted], years, strict=True)
    }
    return [lookup.get((r.file, r.row)) for r in rejected]


def reason_notes(
    trips: pd.DataFrame,
    read_rejected: Sequence[RejectedRow],
    engine_rejected: Sequence[RejectedRow],
    baseline_year: int,
) -> list[str]:
    """Top reasons when most of a file or of the baseline year is rejected (see module)."""
    engine_bad = pd.Series(
        [r.file for r in {(r.file, r.row): r for r in engine_rejected}.values()], dtype=object
    ).value_counts()
    read = _file_counts(trips)
    accepted = read.sub(engine_bad, fill_value=0).clip(lower=0)
    notes = mostly_rejected_notes(
        [*read_rejected, *engine_rejected], {str(k): int(v) for k, v in accepted.items()}
    )
    years = rejected_years(trips, engine_rejected)
    in_base = [r for r, y in zip(engine_rejected, years, strict=True) if y == baseline_year]
    bad = len({(r.file, r.row) for r in in_base})
    total = int((_years_of(trips) == baseline_year).sum())
    if bad and bad > total - bad:
        notes.append(
            f"baseline year {baseline_year}: {bad} of its {total} trip rows rejected; top "
            f"reasons: {top_reasons(in_base)}"
        )
    return notes


def _years_of(trips: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(trips["date"], errors="coerce").dt.year


def baseline_message(
    year: int,
    has_trips: bool,
    has_fte: bool,
    trips: pd.DataFrame,
    read_rejected: Sequence[RejectedRow],
    engine_rejected: Sequence[RejectedRow],
) -> str:
    """Why the baseline year has no per-FTE figure, with the rejected rows that may be why."""
    years = rejected_years(trips, engine_rejected)
    mine = [r for r, y in zip(engine_rejected, years, strict=True) if y == year]
    unknown = [
        *read_rejected,
        *(r for r, y in zip(engine_rejected, years, strict=True) if y is None),
    ]
    lacks = [w for w, ok in (("no accepted trips", has_trips), ("no FTE", has_fte)) if not ok]
    what = " and ".join(lacks) or "no figure"
    text = f"baseline year {year} has {what} in the input"
    if mine:
        rows = len({(r.file, r.row) for r in mine})
        text += f"; {rows} of its trip rows were rejected: {top_reasons(mine)}"
    if unknown:
        rows = len({(r.file, r.row) for r in unknown})
        text += f"; {rows} rows of no known year were rejected too: {top_reasons(unknown)}"
    return text + "; fix those rows or choose another --baseline-year"
