"""Build the Dash app: pages, shell (navigation, language switch, demo banner) and security.

``create_app`` wires a :class:`spendanalys.store.database.Store` into a Dash app with ``use_pages``; the
pages find the store through Flask's ``current_app`` (``security.current_store``), never through
a global, so each process (gunicorn worker) holds its own connection pool.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dash
import flask
from dash import dcc, html
from flask.typing import ResponseReturnValue

from spendanalys import services
from spendanalys.dashboard import body_guard, demo_guard, http_headers, security
from spendanalys.dashboard.callback_shapes import guard_callback_shapes
from spendanalys.dashboard.proxies import ForwardedHeaders
from spendanalys.dashboard.uploads import JOBS_EXTENSION
from spendanalys.errors import ConfigurationError
from spendanalys.i18n import LANGUAGES, normalise_language, t
from spendanalys.io.upload_guard import assert_defusedxml_active
from spendanalys.services.jobs import JobBoard
from spendanalys.settings import settings

PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
ASSETS_FOLDER = Path(__file__).resolve().parent / "assets"


def navigation() -> list[tuple[str, str]]:
    """(path, catalogue key) of every page in the menu, in page order: the pages that register
    with a ``nav`` key (Dash's page registry is the one list of pages)."""
    pages = sorted(dash.page_registry.values(), key=lambda page: page.get("order") or 0)
    return [(page["path"], page["nav"]) for page in pages if page.get("nav")]


MIN_SECRET_KEY_LENGTH = 32


def secret_key(var_dir: str | Path = "var") -> str:
    """``SPENDANALYS_SECRET_KEY``, else a random key kept in ``var/secret_key`` (mode 600).

    The file makes sessions survive restarts and lets several gunicorn workers share them. A new
    one is written whole under a temporary name and then linked into place, so a worker
    starting at the same moment never reads a half-written key. A key shorter than
    ``MIN_SECRET_KEY_LENGTH`` characters, from either source, or a key file other users may
    read, raises ConfigurationError.
    """
    key = settings().secret_key
    if key:
        return _checked_key(key, "SPENDANALYS_SECRET_KEY")
    path = Path(var_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _write_new_key(path)
    if path.stat().st_mode & 0o077:
        raise ConfigurationError(
            f"the session key file {path} may be read by other users: `chmod 600 {path}`"
        )
    try:
        key = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        raise ConfigurationError(f"the session key file {path} is not ASCII text") from None
    return _checked_key(key, f"the session key file {path}")


def _checked_key(key: str, source: str) -> str:
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"{source} must hold a key of at least {MIN_SECRET_KEY_LENGTH} characters"
        )
    return key


def _write_new_key(path: Path) -> None:
    """Put a new random key at ``path`` unless another process has just done so."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another worker was first: its key holds
            os.link(temporary, path)
    finally:
        temporary.unlink()


def seed_once(store: services.Store, var_dir: str | Path = "var") -> list[int]:
    """Import the sample data on first start, once even when several gunicorn workers start
    together (an exclusive lock on ``var/seed.lock``; the check for data is made under it)."""
    path = Path(var_dir) / "seed.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            return services.seed_sample_data(store)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def language() -> str:
    """The request's language: the ``lang`` cookie, Swedish by default."""
    return normalise_language(flask.request.cookies.get("lang"))


def _shell() -> html.Div:
    """The frame around every page: title, navigation, language switch, user, demo banner."""
    lang = language()
    role = security.current_role()
    banner = (
        html.Div(t("demo.banner", lang), className="demo-banner", id="demo-banner")
        if security.demo_mode()
        else None
    )
    switch = html.Span(
        [
            html.A(
                code.upper(),
                href=f"/lang/{code}",
                id=f"lang-{code}",
                className="lang active" if code == lang else "lang",
            )
            for code in LANGUAGES
        ],
        className="lang-switch",
    )
    user = security.current_user_name()
    account = (
        html.Form(
            [
                html.Span(f"{user} ({t('role.' + role, lang)})", className="user"),
                html.Button(t("nav.logout", lang), type="submit", id="logout-button"),
            ],
            action="/logout",
            method="POST",
            className="account",
        )
        if user and not security.demo_mode() and role
        else None
    )
    nav = (
        html.Nav(
            [dcc.Link(t(key, lang), href=path, className="nav-link") for path, key in navigation()],
            className="nav",
        )
        if role
        else None
    )
    return html.Div(
        [
            html.A(t("a11y.skip", lang), href="#content", className="skip-link"),
            html.Header(
                [
                    banner,
                    html.Div(
                        [html.Div(t("app.title", lang), className="brand"), nav, switch, account],
                        className="topbar",
                    ),
                ]
            ),
            html.Main(dash.page_container, className="content", id="content", tabIndex="-1"),
            html.Footer(
                dcc.Link(t("a11y.statement_link", lang), href="/tillganglighet"),
                className="footer",
            ),
            dcc.Store(id="lang-store", data=lang),
        ]
    )


def _with_lang(interpolate: Any) -> Any:
    """Dash's page template with ``<html lang>`` in the request's language (WCAG 3.1.1: a
    screen reader reads Swedish as Swedish)."""

    def interpolated(**kwargs: Any) -> str:
        page: str = interpolate(**kwargs)
        return page.replace("<html>", f'<html lang="{language()}">', 1)

    return interpolated


def _health() -> ResponseReturnValue:
    try:
        store = security.current_store()
        store.has_users()
    except Exception as exc:
        return flask.jsonify(status="error", reason=type(exc).__name__), 503
    return flask.jsonify(status="ok")


def _set_language(code: str) -> ResponseReturnValue:
    """Store the language in a cookie and go back to the page the switch was clicked on."""
    path = "/"
    referrer = flask.request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == flask.request.host and parts.path.startswith("/"):
            path = parts.path
    if path.startswith("//") or path.startswith("/lang/"):
        path = "/"
    response = flask.redirect(path)
    response.set_cookie(
        "lang",
        normalise_language(code),
        max_age=365 * 86400,
        samesite="Lax",
        secure=security._state()[1].https,
        httponly=True,
    )
    return response


def create_app(
    store: services.Store | None = None,
    *,
    host: str | None = "127.0.0.1",
    https: bool | None = None,
    max_upload_bytes: int | None = None,
    seed: bool = True,
    allowed_origins: tuple[str, ...] = (),
    job_dir: str | Path | None = None,
) -> dash.Dash:
    """The dashboard app on ``store`` (default ``Store()``: SQLite or SPENDANALYS_DATABASE_URL).

    ``host`` is the address it is bound to: with no users in the database a loopback address
    gives the labelled demo mode and any other address (or None: unknown) raises
    ConfigurationError (``serve.build_server`` takes it from the server's own report where
    there is one). Even then the demo mode answers only requests from and to this machine
    (``demo_guard``). ``seed`` imports
    the sample data on first start when the database holds no datasets. ``job_dir`` holds the
    state of import jobs (default ``SPENDANALYS_JOB_DIR``, else ``var/jobs``), shared by the
    workers of one host. The app has served one internal request (``_finish_setup``), so its
    callbacks are registered; Flask then refuses new routes or hooks on its server.
    """
    assert_defusedxml_active()  # refuse to serve uploads if openpyxl would parse XML unguarded
    if store is None:
        store = services.Store()
    store.migrate()
    env = settings()
    config = security.SecurityConfig(
        demo_allowed=security.is_loopback(host),
        https=env.https if https is None else https,
        max_upload_bytes=max_upload_bytes or env.max_upload_bytes,
        allowed_origins=allowed_origins or env.allowed_origins,
    )
    if not config.demo_allowed and not store.has_users():
        raise ConfigurationError(
            f"no users are defined and the app is bound to {host or 'an unknown address'}: "
            "add one with `spendanalys users add NAME --role admin`, or bind to 127.0.0.1 "
            "for the single-user demo mode"
        )
    if seed:
        seed_once(store)
    server = flask.Flask("spendanalys.dashboard")
    # X-Forwarded-For/Proto/Host only from the trusted reverse proxies (client address for the
    # login brake, public origin for the same-origin check); from anyone else they are dropped.
    trusted = env.trusted_proxies if env.behind_proxy else ()
    server.wsgi_app = ForwardedHeaders(server.wsgi_app, trusted)  # type: ignore[method-assign]
    # Outermost: the body deadline, and Host and client as received, before any rewriting.
    server.wsgi_app = demo_guard.KeepReceived(  # type: ignore[method-assign]
        body_guard.BodyDeadline(server.wsgi_app, config.max_content_length)
    )
    # Before the security guard, and reading headers only: the demo mode serves this machine
    # only; bodies nobody logged in will be allowed to send are refused unread.
    server.before_request(demo_guard.refuse_outside_demo)
    server.before_request(body_guard.refuse_unread_bodies)
    server.register_error_handler(408, body_guard.too_slow)
    security.install(server, store, config, secret_key())
    server.extensions[JOBS_EXTENSION] = JobBoard(job_dir or env.job_dir or Path("var") / "jobs")
    app = dash.Dash(
        __name__,
        server=server,  # type: ignore[arg-type]
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        assets_folder=str(ASSETS_FOLDER),
        suppress_callback_exceptions=True,
        title="Spendanalys",
        update_title=None,  # type: ignore[arg-type]
    )
    http_headers.install(server, app, https=config.https)
    # After dash.Dash(...): its own first-request hook fills app.callback_map before this reads it.
    guard_callback_shapes(server, lambda: app.callback_map)
    app.layout = _shell
    app.interpolate_index = _with_lang(app.interpolate_index)  # type: ignore[method-assign]
    # Every page but the login page needs a login (checked before Dash serves it).
    server.config[security.PAGE_PATHS_CONFIG] = tuple(path for path, _key in navigation())
    server.add_url_rule("/health", "health", _health)
    server.add_url_rule("/lang/<code>", "language", _set_language)
    _finish_setup(server)
    return app


def _finish_setup(server: flask.Flask) -> None:
    """Serve one internal request, so Dash's first-request setup is done before a real one.

    Dash registers the callbacks (``app.callback_map``, the page router's included) in a
    before-request hook on the first request, unlocked: two concurrent first requests could see
    a half-filled map (a 400 from the shape check, a KeyError inside Dash), and until then the
    pages' callbacks wait in Dash's process-wide list, for whichever app sets up first.
    ``/health`` needs no login and changes nothing. Nothing may be added to ``server`` after
    this (Flask refuses).
    """
    response = server.test_client().get("/health")
    if response.status_code != 200:
        raise ConfigurationError(
            f"the dashboard could not finish its setup: /health answered {response.status_code}"
        )
