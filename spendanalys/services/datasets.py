"""What is current in the store and what was before: each kind's current dataset versions, who
uploaded them, what they rejected; every version and the audit log; going back to a version.
The writes check the caller's role (``manage:versions``) on the server."""

from __future__ import annotations

import contextlib

import pandas as pd

from spendanalys.auth import allowed, require
from spendanalys.errors import SpendanalysError
from spendanalys.schema import KINDS, Kind
from spendanalys.services.analyses import travel_view
from spendanalys.services.cache import fresh_only
from spendanalys.services.summaries import spend_summary
from spendanalys.store.database import Store

REJECTED_SHOWN = 200  # rejected rows returned with an upload outcome (all are stored)


def freshness(store: Store) -> pd.DataFrame:
    """The current dataset version of each kind: file, who, when, rows (one row per kind).

    Kinds never uploaded are absent.
    """
    versions = store.versions()
    columns = [
        "kind",
        "id",
        "file_name",
        "uploaded_by",
        "uploaded_at",
        "rows_accepted",
        "rows_rejected",
    ]
    if versions.empty:
        return pd.DataFrame(columns=columns)
    current = versions[versions["is_current"].astype(bool)]
    order = {k: i for i, k in enumerate(KINDS)}
    current = current.sort_values("kind", key=lambda s: s.map(order))
    return current[columns].reset_index(drop=True)


def current_version_ids(store: Store) -> dict[Kind, int | None]:
    """The newest current dataset version id per kind (None when never uploaded)."""
    fresh = freshness(store)
    ids: dict[Kind, int | None] = {kind: None for kind in KINDS}
    for kind, version_id in zip(fresh["kind"], fresh["id"], strict=True):
        ids[kind] = max(int(version_id), ids[kind] or 0)
    return ids


def latest_rejected(store: Store, kind: str, limit: int = REJECTED_SHOWN) -> pd.DataFrame:
    """Rejected rows of the current versions of ``kind`` (the validation result after reload)."""
    if kind not in KINDS:
        return pd.DataFrame(columns=["file", "row", "column", "reason"])
    ids = [int(p["version_id"]) for p in store.current_parts(kind)]  # type: ignore[arg-type]
    if not ids:
        return pd.DataFrame(columns=["file", "row", "column", "reason"])
    frames = [store.rejected_rows(i) for i in ids]
    return pd.concat(frames, ignore_index=True).head(limit)


LIST_COLUMNS = [
    "id",
    "kind",
    "file_name",
    "years",
    "uploaded_by",
    "uploaded_at",
    "rows_accepted",
    "rows_rejected",
    "current",
    "status",
    "checksum",
]


def version_list(store: Store, *, user: str | None = None, role: str | None = None) -> pd.DataFrame:
    """Every dataset version, newest first: id, kind, file, years, who, when, rows, current,
    status, checksum. An administrator (``manage:versions``) sees all; another role only the
    versions ``user`` uploaded; ``role`` None (the command line, which has the database
    itself) sees all."""
    versions = store.versions()
    if role is not None and not allowed(role, "manage:versions"):
        versions = versions[versions["uploaded_by"] == (user or "")]
    frame = versions.rename(columns={"is_current": "current"})
    frame = frame.iloc[::-1].reset_index(drop=True)
    return frame[LIST_COLUMNS]


def audit_entries(store: Store, *, role: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The audit log, newest first (administrators; ``role`` None: the command line)."""
    if role is not None:
        require(role, "manage:versions")
    return store.audit(limit)


def use_version(
    store: Store, version_id: int, *, user: str, role: str | None, analyse: bool = True
) -> list[int]:
    """Make a stored version current again (``manage:versions``): the register as a whole,
    invoices and trips for the years the version covers; the analysis follows at once.
    Returns the years it replaced. ``role`` None is the command line."""
    if role is not None:
        require(role, "manage:versions")
    replaced = store.set_current(int(version_id), user=user)
    if analyse:
        _warm(store, store.version_kind(int(version_id)))
    return replaced


def withdraw_version(
    store: Store, version_id: int, *, user: str, role: str | None, analyse: bool = True
) -> None:
    """Take a current invoice or trip version out of the current data (``manage:versions``)."""
    if role is not None:
        require(role, "manage:versions")
    store.withdraw_version(int(version_id), user=user)
    if analyse:
        _warm(store, store.version_kind(int(version_id)))


def warm(store: Store, kind: str) -> None:
    """Compute (and cache) the analysis that data of ``kind`` feeds, right after a change, so
    the page shows the new figures when it says they are there: it waits for the new result
    even where a page view would show the earlier one meanwhile (``cache.fresh_only``)."""
    with fresh_only():
        if kind in ("contracts", "invoices"):
            spend_summary(store)  # the full analysis, then the small per-version entries
        else:
            travel_view(store)


def _warm(store: Store, kind: str) -> None:
    with contextlib.suppress(SpendanalysError):  # the page shows why the analysis cannot run
        warm(store, kind)
