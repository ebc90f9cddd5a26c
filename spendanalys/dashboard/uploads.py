"""The upload callbacks, one set per input kind: size check, import job, progress, result.

1. A clientside callback (``assets/upload_check.js``) checks the file's size in the browser and
   passes an accepted file to ``upload-<kind>-accepted``.
2. ``_start`` (a writing callback: ``upload-<kind>-job``) checks the role, then queues
   :func:`spendanalys.services.uploads.upload_job` in a job process of the app's
   :class:`spendanalys.services.jobs.JobBoard` with the user and role read from the session here, on the
   server; the job checks the role again.
3. ``_poll`` (every ``components.POLL_MS``) shows the job's phase and, when it has finished,
   the outcome; it answers only the user who started the job. The outcome is a *preview* of
   the staged version (rows accepted and rejected, reasons with counts, the change against
   the current data) with confirm and discard buttons, or the plausibility check's stop.
4. ``_decide`` (a writing callback: ``upload-<kind>-preview``) makes the staged version
   current, then computes the analysis before saying so, or turns it down; the server checks
   the role and that the version is the user's own. The confirmation and its analysis run in
   the worker's job process (``services.confirm_job``) while the request waits: seconds of
   analysis would otherwise hold the web worker's GIL and every page view it serves.
"""

from __future__ import annotations

import time
from concurrent.futures import TimeoutError as WaitedTooLong
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import dash
import flask
from dash import ClientsideFunction, Input, Output, State, dcc, html

from spendanalys import services
from spendanalys.auth import require
from spendanalys.dashboard import security
from spendanalys.dashboard.components import lang, message, rejected_table, table
from spendanalys.errors import AccessDenied, SpendanalysError
from spendanalys.i18n import format_number, format_percent, t
from spendanalys.i18n.notes import worded
from spendanalys.services.jobs import JobBoard, JobState, QuotaExceeded, run_in_job_process

JOBS_EXTENSION = "spendanalys.services.jobs"
CONFIRM_WAIT_S = 300.0  # a confirmation queued behind an import, then its analysis


def job_board() -> JobBoard:
    """The application's job board (``app_factory.create_app`` puts it on the Flask app)."""
    board: JobBoard = flask.current_app.extensions[JOBS_EXTENSION]
    return board


def _years(years: list[int]) -> str:
    return ", ".join(str(y) for y in years) or "–"


def render_stop(outcome: services.UploadOutcome, language: str) -> html.Div:
    """The plausibility check's stop: which kind the file looks like, or how much was rejected."""
    kind = t(f"dm.kind_in_text.{outcome.kind}", language)
    if outcome.looks_like:
        text = t(
            "dm.stopped_kind",
            language,
            file=outcome.file_name,
            looks_like=t(f"dm.kind_in_text.{outcome.looks_like}", language),
            kind=kind,
        )
    else:
        text = t(
            "dm.stopped_rejected",
            language,
            file=outcome.file_name,
            share=format_percent(outcome.rejected_share, language),
            kind=kind,
        )
    children: list[Any] = [message(text, "error", element_id=f"upload-{outcome.kind}-error")]
    if len(outcome.rejected):
        children.append(_reasons(services.reason_counts(outcome.rejected), None, language))
    return html.Div(children, id=f"upload-{outcome.kind}-stopped")


def _reasons(reasons: Any, rejected_total: int | None, language: str) -> html.Div:
    columns = (
        ("column", "col.column", "text"),
        ("reason", "col.reason", "text"),
        ("rows", "dm.col_rows", "number"),
        ("first_row", "dm.col_first_row", "number"),
    )
    children: list[Any] = [html.H3(t("dm.reasons_heading", language))]
    children.append(table(reasons, columns, language, table_id="upload-reasons"))
    if rejected_total is not None:
        other = rejected_total - int(reasons["rows"].sum()) if len(reasons) else 0
        if other > 0:
            text = t("dm.reasons_more", language, rows=format_number(other, language))
            children.append(html.P(text, className="muted"))
    return html.Div(children)


FIGURES = ("rows", "agreements", "spend_sek", "kg_co2e")


def render_preview(outcome: services.UploadOutcome, language: str) -> html.Div:
    """A staged upload before it is in use: rows, reasons with counts, the change against the
    current data, and the buttons to confirm or discard it."""
    preview = services.Preview.from_dict(outcome.preview or {})
    kind = outcome.kind
    before, after = preview.before, preview.after
    rows = []
    for name in FIGURES:
        old, new = getattr(before, name), getattr(after, name)
        if old is None and new is None:
            continue
        change = None if old is None or new is None else new - old
        rows.append(
            html.Tr(
                [
                    html.Th(t(f"dm.figure.{name}", language), scope="row"),
                    html.Td(format_number(old, language), className="num"),
                    html.Td(format_number(new, language), className="num"),
                    html.Td(
                        format_number(change, language)
                        if change is None or change <= 0
                        else "+" + format_number(change, language),
                        className="num",
                    ),
                ]
            )
        )
    rows.append(
        html.Tr(
            [
                html.Th(t("dm.figure.years", language), scope="row"),
                html.Td(_years(before.years)),
                html.Td(_years(after.years)),
                html.Td(""),
            ]
        )
    )
    change_table = html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(""),
                        html.Th(t("dm.now", language)),
                        html.Th(t("dm.then", language)),
                        html.Th(t("dm.change", language)),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="data-table",
        id=f"upload-{kind}-change",
    )
    children: list[Any] = [
        html.H3(t("dm.preview_heading", language, file=outcome.file_name)),
        message(
            t(
                "dm.preview_rows",
                language,
                accepted=format_number(outcome.rows_accepted, language),
                rejected=format_number(outcome.rows_rejected, language),
            ),
            "warn" if outcome.rows_rejected else "info",
        ),
    ]
    if preview.replaced_years:
        text = t("dm.preview_replaces", language, years=_years(preview.replaced_years))
        children.append(message(text, "warn", element_id=f"upload-{kind}-replaces"))
    added = sorted(set(after.years) - set(before.years))
    if added and before.years:
        children.append(html.P(t("dm.preview_adds", language, years=_years(added))))
    children.append(change_table)
    children += [html.Div(worded(note, language), className="muted") for note in outcome.notes]
    if len(preview.reasons):
        children.append(_reasons(preview.reasons, outcome.rows_rejected, language))
    children += [
        dcc.Store(id=f"upload-{kind}-staged", data=preview.version_id),
        html.Div(
            [
                html.Button(
                    t("dm.confirm", language), id=f"upload-{kind}-confirm", className="button"
                ),
                html.Button(
                    t("dm.discard", language),
                    id=f"upload-{kind}-discard",
                    className="button",
                ),
            ],
            className="form",
        ),
    ]
    return html.Div(children, id=f"upload-{kind}-preview", className="upload-preview")


def render_outcome(outcome: services.UploadOutcome, language: str) -> html.Div:
    """What an upload did: the preview of the staged version, the stop of the plausibility
    check, or why it could not be read; a direct import's rows read and rejected."""
    if outcome.stopped:
        return render_stop(outcome, language)
    if outcome.ok and outcome.staged:
        return render_preview(outcome, language)
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


def start_upload(kind: str, accepted: Any, defaults: Any = None) -> tuple[Any, Any, Any, Any]:
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
                "defaults": str(defaults or ""),
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
    refresh = time.time() if outcome.ok and not outcome.staged else skip
    return render_outcome(outcome, language), None, True, refresh


def decide_upload(kind: str, version_id: Any, confirm: bool) -> tuple[Any, Any]:
    """Confirm or discard the staged version ``version_id``: (what the preview becomes,
    refresh). The analysis is computed before the page says it is updated."""
    language = lang()
    skip = dash.no_update
    if isinstance(version_id, bool) or not isinstance(version_id, int):
        return skip, skip
    store = security.current_store()
    user, role = security.current_user_name() or "anonymous", security.current_role()
    try:
        file_name = _file_of(store, version_id)
        if confirm:
            replaced = run_in_job_process(
                services.confirm_job,
                {
                    "database_url": store.url.render_as_string(hide_password=False),
                    "version_id": int(version_id),
                    "user": user,
                    "role": role,
                },
                CONFIRM_WAIT_S,
            )
        else:
            services.discard_upload(store, version_id, user=user, role=role)
    except AccessDenied:
        return message(t("access.denied", language), "error"), skip
    except SpendanalysError as exc:
        return message(worded(str(exc), language), "error", f"upload-{kind}-error"), skip
    except WaitedTooLong:  # still running: the page shows the new data once it is there
        text = t("upload.confirm_waiting", language, file=file_name)
        return message(text, "warn", element_id=f"upload-{kind}-waiting"), skip
    except BrokenProcessPool:  # the job process died: the confirmation is all or nothing
        return message(t("job.lost", language, file=file_name), "error"), skip
    if not confirm:
        text = t("dm.discarded", language, file=file_name)
        return message(text, "info", element_id=f"upload-{kind}-discarded"), skip
    if replaced:
        text = t("dm.confirmed_replaced", language, file=file_name, years=_years(replaced))
    else:
        text = t("dm.confirmed", language, file=file_name)
    return message(text, "ok", element_id=f"upload-{kind}-done"), time.time()


def _file_of(store: services.Store, version_id: int) -> str:
    versions = store.versions()
    row = versions[versions["id"] == int(version_id)]
    if row.empty:
        raise SpendanalysError(f"there is no dataset version {version_id}")
    return str(row.iloc[0]["file_name"])


def register_upload(kind: str) -> None:
    """Register the callbacks of the ``upload-<kind>`` component (call from the page module)."""
    component = f"upload-{kind}"
    job_id = security.writes(f"{component}-job", f"import:{kind}")
    preview = security.writes(f"{component}-preview", f"import:{kind}")
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
        State(f"{component}-defaults", "value"),
        prevent_initial_call=True,
    )
    def _start(accepted: Any, defaults: Any) -> tuple[Any, Any, Any, Any]:
        return start_upload(kind, accepted, defaults)

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

    @dash.callback(
        Output(preview, "children"),
        Output(f"refresh-{kind}", "data", allow_duplicate=True),
        Input(f"{component}-confirm", "n_clicks"),
        Input(f"{component}-discard", "n_clicks"),
        State(f"{component}-staged", "data"),
        prevent_initial_call=True,
    )
    def _decide(confirm: Any, discard: Any, version_id: Any) -> tuple[Any, Any]:
        if not confirm and not discard:
            return dash.no_update, dash.no_update
        discarded = dash.ctx.triggered_id == f"{component}-discard"
        return decide_upload(kind, version_id, confirm=not discarded)
