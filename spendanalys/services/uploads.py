"""Uploads: decode, guard, read and validate, store as a new dataset version, then compute
the analysis the new data feeds; and the sample data on first start.

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
from spendanalys.auth import require
from spendanalys.errors import ConfigurationError, InputFormatError, SpendanalysError
from spendanalys.io.options import default_values, split_defaults
from spendanalys.io.upload_guard import check_upload, reject_control_characters
from spendanalys.schema import KINDS, Kind
from spendanalys.services.analyses import travel_view
from spendanalys.services.datasets import REJECTED_SHOWN
from spendanalys.services.summaries import spend_summary
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
    store: Store,
    kind: str,
    file_name: str,
    content: bytes,
    *,
    user: str,
    role: str | None,
    progress: Callable[[str], None] | None = None,
    defaults: str = "",
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
        result = reject_control_characters(
            readers.read_input(content, kind, name=name, defaults=constants)  # type: ignore[arg-type]
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
        store, kind, file_name, content, user=user, role=role, progress=progress, defaults=defaults
    )
    if outcome.ok:
        step("analysing")
        try:
            warm(store, kind)
        except SpendanalysError as exc:
            outcome.notes.append(f"the analysis could not run yet: {exc}")
    return outcome


def warm(store: Store, kind: str) -> None:
    """Compute (and cache) the analysis that data of ``kind`` feeds, right after an import."""
    if kind in ("contracts", "invoices"):
        spend_summary(store)  # the full analysis, then the small per-version entries
    else:
        travel_view(store)


_JOB_STORES: dict[str, Store] = {}


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
    store = _JOB_STORES.get(database_url)
    if store is None:
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
