"""What is current in the store: each kind's dataset version, who uploaded it, what it
rejected. Read-only; the page shows it beside the figures it feeds."""

from __future__ import annotations

import pandas as pd

from spendanalys.schema import KINDS, Kind
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
