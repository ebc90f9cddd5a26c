"""The upload callbacks, one set per input kind: size check, import job, progress, result.

1. A clientside callback (``assets/upload_check.js``) checks the file's size in the browser and
   passes an accepted file to ``upload-<kind>-accepted``.
2. ``_start`` (a writing callback: ``upload-<kind>-job``) checks the role, then queues
   :func:`spendanalys.services.uploads.upload_job` in a job process of the app's
   :class:`spendanalys.services.jobs.JobBoard` with the user and role read from the session here, on the
   server; the job checks the role again.
3. ``_poll`` (every ``components.POLL_MS``) shows the job's phase and, when it has finished,
   the outcome; it answers only the user who started the job.
"""

from __future__ import annotations

import time
from typing import Any

import dash
import flask
from dash import ClientsideFunction, Input, Output, State, html

from spendanalys import services
from spendanalys.auth import require
from spendanalys.dashboard import security
from spendanalys.dashboard.components import lang, message, rejected_table
from spendanalys.dashboard.wording import worded
from spendanalys.errors import AccessDenied
from spendanalys.i18n import format_number, t
from spendanalys.services.jobs import JobBoard, JobState, QuotaExceeded

JOBS_EXTENSION = "spendanalys.services.jobs"


def job_board() -> JobBoard:
    """The application's job board (``app_factory.create_app`` puts it on the Flask app)."""
    board: JobBoard = flask.current_app.extensions[JOBS_EXTENSION]
    return board


def render_outcome(outcome: services.UploadOutcome, language: str) -> html.Div:
    """What an upload did: rows read and rejected (with row, column, reason), or why not."""
    if not outcome.ok:
        return message(
            t(
                "upload.failed",
                language,
                file=outcome.file_name,
                reason=worded(str(outcome.error), language),
            ),
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
    children += [html.Div(worded(note, language), className="muted") for note in outcome.notes]
    if outcome.rows_rejected:
        children.append(rejected_table(outcome.rejected, language))
    return html.Div(children)


def render_progress(job: JobState, language: str) -> html.Div:
    """The job's phase as step n of m with a bar: honest progress, not a guessed percentage."""
    phase = t(f"job.phase.{job.phase}", language) if job.phase else t("job.queued", language)
    text = t(
        "job.step",
        language,
        file=job.label,
        step=job.step,
        steps=len(job.phases),
        phase=phase,
        seconds=format_number(job.elapsed_s, language),
    )
    return html.Div(
        [html.Progress(value=str(job.step), max=str(len(job.phases))), html.Span(text)],
        className="job-progress",
        id=f"job-{job.phase or 'queued'}",
    )


def quota_text(refused: QuotaExceeded, language: str) -> str:
    """Why an upload was refused by the per-user limits, and when to try again."""
    if refused.limit == "running":
        return t("upload.quota_running", language, limit=refused.allowed)
    minutes = max(1, round((refused.retry_after_s or 60.0) / 60))
    return t("upload.quota_hourly", language, limit=refused.allowed, minutes=minutes)


def start_upload(kind: str, accepted: Any) -> tuple[Any, Any, Any, Any]:
    """Queue the import of an accepted upload; (job id, poll disabled, progress, result)."""
    language = lang()
    skip = dash.no_update
    contents = accepted.get("contents") if isinstance(accepted, dict) else None
    if not isinstance(contents, str) or not contents:
        return skip, skip, skip, skip  # nothing a browser sends: no job for it
    role, user = security.current_role(), security.current_user_name() or "anonymous"
    file_name = str(accepted.get("filename") or "upload")
    try:
        require(role, f"import:{kind}")
    except AccessDenied:
        return None, True, message(t("access.denied", language), "error"), None
    store = security.current_store()
    board = job_board()
    try:
        job_id = board.submit_process(
            user,
            services.display_file_name(file_name),
            services.upload_job,
            {
                "database_url": store.url.render_as_string(hide_password=False),
                "kind": kind,
                "file_name": file_name,
                "contents": contents,
                "max_bytes": security.max_upload_bytes(),
                "user": user,
                "role": role,
            },
        )
    except QuotaExceeded as refused:  # HTTP's 429, told in the form: nothing was queued
        return None, True, message(quota_text(refused, language), "error"), None
    job = board.status(job_id, user)
    progress = render_progress(job, language) if job is not None else None
    return job_id, False, progress, None


def poll_upload(kind: str, job_id: Any) -> tuple[Any, Any, Any, Any]:
    """(result, progress, poll disabled, refresh) for the job ``job_id`` of the request's user."""
    language = lang()
    skip = dash.no_update
    if not job_id:
        return skip, skip, True, skip
    job = job_board().status(job_id, security.current_user_name() or "anonymous")
    if job is None:
        return message(t("job.unknown", language), "error"), None, True, skip
    if not job.finished:
        return skip, render_progress(job, language), False, skip
    if job.state == "done" and job.result is not None:
        outcome = services.UploadOutcome.from_dict(job.result)
    elif job.error == "interrupted":
        return message(t("job.lost", language, file=job.label), "error"), None, True, skip
    elif job.error and job.error.startswith("access denied"):
        return message(t("access.denied", language), "error"), None, True, skip
    else:
        outcome = services.UploadOutcome(kind=kind, file_name=job.label, error=job.error)
    refresh = time.time() if outcome.ok else skip
    return render_outcome(outcome, language), None, True, refresh


def register_upload(kind: str) -> None:
    """Register the callbacks of the ``upload-<kind>`` component (call from the page module)."""
    component = f"upload-{kind}"
    job_id = security.writes(f"{component}-job", f"import:{kind}")
    dash.clientside_callback(
        ClientsideFunction(namespace="spendanalys", function_name="checkUpload"),
        Output(f"{component}-accepted", "data"),
        Output(component, "contents"),
        Output(f"{component}-too-big", "children"),
        Output(f"{component}-too-big", "style"),
        Input(component, "contents"),
        State(component, "filename"),
        State(f"{component}-limits", "data"),
        prevent_initial_call=True,
    )

    @dash.callback(
        Output(job_id, "data"),
        Output(f"{component}-poll", "disabled"),
        Output(f"{component}-progress", "children"),
        Output(f"{component}-result", "children"),
        Input(f"{component}-accepted", "data"),
        prevent_initial_call=True,
    )
    def _start(accepted: Any) -> tuple[Any, Any, Any, Any]:
        return start_upload(kind, accepted)

    @dash.callback(
        Output(f"{component}-result", "children", allow_duplicate=True),
        Output(f"{component}-progress", "children", allow_duplicate=True),
        Output(f"{component}-poll", "disabled", allow_duplicate=True),
        Output(f"refresh-{kind}", "data"),
        Input(f"{component}-poll", "n_intervals"),
        State(job_id, "data"),
        prevent_initial_call=True,
    )
    def _poll(_n: int | None, current: Any) -> tuple[Any, Any, Any, Any]:
        return poll_upload(kind, current)
