"""Response headers for the browser: Content-Security-Policy, HSTS, no caching of data.

- ``Content-Security-Policy``: scripts only from this server, plus the page's own inline scripts
  (Dash's renderer start-up and any clientside callback), which carry a fresh nonce on every
  page load; no plugins, no framing, forms post here only. Styles may be inline: Plotly and AG
  Grid set them from script. Dash's ``csp_hashes()`` would fix the inline scripts too, but a
  nonce keeps working when a page adds an inline script without anyone recomputing hashes.
- ``Strict-Transport-Security`` when served over HTTPS (``SPENDANALYS_HTTPS=1``).
- ``Cache-Control: no-store`` on everything except the versioned static files: the layout
  carries the user's name, callbacks and downloads carry the agency's data.

The ``Server`` header is the server's business: gunicorn sends ``gunicorn`` without a version
(and drops one set by the app); ``serve.py`` gives Flask's development server a plain one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import dash
import flask

HSTS = "max-age=31536000"
NO_STORE = "no-store"
# Versioned by Dash (fingerprinted URLs or a ?m= modification time): caching them is safe.
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
_NONCE = "spendanalys_csp_nonce"
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])")


def nonce() -> str:
    """The request's CSP nonce (made on first use, 128 random bits)."""
    value = flask.g.get(_NONCE)
    if value is None:
        value = secrets.token_urlsafe(16)
        setattr(flask.g, _NONCE, value)
    return str(value)


def content_security_policy(script_nonce: str | None) -> str:
    """The policy; ``script_nonce`` admits the inline scripts of the page it was made for."""
    scripts = "'self'" + (f" 'nonce-{script_nonce}'" if script_nonce else "")
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def with_nonce(html: str, script_nonce: str) -> str:
    """``html`` with the nonce on every ``<script>`` tag (Dash's index page: its own markup)."""
    return _SCRIPT_TAG.sub(f'<script nonce="{script_nonce}"', html)


def install(server: flask.Flask, app: dash.Dash, *, https: bool) -> None:
    """Add the headers to every response of ``server``, and the nonce to ``app``'s index page."""
    interpolate: Callable[..., str] = app.interpolate_index

    def interpolate_with_nonce(**parts: str) -> str:
        return with_nonce(interpolate(**parts), nonce())

    app.interpolate_index = interpolate_with_nonce  # type: ignore[method-assign,assignment]

    def add_headers(response: flask.Response) -> flask.Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(flask.g.get(_NONCE))
        if https:
            headers["Strict-Transport-Security"] = HSTS
        if not flask.request.path.startswith(STATIC_PREFIXES):
            headers["Cache-Control"] = NO_STORE
        return response

    server.after_request(add_headers)
