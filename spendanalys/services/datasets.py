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
    """Current dataset version id per kind (None when never uploaded)."""
    return store.state().version_ids()


def latest_rejected(store: Store, kind: str, limit: int = REJECTED_SHOWN) -> pd.DataFrame:
    """Rejected rows of the current version of ``kind`` (the validation result after reload)."""
    versions = current_version_ids(store).items()
    version_id = next((vid for k, vid in versions if k == kind), None)  # unknown kind: none
    if version_id is None:
        return pd.DataFrame(columns=["file", "row", "column", "reason"])
    return store.rejected_rows(version_id).head(limit)
