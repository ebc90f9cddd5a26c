"""The upload callbacks, one per input kind: decode, check the role, import, show the result."""

from __future__ import annotations

import time
from typing import Any

import dash
from dash import Input, Output, State, html

from spendanalys import services
from spendanalys.dashboard import security
from spendanalys.dashboard.components import lang, message, rejected_table
from spendanalys.dashboard.i18n import format_number, t
from spendanalys.errors import AccessDenied, SpendanalysError


def render_outcome(outcome: services.UploadOutcome, language: str) -> html.Div:
    """What an upload did: rows read and rejected (with row, column, reason), or why not."""
    if not outcome.ok:
        return message(
            t("upload.failed", language, file=outcome.file_name, reason=outcome.error),
            "error",
            element_id=f"upload-{outcome.kind}-error",
        )
    text = t(
        "upload.done",
        language,
        file=outcome.file_name,
        accepted=format_number(outcome.rows_accepted, language),
        rejected=format_number(outcome.rows_rejected, language),
    )
    children: list[Any] = [
        message(
            text,
            "ok" if not outcome.rows_rejected else "warn",
            element_id=f"upload-{outcome.kind}-done",
        )
    ]
    children += [html.Div(note, className="muted") for note in outcome.notes]
    if outcome.rows_rejected:
        children.append(rejected_table(outcome.rejected, language))
    return html.Div(children)


def handle_upload(kind: str, contents: str | None, file_name: str | None) -> tuple[Any, Any, Any]:
    """Import one upload for the request's user; clears ``contents`` so the browser drops it."""
    language = lang()
    if not contents:
        return dash.no_update, dash.no_update, dash.no_update
    try:
        data = services.decode_upload(contents, security.max_upload_bytes())
        outcome = services.import_upload(
            security.current_store(),
            kind,
            file_name or "upload",
            data,
            user=security.current_user_name() or "anonymous",
            role=security.current_role(),
        )
    except AccessDenied:
        return message(t("access.denied", language), "error"), None, dash.no_update
    except SpendanalysError as exc:
        outcome = services.UploadOutcome(kind=kind, file_name=file_name or "upload", error=str(exc))
    return render_outcome(outcome, language), None, time.time()


def register_upload(kind: str) -> None:
    """Register the callback of the ``upload-<kind>`` component (call from the page module)."""
    result_id = security.writes(f"upload-{kind}-result", f"import:{kind}")

    @dash.callback(
        Output(result_id, "children"),
        Output(f"upload-{kind}", "contents"),
        Output(f"refresh-{kind}", "data"),
        Input(f"upload-{kind}", "contents"),
        State(f"upload-{kind}", "filename"),
        prevent_initial_call=True,
    )
    def _upload(contents: str | None, file_name: str | None) -> tuple[Any, Any, Any]:
        return handle_upload(kind, contents, file_name)
