"""The environment variables the tool reads, in one place, read when asked (a test or a
deployment may change them between two apps in one process).

| variable | meaning | default |
| --- | --- | --- |
| SPENDANALYS_DATABASE_URL | the store (SQLite path or PostgreSQL URL) | ./var/spendanalys.sqlite |
| SPENDANALYS_SECRET_KEY | session signing key, ≥ 32 characters | a random key in var/secret_key |
| SPENDANALYS_HOST | the bound address, when the server does not report it (decides the demo mode; gunicorn with gunicorn_conf reports its own) | none |
| SPENDANALYS_HTTPS | served over HTTPS: cookies get Secure | off |
| SPENDANALYS_BEHIND_PROXY | a reverse proxy sets X-Forwarded-* (see the next line) | off |
| SPENDANALYS_TRUSTED_PROXIES | addresses or networks whose X-Forwarded-* is believed, comma-separated | 127.0.0.1, ::1 |
| SPENDANALYS_ALLOWED_ORIGINS | extra origins allowed to write, comma-separated | none |
| SPENDANALYS_MAX_UPLOAD_MB | the largest upload | 25 |
| SPENDANALYS_JOB_DIR | where background upload jobs keep their state | ./var/jobs |
| SPENDANALYS_SAMPLE_DIR | the sample data imported on first start | the checkout's sample_data/ |
| SPENDANALYS_KEEP_VERSIONS | superseded dataset versions kept whole per kind (`all`: every one) | 5 |
| SPENDANALYS_UPLOADS_PER_HOUR | uploads one user may start within an hour | 20 |
| SPENDANALYS_JOBS_PER_USER | one user's uploads queued or running at once | 2 |
| SPENDANALYS_SESSION_HOURS | a login lasts at most this long, however busy | 12 |
| SPENDANALYS_SESSION_IDLE_MINUTES | a login ends after this long without a request | 60 |
| SPENDANALYS_LOGIN_FAILURES | wrong passwords per user name within the window | 5 |
| SPENDANALYS_LOGIN_CLIENT_FAILURES | wrong passwords per client address within the window | 30 |
| SPENDANALYS_LOGIN_WINDOW_MINUTES | the window of the two counts above | 15 |
| SPENDANALYS_PASSWORD_HASH_COST | scrypt cost as log2 N, 14–20 (lower only for tests) | 17 |
| SPENDANALYS_FACTOR_SET | the built-in spend factor set that prices the headline (`epa` or `exiobase-no`); the other is always shown beside it | epa |

Once the login brake's count is reached, further logins for that name (or from that address)
are refused until the window has passed. ``SPENDANALYS_TRUSTED_PROXIES`` needs
``SPENDANALYS_BEHIND_PROXY=1``.

A switch is on for ``1``, ``true``, ``yes`` or ``on`` (any case), off for ``0``, ``false``,
``no``, ``off`` or empty; any other value is a configuration error, never a silent "off".
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from spendanalys.errors import ConfigurationError

ON = frozenset({"1", "true", "yes", "on"})
OFF = frozenset({"", "0", "false", "no", "off"})
DATABASE_URL = "SPENDANALYS_DATABASE_URL"


def _switch(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ON:
        return True
    if value in OFF:
        return False
    raise ConfigurationError(
        f"{name}={environ[name]!r}: expected one of 1/true/yes/on, 0/false/no/off"
    )


def _text(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _count(environ: Mapping[str, str], name: str, default: int, low: int) -> int | None:
    """A whole number ≥ ``low``; ``all`` (any case) for no limit, returned as None."""
    text = _text(environ, name)
    if text is None:
        return default
    if text.lower() == "all":
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < low:
        raise ConfigurationError(f"{name}={text!r}: expected a whole number ≥ {low} or 'all'")
    return int(text)


def _number(
    environ: Mapping[str, str], name: str, default: float, low: float, high: float
) -> float:
    """A number from ``low`` to ``high``; anything else is a configuration error."""
    text = _text(environ, name)
    if text is None:
        return float(default)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ConfigurationError(f"{name}={text!r}: expected a number from {low:g} to {high:g}")
    return value


def _whole(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``."""
    value = _number(environ, name, default, low, high)
    if not value.is_integer():
        raise ConfigurationError(f"{name}={environ[name]!r}: expected a whole number")
    return int(value)


def _addresses(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    words = tuple(w.strip() for w in environ.get(name, "").split(",") if w.strip())
    for word in words:
        try:
            ipaddress.ip_network(word, strict=False)
        except ValueError:
            raise ConfigurationError(
                f"{name}: {word!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
            ) from None
    return words


@dataclass(frozen=True)
class Settings:
    """The tool's environment settings (see the module docstring for each)."""

    database_url: str | None = None
    secret_key: str | None = None
    host: str | None = None
    https: bool = False
    behind_proxy: bool = False
    allowed_origins: tuple[str, ...] = ()
    max_upload_bytes: int = 25 * 1024 * 1024
    job_dir: str | None = None
    sample_dir: str | None = None
    keep_versions: int | None = 5  # None: keep every version
    uploads_per_hour: int | None = 20
    jobs_per_user: int | None = 2
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    session_hours: float = 12.0
    session_idle_minutes: float = 60.0
    login_failures: int = 5
    login_client_failures: int = 30
    login_window_minutes: float = 15.0
    password_hash_cost: int = 17

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        megabytes = _text(environ, "SPENDANALYS_MAX_UPLOAD_MB") or "25"
        try:
            max_bytes = int(float(megabytes) * 1024 * 1024)
        except ValueError:
            raise ConfigurationError(
                f"SPENDANALYS_MAX_UPLOAD_MB={megabytes!r}: expected a number of megabytes"
            ) from None
        origins = environ.get("SPENDANALYS_ALLOWED_ORIGINS", "")
        behind_proxy = _switch(environ, "SPENDANALYS_BEHIND_PROXY")
        proxies = _addresses(environ, "SPENDANALYS_TRUSTED_PROXIES")
        if proxies and not behind_proxy:
            raise ConfigurationError(
                "SPENDANALYS_TRUSTED_PROXIES is set but SPENDANALYS_BEHIND_PROXY is off: "
                "set SPENDANALYS_BEHIND_PROXY=1 too, or remove the list"
            )
        return cls(
            database_url=_text(environ, DATABASE_URL),
            secret_key=environ.get("SPENDANALYS_SECRET_KEY") or None,
            host=_text(environ, "SPENDANALYS_HOST"),
            https=_switch(environ, "SPENDANALYS_HTTPS"),
            behind_proxy=behind_proxy,
            allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            max_upload_bytes=max_bytes,
            job_dir=_text(environ, "SPENDANALYS_JOB_DIR"),
            sample_dir=_text(environ, "SPENDANALYS_SAMPLE_DIR"),
            keep_versions=_count(environ, "SPENDANALYS_KEEP_VERSIONS", 5, 0),
            uploads_per_hour=_count(environ, "SPENDANALYS_UPLOADS_PER_HOUR", 20, 1),
            jobs_per_user=_count(environ, "SPENDANALYS_JOBS_PER_USER", 2, 1),
            trusted_proxies=proxies or cls.trusted_proxies,
            session_hours=_number(environ, "SPENDANALYS_SESSION_HOURS", 12, 0.01, 24 * 30),
            session_idle_minutes=_number(
                environ, "SPENDANALYS_SESSION_IDLE_MINUTES", 60, 1, 24 * 60 * 30
            ),
            login_failures=_whole(environ, "SPENDANALYS_LOGIN_FAILURES", 5, 1, 1000),
            login_client_failures=_whole(
                environ, "SPENDANALYS_LOGIN_CLIENT_FAILURES", 30, 1, 100_000
            ),
            login_window_minutes=_number(
                environ, "SPENDANALYS_LOGIN_WINDOW_MINUTES", 15, 0.1, 24 * 60
            ),
            password_hash_cost=_whole(environ, "SPENDANALYS_PASSWORD_HASH_COST", 17, 14, 20),
        )


def settings() -> Settings:
    """The settings of this process's environment, read now."""
    return Settings.from_environ(os.environ)


# The built-in spend factor sets' names (spend.sensitivity.BUILTIN_SETS holds their files; a
# test keeps the two lists equal: the small core imports no room).
FACTOR_SET_NAMES = ("epa", "exiobase-no")


def headline_factor_set(environ: Mapping[str, str] | None = None) -> str:
    """The built-in factor set that prices the headline figures: ``SPENDANALYS_FACTOR_SET``
    (``epa`` when unset). An unknown name is a configuration error, never a silent default."""
    env = os.environ if environ is None else environ
    value = (_text(env, "SPENDANALYS_FACTOR_SET") or FACTOR_SET_NAMES[0]).lower()
    if value not in FACTOR_SET_NAMES:
        raise ConfigurationError(
            f"SPENDANALYS_FACTOR_SET={value!r}: expected one of {', '.join(FACTOR_SET_NAMES)}"
        )
    return value
