"""Inloggning: name and password, checked against the store's hashed passwords.

A session that ended (``dashboard.sessions``: logged out, expired, idle) sends its page
request here with ``?ended=<reason>``; the page says why before asking again."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from spendanalys.dashboard import security, sessions
from spendanalys.dashboard.components import lang, safe_next
from spendanalys.errors import AccessDenied
from spendanalys.i18n import t

dash.register_page(__name__, path="/login", title="Spendanalys – logga in", order=9)

MESSAGE = security.public("login-message")
REDIRECT = security.public("login-redirect")
ENDED_REASONS = (sessions.ENDED, sessions.EXPIRED, sessions.IDLE)


def layout(ended: str | None = None, next: str | None = None, **_query: Any) -> html.Div:
    language = lang()
    if security.demo_mode():
        return html.Div(
            [html.P(t("login.demo", language)), dcc.Link(t("nav.overview", language), href="/")],
            className="login",
        )
    return html.Div(
        [
            html.H1(t("login.title", language)),
            html.Div(t(f"login.{ended}", language), className="message", id="login-ended")
            if ended in ENDED_REASONS
            else None,
            html.Label(t("login.name", language), htmlFor="login-name"),
            dcc.Input(id="login-name", type="text", autoComplete="username", debounce=False),
            html.Label(t("login.password", language), htmlFor="login-password"),
            dcc.Input(
                id="login-password", type="password", autoComplete="current-password", n_submit=0
            ),
            html.Button(
                t("login.submit", language), id="login-submit", className="button", n_clicks=0
            ),
            html.Div(id=MESSAGE),
            dcc.Store(id="login-next", data=safe_next(next)),
            dcc.Location(id=REDIRECT, refresh=True),
        ],
        className="login",
    )


@dash.callback(
    Output(MESSAGE, "children"),
    Output(REDIRECT, "href"),
    Input("login-submit", "n_clicks"),
    Input("login-password", "n_submit"),
    State("login-name", "value"),
    State("login-password", "value"),
    State("login-next", "data"),
    prevent_initial_call=True,
)
def log_in(
    _clicks: int, _submits: int, name: Any, password: Any, next_path: Any = "/"
) -> tuple[Any, Any]:
    language = lang()
    try:
        role = (
            security.log_in(name, password)
            if isinstance(name, str) and isinstance(password, str) and name and password
            else None
        )
    except AccessDenied:
        return html.Div(
            t("login.locked", language), className="message message-error"
        ), dash.no_update
    if role is None:
        return html.Div(
            t("login.failed", language), className="message message-error"
        ), dash.no_update
    return "", safe_next(next_path)
