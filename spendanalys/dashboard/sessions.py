"""What a dashboard session carries and when it ends (pure: the session is a mapping).

Besides flask-login's keys, the signed session cookie carries the user's *session generation*
(``store.users``: logout, a new password or role, or removing the user moves it on), the time
of login and the time of the last request, in seconds since the epoch. A session is valid while
its generation is the user's, its login is less than ``SessionPolicy.absolute_s`` old, however
busy it has been, and its last request less than ``SessionPolicy.idle_s`` ago.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from spendanalys.settings import settings

GENERATION, LOGIN_AT, SEEN_AT = "generation", "login_at", "seen_at"
# The last-request time is rewritten at most once a minute, so the cookie is not re-sent with
# every response (the idle lifetime is that much less exact).
SEEN_RESOLUTION_S = 60.0
# Workers on several hosts may disagree on the time by this much; a login "from the future"
# beyond it (a wrong clock) is no session.
CLOCK_SKEW_S = 300.0
ENDED, EXPIRED, IDLE = "ended", "expired", "idle"


@dataclass(frozen=True)
class SessionPolicy:
    """How long a login lasts: ``absolute_s`` seconds at most, ``idle_s`` without a request."""

    absolute_s: float
    idle_s: float

    @classmethod
    def from_settings(cls) -> SessionPolicy:
        """The lifetimes the environment asks for (``SPENDANALYS_SESSION_*``)."""
        values = settings()
        return cls(values.session_hours * 3600, values.session_idle_minutes * 60)


def start(session: MutableMapping[str, Any], generation: int, now: float) -> None:
    """Mark ``session`` as logged in at ``now`` with the user's current ``generation``."""
    session.update({GENERATION: generation, LOGIN_AT: now, SEEN_AT: now})


def problem(
    session: MutableMapping[str, Any], account: Any, policy: SessionPolicy, now: float
) -> str | None:
    """Why ``session`` may not go on at ``now`` for ``account`` (the store's ``Account`` or
    None when the user is gone): ``ended``, ``expired`` or ``idle``; None while it is valid."""
    generation, login_at, seen_at = (session.get(k) for k in (GENERATION, LOGIN_AT, SEEN_AT))
    if account is None or type(generation) is not int or generation != account.generation:
        return ENDED
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return ENDED
    if not login_at - CLOCK_SKEW_S <= now < login_at + policy.absolute_s:
        return EXPIRED
    if now >= seen_at + policy.idle_s:
        return IDLE
    return None


def touch(session: MutableMapping[str, Any], now: float) -> None:
    """Record a request at ``now`` (at most once per ``SEEN_RESOLUTION_S``)."""
    if now - session[SEEN_AT] >= SEEN_RESOLUTION_S:
        session[SEEN_AT] = now
