"""Server-side access control for the dashboard: login, roles, CSRF and request-size limits.

Flask-level only (no dash import), so the rules hold for any request, not just for the buttons a
page shows:

- a ``before_request`` guard on every POST refuses a cross-site request (its ``Origin``, else its
  ``Referer``, must be this server or a configured origin) with 403;
- on ``/_dash-update-component`` it refuses anonymous callbacks with 401 (except the public ones:
  the page router and the login form) and callbacks that write with 403 unless the role may
  (``spendanalys.auth.PERMISSIONS``); the callbacks check again themselves;
- a second guard (``callback_shapes.guard_callback_shapes``) then answers 400 to a callback
  request whose body does not fit a registered callback, which Dash would otherwise crash on;
- a GET of a page by an anonymous user is redirected to ``/login``;
- demo mode: bound to a loopback address with no users in the database, the single local user
  acts as admin, and every page says "Demoläge".

Sessions live in Flask's signed cookie, which ends when the browser closes (not "permanent":
that would downgrade flask-login's "strong" protection to "basic"). A request whose session is
no longer valid (``dashboard.sessions``: stale generation, too old, idle) is anonymous and its
cookie is cleared. Logins go through the store's
login brake (``Store.log_in``), shared by every worker; the client address is the direct peer
unless that is a trusted proxy (``dashboard.proxies``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import flask
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from spendanalys import services
from spendanalys.auth import LoginBrake, allowed, client_key
from spendanalys.dashboard import sessions
from spendanalys.dashboard.sessions import SessionPolicy
from spendanalys.errors import AccessDenied, ConfigurationError
from spendanalys.settings import settings

CALLBACK_PATH = "/_dash-update-component"
# The pages that need a login, from Dash's page registry (set by ``app_factory``).
PAGE_PATHS_CONFIG = "SPENDANALYS_PAGE_PATHS"
DEMO_USER = "demo"
_EXTENSION = "spendanalys"
_LOG = logging.getLogger("spendanalys.login")

# Component id → action (``spendanalys.auth``) for every callback output that writes. Pages
# register their write callbacks here through ``writes``; the guard reads it per request.
WRITE_OUTPUTS: dict[str, str] = {}
# Component ids whose callbacks anonymous users may run (router, login form).
PUBLIC_OUTPUTS: set[str] = {"_pages_content", "_pages_store", "_pages_dummy"}


def writes(component_id: str, action: str) -> str:
    """Declare that callbacks with output ``component_id`` perform ``action``; returns the id."""
    WRITE_OUTPUTS[component_id] = action
    return component_id


def public(component_id: str) -> str:
    """Declare that anonymous users may run the callbacks with output ``component_id``."""
    PUBLIC_OUTPUTS.add(component_id)
    return component_id


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for 0.0.0.0 and any other address."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _brake_from_settings() -> LoginBrake:
    return LoginBrake.from_settings(settings())


@dataclass
class SecurityConfig:
    """What the server enforces; ``demo_allowed`` only when bound to a loopback address.

    ``sessions`` and ``brake`` default to the environment's settings; ``clock`` (seconds since
    the epoch) is the time sessions and the brake are judged by, settable for tests."""

    demo_allowed: bool
    https: bool = False
    max_upload_bytes: int = 25 * 1024 * 1024
    allowed_origins: tuple[str, ...] = ()
    sessions: SessionPolicy = field(default_factory=SessionPolicy.from_settings)
    brake: LoginBrake = field(default_factory=_brake_from_settings)
    clock: Callable[[], float] = time.time
    _users_checked_at: float = field(default=0.0, repr=False)
    _has_users: bool = field(default=False, repr=False)

    @property
    def max_content_length(self) -> int:
        """Request body cap: the file as base64 (×4/3) plus 64 KiB for the JSON around it."""
        return -(-self.max_upload_bytes * 4 // 3) + 64 * 1024


class User(UserMixin):
    """A logged-in user; role and session generation are read from the store on every
    request, so a removed user, a new role or password, or a logout elsewhere ends the session
    at once."""

    def __init__(self, name: str, role: str) -> None:
        self.name = name
        self.role = role
        self.id = name


def _state() -> tuple[Any, SecurityConfig]:
    store, config = flask.current_app.extensions[_EXTENSION]
    return store, config


def config_of(server: flask.Flask) -> SecurityConfig:
    """The security configuration ``install`` gave ``server``."""
    config: SecurityConfig = server.extensions[_EXTENSION][1]
    return config


def current_store() -> Any:
    """The application's store."""
    return _state()[0]


def max_upload_bytes() -> int:
    """The largest file an upload may carry, in bytes."""
    return _state()[1].max_upload_bytes


def demo_mode() -> bool:
    """True when the app runs as the single local demo user (loopback, no users yet).

    The users table is consulted at most every 2 seconds, so a user added with
    ``spendanalys users add`` ends demo mode without a restart.
    """
    store, config = _state()
    if not config.demo_allowed:
        return False
    now = time.monotonic()
    if now - config._users_checked_at > 2.0:
        config._has_users = bool(store.has_users())
        config._users_checked_at = now
    return not config._has_users


def current_role() -> str | None:
    """The role of the request's user: admin in demo mode, None when anonymous."""
    if demo_mode():
        return "admin"
    if current_user.is_authenticated:
        return str(current_user.role)
    return None


def current_user_name() -> str | None:
    if demo_mode():
        return DEMO_USER
    return str(current_user.name) if current_user.is_authenticated else None


def may(action: str) -> bool:
    """True when the request's user may perform ``action`` (checked on the server)."""
    return allowed(current_role(), action)


def log_in(name: str, password: str) -> str | None:
    """Check the password through the store's login brake; log the user in and return the
    role, else None. AccessDenied when the brake refuses the attempt: too many failed logins
    for the name or from the client address (``SecurityConfig.brake``), even with the right
    password. A name or password that is not text (only a hand-made request sends one) logs
    nobody in."""
    if not isinstance(name, str) or not isinstance(password, str):
        return None
    store, config = _state()
    now = config.clock()
    client = client_key(flask.request.remote_addr)
    shown = name[:100]
    try:
        account = store.log_in(
            name, password, client, config.brake, now=datetime.fromtimestamp(now, UTC)
        )
    except AccessDenied:
        _LOG.warning("login refused (too many failures): name %r from %s", shown, client)
        raise
    if account is None:
        _LOG.warning("failed login: name %r from %s", shown, client)
        return None
    flask.session.clear()
    login_user(User(name, account.role))
    flask.session.permanent = False  # see the module docstring
    sessions.start(flask.session, account.generation, now)
    return str(account.role)


def _load_user(user_id: str) -> User | None:
    """flask-login's user loader: the session's user while its session is valid."""
    store, config = _state()
    account = store.session_account(user_id)
    now = config.clock()
    problem = sessions.problem(flask.session, account, config.sessions, now)
    if account is None or problem is not None:
        flask.session.clear()
        flask.g.session_ended = problem or "ended"
        return None
    sessions.touch(flask.session, now)
    return User(user_id, account.role)


def session_ended() -> str | None:
    """Why this request's session was ended (``ended``, ``expired``, ``idle``), else None."""
    reason = flask.g.get("session_ended")
    return str(reason) if reason else None


def _same_origin(url: str, allowed_origins: Iterable[str]) -> bool:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    here = flask.request.host_url.rstrip("/").lower()
    return origin == here or origin in {o.rstrip("/").lower() for o in allowed_origins}


def _cross_site(config: SecurityConfig) -> bool:
    source = flask.request.headers.get("Origin") or flask.request.headers.get("Referer")
    if not source or source == "null":
        return True
    return not _same_origin(source, config.allowed_origins)


def _output_ids(body: dict[str, Any]) -> set[str]:
    """Component ids named by a callback request (its ``output`` key and ``outputs`` list)."""
    ids: set[str] = set()
    outputs = body.get("outputs")
    for item in outputs if isinstance(outputs, list) else [outputs]:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ids.add(item["id"])
    key = body.get("output")
    if isinstance(key, str):
        for part in re.split(r"\.\.\.|^\.\.|\.\.$", key):
            if part and "." in part and not part.startswith("{"):
                ids.add(part.rsplit(".", 1)[0].split("@", 1)[0])
    return ids


def json_body() -> Any:
    """The request's JSON body; None when none parses (a nesting too deep for Python included)."""
    try:
        return flask.request.get_json(silent=True)
    except RecursionError:  # not a ValueError, so ``silent`` lets it through (500)
        return None


def _guard_callback(config: SecurityConfig) -> ResponseReturnValue | None:
    body = json_body()
    if not isinstance(body, dict):
        return None  # guard_callback_shapes answers 400, Dash 415 for a body that is not JSON
    ids = _output_ids(body)
    role = current_role()
    if role is None and not ids <= PUBLIC_OUTPUTS:
        return flask.Response("Logga in först. / Please log in.", 401, mimetype="text/plain")
    for component_id in ids:
        action = WRITE_OUTPUTS.get(component_id)
        if action is not None and not allowed(role, action):
            return flask.Response(
                f"Din roll får inte göra detta ({action}). / Your role may not {action}.",
                403,
                mimetype="text/plain",
            )
    return None


def _before_request() -> ResponseReturnValue | None:
    _, config = _state()
    request = flask.request
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if request.content_length and request.content_length > config.max_content_length:
            flask.abort(413)  # before any parsing: the body is not read
        if _cross_site(config):
            return flask.Response(
                "Förfrågan kom från en annan webbplats. / Cross-site request refused.",
                403,
                mimetype="text/plain",
            )
        if request.path == CALLBACK_PATH:
            return _guard_callback(config)
        return None
    pages = flask.current_app.config.get(PAGE_PATHS_CONFIG, ())
    if request.path in pages and current_role() is None:
        reason = session_ended()
        return flask.redirect(
            f"/login?next={request.path}" + (f"&ended={reason}" if reason else "")
        )
    return None


def _after_request(response: flask.Response) -> flask.Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _too_large(_error: Exception) -> ResponseReturnValue:
    _, config = _state()
    mb = config.max_upload_bytes / (1024 * 1024)
    return flask.Response(
        f"Filen är för stor: högst {mb:.0f} MB. / The file is too large: at most {mb:.0f} MB.",
        413,
        mimetype="text/plain",
    )


def _logout() -> ResponseReturnValue:
    """End the user's sessions everywhere (the generation moves on), then this cookie."""
    if current_user.is_authenticated:
        # A user removed meanwhile has no valid session left anyway.
        with contextlib.suppress(ConfigurationError):
            current_store().end_sessions(str(current_user.name))
    logout_user()
    flask.session.clear()
    return flask.redirect("/login")


def install(
    server: flask.Flask, store: services.Store, config: SecurityConfig, secret_key: str
) -> None:
    """Configure ``server``: secret key, cookie flags, body limit, login manager and guards."""
    server.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.https,
        SESSION_COOKIE_NAME="spendanalys_session",
        REMEMBER_COOKIE_SECURE=config.https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        SESSION_REFRESH_EACH_REQUEST=False,
        SESSION_PROTECTION="strong",
        MAX_CONTENT_LENGTH=config.max_content_length,
    )
    server.extensions[_EXTENSION] = (store, config)
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.init_app(server)

    manager.user_loader(_load_user)
    server.before_request(_before_request)
    server.after_request(_after_request)
    server.register_error_handler(413, _too_large)
    server.add_url_rule("/logout", "logout", _logout, methods=["POST"])
