"""The environment variables the tool reads, in one place, read when asked (a test or a
deployment may change them between two apps in one process).

| variable | meaning | default |
| --- | --- | --- |
| SPENDANALYS_DATABASE_URL | the store (SQLite path or PostgreSQL URL) | ./var/spendanalys.sqlite |
| SPENDANALYS_SECRET_KEY | session signing key, ≥ 32 characters | a random key in var/secret_key |
| SPENDANALYS_HOST | the address the dashboard is bound to (decides the demo mode) | none |
| SPENDANALYS_HTTPS | served over HTTPS: cookies get Secure | off |
| SPENDANALYS_BEHIND_PROXY | one trusted reverse proxy sets X-Forwarded-* | off |
| SPENDANALYS_ALLOWED_ORIGINS | extra origins allowed to write, comma-separated | none |
| SPENDANALYS_MAX_UPLOAD_MB | the largest upload | 25 |
| SPENDANALYS_JOB_DIR | where background upload jobs keep their state | ./var/jobs |
| SPENDANALYS_SAMPLE_DIR | the sample data imported on first start | the checkout's sample_data/ |

A switch is on for ``1``, ``true``, ``yes`` or ``on`` (any case), off for ``0``, ``false``,
``no``, ``off`` or empty; any other value is a configuration error, never a silent "off".
"""

from __future__ import annotations

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
        return cls(
            database_url=_text(environ, DATABASE_URL),
            secret_key=environ.get("SPENDANALYS_SECRET_KEY") or None,
            host=_text(environ, "SPENDANALYS_HOST"),
            https=_switch(environ, "SPENDANALYS_HTTPS"),
            behind_proxy=_switch(environ, "SPENDANALYS_BEHIND_PROXY"),
            allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            max_upload_bytes=max_bytes,
            job_dir=_text(environ, "SPENDANALYS_JOB_DIR"),
            sample_dir=_text(environ, "SPENDANALYS_SAMPLE_DIR"),
        )


def settings() -> Settings:
    """The settings of this process's environment, read now."""
    return Settings.from_environ(os.environ)
