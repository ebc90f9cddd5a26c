"""The rejected rows in a few words: the top reasons with their counts.

When most of a file (or of a year the analysis rests on) is rejected, a bare "rejected rows:
300" hides the cause; the user needs "225 rows: origin 'Paris' is not a known IATA airport or
city code" first. Shared by ``spend`` and ``travel`` (CLI, JSON ``notes``, dashboard), so both
word it alike. A row counts once per reason, however many of its lines were rejected for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from spendanalys.io.result import RejectedRow

TOP_REASONS = 3


def _said(row: RejectedRow) -> str:
    """The reason as shown: with its column unless the reason already starts with it."""
    reason = row.reason.strip()
    column = row.column.strip()
    if not column or reason.lower().startswith(column.lower()):
        return reason
    return f"{column}: {reason}"


def reason_counts(rejected: Iterable[RejectedRow]) -> list[tuple[str, int]]:
    """(reason, rows) for each distinct reason, most rows first (ties: first seen first)."""
    seen: dict[str, set[tuple[str, int]]] = {}
    for row in rejected:
        seen.setdefault(_said(row), set()).add((row.file, row.row))
    counts = Counter({reason: len(rows) for reason, rows in seen.items()})
    order = {reason: i for i, reason in enumerate(seen)}
    return sorted(counts.items(), key=lambda item: (-item[1], order[item[0]]))


def top_reasons(rejected: Iterable[RejectedRow], limit: int = TOP_REASONS) -> str:
    """ "225 rows: origin 'Paris' is not …; 40 rows: …", the ``limit`` most common reasons and
    how many more there are."""
    counts = reason_counts(rejected)
    shown = [f"{n} row{'s' if n != 1 else ''}: {reason}" for reason, n in counts[:limit]]
    more = len(counts) - limit
    if more > 0:
        shown.append(f"{more} other reason{'s' if more != 1 else ''}")
    return "; ".join(shown)


def mostly_rejected_notes(
    rejected: Sequence[RejectedRow], accepted: Mapping[str, int], limit: int = TOP_REASONS
) -> list[str]:
    """One note per file of which more rows were rejected than accepted: "trips.csv: 300 of
    410 rows rejected; top reasons: …". ``accepted``: accepted rows per file, as the rejected
    rows name the file; a file absent from it counts as having none accepted."""
    by_file: dict[str, list[RejectedRow]] = {}
    for row in rejected:
        by_file.setdefault(row.file, []).append(row)
    notes = []
    for file, rows in by_file.items():
        bad = len({r.row for r in rows})
        good = int(accepted.get(file, 0))
        if bad > good:
            notes.append(
                f"{file}: {bad} of {bad + good} rows rejected; top reasons: "
                f"{top_reasons(rows, limit)}"
            )
    return notes
