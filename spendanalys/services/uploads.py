"""What the dashboard's callbacks call: uploads, seeding, freshness, overrides and settings.

No dash here: each function takes the store and plain values and returns plain values or
DataFrames, so it is tested directly. Every function that writes takes the caller's ``role`` and
checks it (``spendanalys.auth.require``) before touching the store: the server decides, not the
page. The analysis views (spend and travel) are in ``spendanalys.services.analyses``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spendanalys.auth import require
from spendanalys.errors import ConfigurationError, InputFormatError, SpendanalysError
from spendanalys.io.upload_guard import check_upload, reject_control_characters
from spendanalys.schema import KINDS, Kind
from spendanalys.store.tables import OVERRIDE_SCOPES

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
# The files imported on first start, per kind, first found wins (sample_data/, DESIGN.md §4).
SAMPLE_FILES: dict[Kind, tuple[str, ...]] = {
    "contracts": ("avtalsforteckning.xlsx", "avtalsforteckning.csv"),
    "invoices": ("leverantorsfakturor_2024.csv", "leverantorsfakturor_2024.xlsx"),
    "trips": ("resor_2019_2024.csv",),
    "fte": ("arsarbetskrafter.csv",),
}
UPLOAD_EXTENSIONS: tuple[str, ...] = (".csv", ".xlsx")
SYSTEM_USER = "system"
LOG = logging.getLogger(__name__)
REJECTED_SHOWN = 200  # rejected rows returned with an upload outcome (all are stored)


@dataclass
class UploadOutcome:
    """The result of one upload as the page shows it; ``error`` set when nothing was stored."""

    kind: str
    file_name: str
    version_id: int | None = None
    rows_accepted: int = 0
    rows_rejected: int = 0
    rejected: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["file", "row", "column", "reason"])
    )
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (a background job's result)."""
        rejected = self.rejected.astype(object).where(self.rejected.notna(), None)
        return {
            "kind": self.kind,
            "file_name": self.file_name,
            "version_id": self.version_id,
            "rows_accepted": int(self.rows_accepted),
            "rows_rejected": int(self.rows_rejected),
            "rejected": [
                {
                    str(k): (v if isinstance(v, int | float | str) or v is None else str(v))
                    for k, v in r.items()
                }
                for r in rejected.to_dict("records")
            ],
            "notes": list(self.notes),
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UploadOutcome:
        rejected = pd.DataFrame(
            data.get("rejected") or [], columns=["file", "row", "column", "reason"]
        )
        return cls(
            kind=str(data["kind"]),
            file_name=str(data["file_name"]),
            version_id=data.get("version_id"),
            rows_accepted=int(data.get("rows_accepted") or 0),
            rows_rejected=int(data.get("rows_rejected") or 0),
            rejected=rejected,
            notes=list(data.get("notes") or []),
            error=data.get("error"),
        )


def checksum(content: bytes) -> str:
    """SHA-256 of the uploaded bytes, hex (stored with the dataset version)."""
    return hashlib.sha256(content).hexdigest()


def decode_upload(contents: str, max_bytes: int) -> bytes:
    """The bytes of a ``data:...;base64,...`` upload, refused when over ``max_bytes``.

    The request-size limit has already refused bodies far over the cap; this re-checks the
    decoded size (base64 makes 4 bytes of 3). Raises InputFormatError on a malformed upload.
    """
    if not isinstance(contents, str) or "," not in contents:
        raise InputFormatError("upload", "the upload is not a data URL")
    header, _, payload = contents.partition(",")
    if not header.endswith(";base64"):
        raise InputFormatError("upload", "the upload is not base64-encoded")
    if len(payload) * 3 // 4 > max_bytes + 3:
        raise InputFormatError("upload", f"the file is larger than {max_bytes} bytes")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InputFormatError("upload", "the upload is not valid base64") from None
    if len(data) > max_bytes:
        raise InputFormatError("upload", f"the file is larger than {max_bytes} bytes")
    return data


def display_file_name(name: str) -> str:
    """The upload's name as display text: the last path part, no control characters, ≤ 200."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable())
    return cleaned[:200] or "upload"


def import_upload(
    store: Any,
    kind: str,
    file_name: str,
    content: bytes,
    *,
    user: str,
    role: str | None,
    progress: Callable[[str], None] | None = None,
) -> UploadOutcome:
    """Read an uploaded file with the readers and store it as a new dataset version.

    Refuses (AccessDenied) a role that may not import ``kind``. A file that cannot be read at
    all gives an outcome with ``error`` and stores nothing; rejected rows are stored with the
    version and the first ``REJECTED_SHOWN`` are returned. ``progress`` is told the phase
    ("reading": parse and validate, "storing") as it starts.
    """
    step = progress or (lambda _phase: None)
    if kind not in KINDS:
        raise ConfigurationError(f"unknown input kind {kind!r}")
    require(role, f"import:{kind}")
    from spendanalys import io as readers

    name = display_file_name(file_name)
    outcome = UploadOutcome(kind=kind, file_name=name)
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        outcome.error = f"{name}: only .csv and .xlsx files are accepted"
        return outcome
    try:
        step("reading")
        # Hostile containers are refused before any parse; control characters reject their row.
        check_upload(name, content)
        result = reject_control_characters(
            readers.read_input(content, kind, name=name)  # type: ignore[arg-type]
        )
        step("storing")
        version_id = store.import_dataset(
            kind, result, file_name=name, checksum=checksum(content), user=user
        )
    except SpendanalysError as exc:
        outcome.error = str(exc)
        return outcome
    except Exception as exc:
        LOG.exception("import of %r (%s) failed unexpectedly", name, kind)
        outcome.error = f"the file could not be read ({type(exc).__name__}); nothing was stored"
        return outcome
    outcome.version_id = version_id
    outcome.rows_accepted = result.rows_accepted
    outcome.rows_rejected = result.rows_rejected
    outcome.rejected = result.rejected_frame().head(REJECTED_SHOWN)
    outcome.notes = list(result.info.notes)
    return outcome


def run_upload(
    store: Any,
    kind: str,
    file_name: str,
    contents: str,
    *,
    max_bytes: int,
    user: str,
    role: str | None,
    progress: Callable[[str], None] | None = None,
) -> UploadOutcome:
    """The whole upload as a background job runs it: decode the data URL, read and validate,
    store, then compute the analysis the new data feeds (so the page's next view is cached).

    The role is checked here, inside the job, before anything else (AccessDenied); phases go
    to ``progress`` (``spendanalys.services.jobs.UPLOAD_PHASES``). A failure to analyse does not undo
    the import: it is stored, and the outcome says why the analysis could not run.
    """
    require(role, f"import:{kind}")
    step = progress or (lambda _phase: None)
    step("decoding")
    try:
        content = decode_upload(contents, max_bytes)
    except SpendanalysError as exc:
        return UploadOutcome(kind=kind, file_name=display_file_name(file_name), error=str(exc))
    outcome = import_upload(
        store, kind, file_name, content, user=user, role=role, progress=progress
    )
    if outcome.ok:
        step("analysing")
        from spendanalys.services import analyses as views

        try:
            views.warm(store, kind)
        except SpendanalysError as exc:
            outcome.notes.append(f"the analysis could not run yet: {exc}")
    return outcome


_JOB_STORES: dict[str, Any] = {}


def upload_job(
    progress: Callable[[str], None],
    *,
    database_url: str,
    kind: str,
    file_name: str,
    contents: str,
    max_bytes: int,
    user: str,
    role: str | None,
) -> dict[str, Any]:
    """:func:`run_upload` as a job process runs it (``JobBoard.submit_process``): the store is
    opened from its URL, once per process; the outcome comes back as JSON."""
    store = _JOB_STORES.get(database_url)
    if store is None:
        from spendanalys.store.database import Store

        store = _JOB_STORES[database_url] = Store(database_url, migrate=False)
    outcome = run_upload(
        store,
        kind,
        file_name,
        contents,
        max_bytes=max_bytes,
        user=user,
        role=role,
        progress=progress,
    )
    return outcome.to_dict()


def seed_sample_data(store: Any, sample_dir: str | Path | None = None) -> list[int]:
    """On first start (no dataset versions at all) import the sample files as user "system".

    The folder is ``sample_dir``, else $SPENDANALYS_SAMPLE_DIR, else the repository's
    ``sample_data/``.
    Returns the new version ids (empty when the database already had data or the sample files
    are missing).
    """
    if len(store.versions()):
        return []
    from spendanalys import io as readers

    folder = Path(sample_dir or os.environ.get("SPENDANALYS_SAMPLE_DIR") or SAMPLE_DIR)
    ids = []
    for kind, names in SAMPLE_FILES.items():
        found = [folder / n for n in names if (folder / n).is_file()]
        if not found:
            continue
        path, name = found[0], found[0].name
        content = path.read_bytes()
        result = readers.read_input(content, kind, name=name)  # type: ignore[arg-type]
        ids.append(
            store.import_dataset(
                kind, result, file_name=name, checksum=checksum(content), user=SYSTEM_USER
            )
        )
    return ids


def freshness(store: Any) -> pd.DataFrame:
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


def current_version_ids(store: Any) -> dict[str, int | None]:
    """Current dataset version id per kind (None when never uploaded): the cache key."""
    return version_ids_of_state(store.state_token())


def version_ids_of_state(state: str) -> dict[str, int | None]:
    """The current version id per kind written in a ``Store.state_token()``
    (``"contracts=1,invoices=2;o=0;f=0;g=0"``): one cheap query instead of the versions table."""
    ids: dict[str, int | None] = dict.fromkeys(KINDS)
    for part in state.split(";", 1)[0].split(","):
        kind, _, version_id = part.partition("=")
        if kind in ids and version_id.isdigit():
            ids[kind] = int(version_id)
    return ids


def latest_rejected(store: Any, kind: str, limit: int = REJECTED_SHOWN) -> pd.DataFrame:
    """Rejected rows of the current version of ``kind`` (the validation result after reload)."""
    version_id = current_version_ids(store).get(kind)
    if version_id is None:
        return pd.DataFrame(columns=["file", "row", "column", "reason"])
    return store.rejected_rows(version_id).head(limit)


# --- overrides and settings ----------------------------------------------------------------


def add_category_override(
    store: Any,
    *,
    scope: str,
    key: str,
    category_id: str,
    note: str | None = None,
    user: str,
    role: str | None,
) -> None:
    """Map ``key`` (an agreement id, org number, account or supplier name) to a category.

    Stored at once; the next spend view applies it (its cache key changes with the store).
    """
    require(role, "edit:category_overrides")
    if scope not in OVERRIDE_SCOPES:
        raise ConfigurationError(f"scope must be one of {', '.join(OVERRIDE_SCOPES)}")
    key = (key or "").strip()
    if not key:
        raise ConfigurationError("the key of a category mapping is empty")
    from spendanalys.spend.categories import load_category_rules

    if category_id not in load_category_rules().category_ids:
        raise ConfigurationError(f"{category_id!r} is not a category of the category tree")
    store.add_category_override(scope, key, category_id, note=note, user=user)


def add_supplier_factor(
    store: Any,
    *,
    org_number: str,
    factor: float,
    unit: str,
    price_year: int,
    source: str,
    user: str,
    role: str | None,
) -> None:
    """Store a supplier-specific factor (it wins over the category factor for that supplier).

    The unit is checked here (an emission per money, e.g. ``kg CO2e/SEK``) so a bad one is
    refused at entry, not at the next analysis.
    """
    require(role, "edit:supplier_factors")
    from spendanalys.spend.linking import normalise_org_number
    from spendanalys.units import emission_factor_to_kg_per_sek

    org = normalise_org_number(pd.Series([org_number], dtype="string")).iloc[0]
    if pd.isna(org):
        raise ConfigurationError(f"{org_number!r} is not an organisation number")
    if not factor or factor < 0:
        raise ConfigurationError("the factor must be a positive number")
    if not (source or "").strip():
        raise ConfigurationError("a supplier-specific factor needs a source")
    emission_factor_to_kg_per_sek(float(factor), unit)
    store.add_supplier_factor(
        str(org),
        float(factor),
        unit,
        price_year=int(price_year),
        source=source.strip(),
        user=user,
    )


def set_goal_settings(
    store: Any,
    *,
    baseline_year: int,
    target_year: int,
    reduction: float,
    user: str,
    role: str | None,
) -> None:
    """Store the travel goal: per-FTE emissions down by ``reduction`` (0–1) from baseline to
    target year (the store refuses a target before the baseline or a reduction outside (0, 1])."""
    require(role, "edit:goal_settings")
    store.set_goal_settings(int(baseline_year), int(target_year), float(reduction), user=user)
