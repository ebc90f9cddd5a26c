"""Password hashing and policy, roles and what each role may do, and the login brake's limits.

Passwords are stored as scrypt hashes (RFC 7914, ``hashlib.scrypt``) with a random 16-byte salt
per user, in the self-describing form ``scrypt$N$r$p$salt$hash`` (salt and hash base64). The
cost is N=2**17, r=8, p=1 (128 MiB and about a third of a second per check; OWASP's password
storage cheat sheet suggests 2**17); ``SPENDANALYS_PASSWORD_HASH_COST`` (log2 N) changes it, for
tests. The cost is stored with the hash, so older hashes (the first releases used N=2**14)
still verify and ``needs_rehash`` tells the store to replace them at the next successful login. Verification compares in constant time; at most ``MAX_CONCURRENT_HASHES``
run at once per process, so a burst of logins cannot take the memory of many 128 MiB checks.

A new password must have at least ``MIN_PASSWORD_LENGTH`` characters, not only whitespace,
no control characters, at least ``MIN_DISTINCT_CHARACTERS`` different characters, and must not
be one of the common passwords in ``common_passwords.txt`` (also not with digits or punctuation
added around it).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from importlib.resources import files

from spendanalys.errors import AccessDenied, ConfigurationError
from spendanalys.settings import Settings, settings

# The dashboard roles, least to most privileged.
ROLES: tuple[str, ...] = ("viewer", "procurement", "environment", "admin")

MIN_PASSWORD_LENGTH = 12
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS_FILE = "common_passwords.txt"

SCRYPT_R, SCRYPT_P = 8, 1
_DKLEN = 32
_MAX_N = 2**20  # a stored hash asking for more (1 GiB) is refused, not computed
MAX_CONCURRENT_HASHES = 4
_HASHING = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


@dataclass(frozen=True)
class LoginBrake:
    """How many logins may fail within ``window_s`` seconds: per user name (``per_account``)
    and per client address (``per_client``, see ``client_key``); once either count is reached,
    further attempts are refused until the window has passed, even with the right password."""

    per_account: int
    per_client: int
    window_s: float

    @classmethod
    def from_settings(cls, values: Settings) -> LoginBrake:
        """The brake the environment asks for (``SPENDANALYS_LOGIN_*``)."""
        return cls(
            values.login_failures, values.login_client_failures, values.login_window_minutes * 60
        )


def client_key(address: str | None) -> str:
    """The key the login brake counts a client address under: an IPv4 address as it is, an
    IPv6 address by its /64 network (one host commonly holds a whole /64), else ``unknown``."""
    try:
        parsed = ipaddress.ip_address((address or "").strip("[]"))
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


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
    # OpenSSL refuses unless maxmem exceeds the 128·r·N bytes the work array needs; twice that
    # leaves room for its other buffers.
    maxmem = 2 * 128 * r * (n + p + 2) + 1024 * 1024
    with _HASHING:
        return hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=dklen
        )


@functools.cache
def common_passwords() -> frozenset[str]:
    """The refused common passwords (casefolded), from the packaged ``common_passwords.txt``."""
    text = (files("spendanalys") / COMMON_PASSWORDS_FILE).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(_normal(line) for line in lines if line and not line.startswith("#"))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _core(text: str) -> str:
    """``text`` without the digits, spaces and punctuation around it ("lösenord2024!" → ...)."""
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return text[start:end]


def check_password_policy(password: str) -> None:
    """Refuse (ConfigurationError, saying why) a password that is too short, only whitespace,
    has control characters or too few different characters, or is a common password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if not password.strip():
        raise ConfigurationError("the password must not be only spaces")
    if any(unicodedata.category(c) == "Cc" for c in password):
        raise ConfigurationError("the password must not contain control characters")
    if len(set(_normal(password))) < MIN_DISTINCT_CHARACTERS:
        raise ConfigurationError(
            f"the password must have at least {MIN_DISTINCT_CHARACTERS} different characters"
        )
    normal = _normal(password).strip()
    core = _core(normal)
    common = common_passwords()
    if normal in common or normal.replace(" ", "") in common or (core and core in common):
        raise ConfigurationError(
            "the password is one of the most common passwords (or one with digits or signs "
            "added); choose a longer phrase of your own"
        )


def scrypt_n() -> int:
    """The scrypt cost N for new hashes: 2 ** ``SPENDANALYS_PASSWORD_HASH_COST`` (2**17)."""
    return int(2 ** settings().password_hash_cost)


def hash_password(password: str, n: int | None = None) -> str:
    """An scrypt hash of ``password`` with a fresh random salt, as ``scrypt$N$r$p$salt$hash``,
    at cost ``n`` (default ``scrypt_n()``)."""
    n = scrypt_n() if n is None else n
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, SCRYPT_R, SCRYPT_P, _DKLEN)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _parts(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return None
        cost = (int(n), int(r), int(p))
        salt = base64.b64decode(salt_b64, validate=True)
        digest = base64.b64decode(digest_b64, validate=True)
    except (ValueError, TypeError):
        return None
    if not (1 < cost[0] <= _MAX_N and 0 < cost[1] <= 64 and 0 < cost[2] <= 16 and digest):
        return None
    return (*cost, salt, digest)


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (constant-time comparison of the digests)."""
    parts = _parts(stored)
    if parts is None:
        return False
    n, r, p, salt, expected = parts
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with a lower cost than ``scrypt_n()`` (or other r, p)."""
    parts = _parts(stored)
    return parts is None or parts[0] < scrypt_n() or parts[1:3] != (SCRYPT_R, SCRYPT_P)


# Verifying against this when a user does not exist costs the same time as a real check, so
# response times do not reveal which user names exist.
@functools.cache
def _dummy_hash(n: int) -> str:
    return hash_password(secrets.token_urlsafe(16), n)


def verify_unknown_user(password: str) -> bool:
    """Spend the time of a real check and return False."""
    verify_password(password, _dummy_hash(scrypt_n()))
    return False
