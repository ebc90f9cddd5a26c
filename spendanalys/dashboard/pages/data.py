"""Data och historik: every dataset version (who, when, file, checksum, rows, status), making
one current again or taking it out of use, the category mappings and supplier factors in force
with their withdrawal, and the audit log.

Administrators (``manage:versions``) see every version and the audit log; the other roles see
their own uploads. Every write is checked on the server (``services``) for the role, and the
analysis is computed before the page says it is updated.
"""

from __future__ import annotations

import json
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from spendanalys import services
from spendanalys.dashboard import security
from spendanalys.dashboard.components import lang, message, page_guard, table, text_or_none
from spendanalys.errors import AccessDenied, SpendanalysError
from spendanalys.i18n import format_number, t
from spendanalys.i18n.notes import worded

dash.register_page(
    __name__, path="/data", title="Spendanalys – data och historik", order=4, nav="nav.data"
)

VERSION_RESULT = security.writes("dm-version-result", "manage:versions")
# Both edit permissions belong to the same roles; the service checks the one the row needs.
ADJUST_RESULT = security.writes("dm-adjust-result", "edit:category_overrides")
VERSIONS = (
    ("id", "dm.col_id", "text"),
    ("kind_label", "dm.col_kind", "text"),
    ("file_name", "col.file", "text"),
    ("years_text", "dm.col_years", "text"),
    ("uploaded_by", "col.uploaded_by", "text"),
    ("uploaded_at", "col.uploaded_at", "datetime"),
    ("rows_accepted", "col.rows_accepted", "number"),
    ("rows_rejected", "col.rows_rejected", "number"),
    ("current_text", "dm.col_current", "text"),
    ("status_text", "dm.col_status", "text"),
    ("checksum_short", "dm.col_checksum", "text"),
)
ADJUSTMENTS = (
    ("id", "dm.col_id", "text"),
    ("type_label", "dm.col_type", "text"),
    ("key", "dm.col_key", "text"),
    ("value", "dm.col_value", "text"),
    ("source", "col.factor_source", "text"),
    ("created_by", "dm.col_user", "text"),
    ("created_at", "dm.col_at", "datetime"),
)
AUDIT = (
    ("at", "dm.col_at", "datetime"),
    ("user_name", "dm.col_user", "text"),
    ("action", "dm.col_action", "text"),
    ("detail_text", "dm.col_detail", "text"),
)


def years_text(years: list[int] | None) -> str:
    """2019–2024 for a run of years, else the years listed; – when none are known."""
    if not years:
        return "–"
    if len(years) > 2 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def _versions(store: services.Store, language: str) -> pd.DataFrame:
    frame = services.version_list(
        store, user=security.current_user_name(), role=security.current_role()
    )
    frame = frame.copy()
    frame["kind_label"] = [t(f"kind.{k}", language) for k in frame["kind"]]
    frame["years_text"] = [years_text(y) for y in frame["years"]]
    frame["current_text"] = [t("dm.yes" if c else "dm.no", language) for c in frame["current"]]
    frame["status_text"] = [t(f"dm.status.{s}", language) for s in frame["status"]]
    frame["checksum_short"] = [str(c)[:16] + "…" for c in frame["checksum"]]
    return frame


def _version_section(store: services.Store, language: str) -> list[Any]:
    frame = _versions(store, language)
    children: list[Any] = []
    if not security.may("manage:versions"):
        children.append(html.P(t("dm.versions_own", language), className="muted"))
    children.append(table(frame, VERSIONS, language, table_id="dm-versions-table", limit=500))
    return children


def _version_options(store: services.Store, language: str) -> list[dict[str, Any]]:
    frame = _versions(store, language)
    usable = frame[frame["status"] == "imported"]
    return [
        {
            "label": f"{r['id']}: {r['kind_label']} – {r['file_name']} ({r['years_text']})"
            + (f" – {t('dm.col_current', language).lower()}" if r["current"] else ""),
            "value": int(r["id"]),
        }
        for r in usable.to_dict("records")
    ]


def _adjustments(store: services.Store, language: str) -> pd.DataFrame:
    frame = services.adjustments(store).copy()
    frame["type_label"] = [t(f"dm.type.{k}", language) for k in frame["type"]]
    return frame


def _adjustment_section(store: services.Store, language: str) -> list[Any]:
    frame = _adjustments(store, language)
    if frame.empty:
        return [html.P(t("dm.adjustments_empty", language), className="muted")]
    return [table(frame, ADJUSTMENTS, language, table_id="dm-adjustments-table", limit=500)]


def _adjustment_options(store: services.Store, language: str) -> list[dict[str, Any]]:
    frame = _adjustments(store, language)
    return [
        {"label": f"{r['id']}: {r['type_label']} {r['key']} → {r['value']}", "value": r["id"]}
        for r in frame.to_dict("records")
    ]


def _audit_section(store: services.Store, language: str) -> list[Any]:
    if not security.may("manage:versions"):
        return [html.P(t("dm.audit_not_allowed", language), className="muted")]
    frame = services.audit_entries(store, role=security.current_role()).copy()
    frame["detail_text"] = [
        json.dumps(d, ensure_ascii=False, sort_keys=True, default=str) for d in frame["detail"]
    ]
    return [table(frame, AUDIT, language, table_id="dm-audit-table", limit=200)]


def layout(**_query: Any) -> Any:
    redirect = page_guard()
    if redirect is not None:
        return redirect
    language = lang()
    store = security.current_store()
    manage = security.may("manage:versions")
    may_adjust = security.may("edit:category_overrides") or security.may("edit:supplier_factors")
    return html.Div(
        [
            html.H1(t("dm.title", language)),
            html.H2(t("dm.versions_heading", language)),
            html.Div(_version_section(store, language), id="dm-versions"),
            html.Div(
                [
                    html.Label(
                        [
                            t("dm.choose_version", language),
                            dcc.Dropdown(
                                id="dm-version",
                                options=_version_options(store, language),
                                style={"width": "520px"},
                            ),
                        ]
                    ),
                    html.Button(
                        t("dm.use", language), id="dm-use", className="button", disabled=not manage
                    ),
                    html.Button(
                        t("dm.withdraw", language),
                        id="dm-withdraw",
                        className="button",
                        disabled=not manage,
                    ),
                ],
                className="form",
            ),
            html.Div(id=VERSION_RESULT),
            html.H2(t("dm.adjustments_heading", language)),
            html.Div(_adjustment_section(store, language), id="dm-adjustments"),
            html.Div(
                [
                    html.Label(
                        [
                            t("dm.choose_adjustment", language),
                            dcc.Dropdown(
                                id="dm-adjustment",
                                options=_adjustment_options(store, language),
                                style={"width": "520px"},
                            ),
                        ]
                    ),
                    html.Button(
                        t("dm.remove", language),
                        id="dm-remove",
                        className="button",
                        disabled=not may_adjust,
                    ),
                ],
                className="form",
            ),
            html.Div(id=ADJUST_RESULT),
            html.H2(t("dm.audit_heading", language)),
            html.Div(_audit_section(store, language), id="dm-audit"),
        ]
    )


def _refreshed(language: str) -> tuple[Any, ...]:
    store = security.current_store()
    return (
        _version_section(store, language),
        _version_options(store, language),
        _adjustment_section(store, language),
        _adjustment_options(store, language),
        _audit_section(store, language),
    )


REFRESHED = (
    Output("dm-versions", "children", allow_duplicate=True),
    Output("dm-version", "options", allow_duplicate=True),
    Output("dm-adjustments", "children", allow_duplicate=True),
    Output("dm-adjustment", "options", allow_duplicate=True),
    Output("dm-audit", "children", allow_duplicate=True),
)


def _version_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dash.callback(
    Output(VERSION_RESULT, "children"),
    *REFRESHED,
    Input("dm-use", "n_clicks"),
    Input("dm-withdraw", "n_clicks"),
    State("dm-version", "value"),
    prevent_initial_call=True,
)
def _change_version(_use: Any, _withdraw: Any, value: Any) -> tuple[Any, ...]:
    language = lang()
    skip = (dash.no_update,) * len(REFRESHED)
    version_id = _version_id(value)
    if version_id is None:
        return (dash.no_update, *skip)
    withdraw = dash.ctx.triggered_id == "dm-withdraw"
    store = security.current_store()
    user, role = security.current_user_name() or "", security.current_role()
    try:
        if withdraw:
            services.withdraw_version(store, version_id, user=user, role=role)
        else:
            services.use_version(store, version_id, user=user, role=role)
    except AccessDenied:
        return (message(t("access.denied", language), "error"), *skip)
    except SpendanalysError as exc:
        return (message(worded(str(exc), language), "error", "dm-version-error"), *skip)
    key = "dm.withdrawn" if withdraw else "dm.used"
    done = message(
        t(key, language, id=format_number(version_id, language)), "ok", "dm-version-done"
    )
    return (done, *_refreshed(language))


@dash.callback(
    Output(ADJUST_RESULT, "children"),
    *REFRESHED,
    Input("dm-remove", "n_clicks"),
    State("dm-adjustment", "value"),
    prevent_initial_call=True,
)
def _remove_adjustment(_n: Any, value: Any) -> tuple[Any, ...]:
    language = lang()
    skip = (dash.no_update,) * len(REFRESHED)
    adjustment_id = text_or_none(value)
    if not adjustment_id:
        return (dash.no_update, *skip)
    store = security.current_store()
    try:
        key = services.remove_adjustment(
            store,
            adjustment_id,
            user=security.current_user_name() or "",
            role=security.current_role(),
            language=language,
        )
        services.warm(store, "contracts")  # the ranking is back before the page says so
    except AccessDenied:
        return (message(t("access.denied", language), "error"), *skip)
    except SpendanalysError as exc:
        return (message(worded(str(exc), language), "error", "dm-adjust-error"), *skip)
    done = message(t("dm.removed", language, what=key), "ok", element_id="dm-adjust-done")
    return (done, *_refreshed(language))
