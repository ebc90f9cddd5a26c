"""Password hashing, roles and what each role may do.

Passwords are stored as scrypt hashes (RFC 7914, ``hashlib.scrypt``) with a random 16-byte salt
per user, in the self-describing form ``scrypt$N$r$p$salt$hash`` (salt and hash base64). The
cost (N=2**14, r=8, p=1: 16 MiB and some tens of milliseconds per check) is stored with the hash,
so it can be raised later without invalidating existing users. Verification compares in
constant time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from spendanalys.errors import AccessDenied, ConfigurationError

# The dashboard roles, least to most privileged.
ROLES: tuple[str, ...] = ("viewer", "procurement", "environment", "admin")

MIN_PASSWORD_LENGTH = 8
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
_MAXMEM = 64 * 1024 * 1024

# What each role may change. Reading is open to every logged-in role.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "procurement": frozenset(
        {"import:contracts", "import:invoices", "edit:category_overrides", "edit:supplier_factors"}
    ),
    "environment": frozenset({"import:trips", "import:fte", "edit:goal_settings"}),
    "admin": frozenset(
        {
            "import:contracts",
            "import:invoices",
            "import:trips",
            "import:fte",
            "edit:category_overrides",
            "edit:supplier_factors",
            "edit:goal_settings",
            "manage:users",
            "manage:versions",
        }
    ),
}


def check_role(role: str) -> str:
    """Return ``role`` when it is one of ROLES, else raise ConfigurationError."""
    if role not in ROLES:
        raise ConfigurationError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


def allowed(role: str | None, action: str) -> bool:
    """True when ``role`` may perform ``action`` (e.g. ``import:invoices``)."""
    return role is not None and action in PERMISSIONS.get(role, frozenset())


def require(role: str | None, action: str) -> None:
    """Raise AccessDenied unless ``role`` may perform ``action``; call it on the server side."""
    if not allowed(role, action):
        raise AccessDenied(f"role {role or 'anonymous'!r} may not {action}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=dklen
    )


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short or contain control characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise ConfigurationError("the password must not contain control characters")


def hash_password(password: str) -> str:
    """An scrypt hash of ``password`` with a fresh random salt, as ``scrypt$N$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P, _DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (constant-time comparison of the digests)."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
        actual = _scrypt(password, salt, int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Verifying against this when a user does not exist costs the same time as a real check, so
# response times do not reveal which user names exist.
@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_unknown_user(password: str) -> bool:
    """Spend the time of a real check and return False."""
    verify_password(password, _dummy_hash())
    return False
