"""Uploads: decode, guard, read and validate, check that the file is of the kind it was
given as, store it as a *staged* dataset version with a preview of the change; confirm makes
it current (then the analysis it feeds is computed), discard turns it down. And the sample
data on first start (imported directly).

Each function that writes takes the caller's ``role`` and checks it
(``spendanalys.auth.require``) before touching the store: the server decides, not the page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spendanalys import io as readers
from spendanalys.auth import allowed, require
from spendanalys.errors import (
    AccessDenied,
    ConfigurationError,
    InputFormatError,
    SpendanalysError,
)
from spendanalys.io.options import default_values, split_defaults
from spendanalys.io.upload_guard import check_upload, reject_control_characters
from spendanalys.schema import KINDS, Kind
from spendanalys.services.analyses import drop_previewed
from spendanalys.services.datasets import REJECTED_SHOWN, warm
from spendanalys.services.staging import check_kind, preview_of
from spendanalys.settings import settings
from spendanalys.store.database import Store

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
    # Set when the plausibility check stopped the file: the kind it looks like (None: most
    # rows were rejected) and the share rejected; nothing was stored.
    stopped: bool = False
    looks_like: str | None = None
    rejected_share: float = 0.0
    staged: bool = False  # stored as a staged version, waiting for confirm or discard
    preview: dict[str, Any] | None = None  # staging.Preview.to_dict()

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
            "stopped": self.stopped,
            "looks_like": self.looks_like,
            "rejected_share": float(self.rejected_share),
            "staged": self.staged,
            "preview": self.preview,
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
            stopped=bool(data.get("stopped")),
            looks_like=data.get("looks_like"),
            rejected_share=float(data.get("rejected_share") or 0.0),
            staged=bool(data.get("staged")),
            preview=data.get("preview"),
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
    store: Store,
    kind: str,
    file_name: str,
    content: bytes,
    *,
    user: str,
    role: str | None,
    progress: Callable[[str], None] | None = None,
    defaults: str = "",
    stage: bool = False,
    force: bool = False,
) -> UploadOutcome:
    """Read an uploaded file with the readers, check its kind and store it as a new dataset
    version: current at once, or with ``stage`` (the dashboard's uploads) staged: shown with a
    preview, current only after :func:`confirm_upload`.

    Refuses (AccessDenied) a role that may not import ``kind``. A file that cannot be read at
    all, or that the plausibility check stops (it looks like another kind, or most rows are
    rejected; ``staging.check_kind``) unless ``force``, gives an outcome with ``error`` and
    stores nothing; rejected rows are stored with the version and the first
    ``REJECTED_SHOWN`` are returned. ``progress`` is told the phase ("reading": parse and
    validate, "storing", "analysing": the preview) as it starts.
    """
    step = progress or (lambda _phase: None)
    if kind not in KINDS:
        raise ConfigurationError(f"unknown input kind {kind!r}")
    require(role, f"import:{kind}")
    name = display_file_name(file_name)
    outcome = UploadOutcome(kind=kind, file_name=name)
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        outcome.error = f"{name}: only .csv and .xlsx files are accepted"
        return outcome
    try:
        step("reading")
        # Hostile containers are refused before any parse; control characters reject their row.
        check_upload(name, content)
        constants = default_values(split_defaults(defaults), kind)  # type: ignore[arg-type]
        try:
            result = reject_control_characters(
                readers.read_input(content, kind, name=name, defaults=constants)  # type: ignore[arg-type]
            )
        except InputFormatError:
            if not force and _stop(outcome, check_kind(content, name, kind, None)):
                return outcome
            raise
        if not force and _stop(outcome, check_kind(content, name, kind, result)):
            outcome.rows_accepted, outcome.rows_rejected = (
                result.rows_accepted,
                result.rows_rejected,
            )
            outcome.rejected = result.rejected_frame().head(REJECTED_SHOWN)
            return outcome
        step("storing")
        version_id = store.import_dataset(
            kind, result, file_name=name, checksum=checksum(content), user=user, stage=stage
        )
        if stage:
            _discard_older_staged(store, kind, user, version_id)
            step("analysing")
            status = store.versions(kind).set_index("id").loc[version_id, "status"]  # type: ignore[arg-type]
            outcome.staged = bool(status == "staged")
            if outcome.staged:
                outcome.preview = preview_of(store, version_id, result.table).to_dict()
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


def _stop(outcome: UploadOutcome, found: Any) -> bool:
    """Fill ``outcome`` with the plausibility check's stop (an English ``error`` for logs and
    the command line; the page words it from ``looks_like``); True when stopped."""
    if not found.stopped:
        return False
    outcome.stopped, outcome.looks_like = True, found.looks_like
    outcome.rejected_share = found.rejected_share
    if found.looks_like:
        outcome.error = (
            f"{outcome.file_name} looks like {found.looks_like}, not {outcome.kind}; "
            "nothing was stored"
        )
    else:
        outcome.error = (
            f"{outcome.file_name}: {found.rejected_share:.0%} of the rows were rejected as "
            f"{outcome.kind}; nothing was stored"
        )
    return True


def _discard_older_staged(store: Store, kind: str, user: str, keep: int) -> None:
    """A user has at most one staged upload per kind: the new one replaces older ones."""
    versions = store.versions(kind)  # type: ignore[arg-type]
    older = versions[
        (versions["status"] == "staged")
        & (versions["uploaded_by"] == user)
        & (versions["id"] != keep)
    ]
    for version_id in older["id"]:
        store.discard_version(int(version_id), user=user)


def _own_staged(store: Store, version_id: int, user: str, role: str | None) -> str:
    """The kind of a staged version the caller may decide on (its uploader, or an
    administrator); AccessDenied or ConfigurationError otherwise."""
    kind = store.version_kind(int(version_id))
    require(role, f"import:{kind}")
    versions = store.versions(kind)  # type: ignore[arg-type]
    row = versions[versions["id"] == int(version_id)].iloc[0]
    if row["status"] != "staged":
        raise ConfigurationError(f"dataset version {version_id} is not waiting for a confirmation")
    if row["uploaded_by"] != user and not allowed(role, "manage:versions"):
        raise AccessDenied(f"dataset version {version_id} was uploaded by another user")
    return kind


def confirm_upload(
    store: Store, version_id: int, *, user: str, role: str | None, analyse: bool = True
) -> list[int]:
    """Make a staged upload current (all or nothing) and compute the analysis it feeds, so
    the figures are ready when the page says so. Returns the years it replaced."""
    kind = _own_staged(store, version_id, user, role)
    replaced = store.confirm_version(int(version_id), user=user)
    if analyse:
        try:
            warm(store, kind)
        except SpendanalysError as exc:
            LOG.warning("analysis after confirming version %s failed: %s", version_id, exc)
    return replaced


def discard_upload(store: Store, version_id: int, *, user: str, role: str | None) -> None:
    """Turn a staged upload down: nothing current changes."""
    _own_staged(store, version_id, user, role)
    store.discard_version(int(version_id), user=user)
    drop_previewed()


def run_upload(
    store: Store,
    kind: str,
    file_name: str,
    contents: str,
    *,
    max_bytes: int,
    user: str,
    role: str | None,
    progress: Callable[[str], None] | None = None,
    defaults: str = "",
) -> UploadOutcome:
    """The whole upload as a background job runs it: decode the data URL, read and validate,
    store, then compute the analysis the new data feeds (so the page's next view is cached).

    The role is checked here, inside the job, before anything else (AccessDenied); phases go
    to ``progress`` (``spendanalys.services.jobs.UPLOAD_PHASES``). The file is staged: the
    outcome carries its preview, and :func:`confirm_upload` makes it current.
    """
    require(role, f"import:{kind}")
    step = progress or (lambda _phase: None)
    step("decoding")
    try:
        content = decode_upload(contents, max_bytes)
    except SpendanalysError as exc:
        return UploadOutcome(kind=kind, file_name=display_file_name(file_name), error=str(exc))
    return import_upload(
        store,
        kind,
        file_name,
        content,
        user=user,
        role=role,
        progress=progress,
        defaults=defaults,
        stage=True,
    )


_JOB_STORES: dict[str, Store] = {}


def _job_store(database_url: str) -> Store:
    """The store of ``database_url`` in a job process, opened once per process."""
    store = _JOB_STORES.get(database_url)
    if store is None:
        store = _JOB_STORES[database_url] = Store(database_url, migrate=False)
    return store


def confirm_job(*, database_url: str, version_id: int, user: str, role: str | None) -> list[int]:
    """:func:`confirm_upload` as a job process runs it (``jobs.run_in_job_process``): the
    request that confirms waits for it, while the analysis is computed here, at the job
    process's lower priority, and not in a web worker."""
    return confirm_upload(_job_store(database_url), version_id, user=user, role=role)


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
    defaults: str = "",
) -> dict[str, Any]:
    """:func:`run_upload` as a job process runs it (``JobBoard.submit_process``): the store is
    opened from its URL, once per process; the outcome comes back as JSON."""
    outcome = run_upload(
        _job_store(database_url),
        kind,
        file_name,
        contents,
        max_bytes=max_bytes,
        user=user,
        role=role,
        progress=progress,
        defaults=defaults,
    )
    return outcome.to_dict()


def seed_sample_data(store: Store, sample_dir: str | Path | None = None) -> list[int]:
    """On first start (no dataset versions at all) import the sample files as user "system".

    The folder is ``sample_dir``, else $SPENDANALYS_SAMPLE_DIR, else the repository's
    ``sample_data/``.
    Returns the new version ids (empty when the database already had data or the sample files
    are missing).
    """
    if len(store.versions()):
        return []
    folder = Path(sample_dir or settings().sample_dir or SAMPLE_DIR)
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
