"""Where the dashboard is served: loopback tests on Host headers and addresses, and the
addresses the server actually listens on.

The demo mode (no users) is for this machine only, so it depends on facts, not on a setting:
the listening sockets (gunicorn reports them to ``record_bound`` from the ``post_fork`` hook in
``gunicorn_conf``; ``python app.py`` passes its ``--host``), and per request the Host header,
the client's address and the connection's local address (``demo_guard``). Standard library
only: gunicorn's master process imports this module with its configuration.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

# The sockets the server listens on, as getsockname() gives them: (host, port[, ...]) for TCP,
# a path for a Unix socket. Empty until a server reports them (the dev server does not need to).
_BOUND: list[object] = []


def is_loopback_address(address: object) -> bool:
    """True for an address in 127.0.0.0/8 or ::1 (also IPv4-mapped, ``::ffff:127.0.0.1``).

    False for 0.0.0.0 and ``::`` (every interface), for names, Unix socket paths and anything
    that is not an IP address: the answer must not depend on a resolver.
    """
    if not isinstance(address, str) or not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def is_loopback_host(host: str | None) -> bool:
    """True when a Host header names this machine: ``localhost`` or a loopback address, with or
    without a port (``localhost:8050``, ``127.0.0.1``, ``[::1]:8050``).

    A DNS-rebinding page reaches 127.0.0.1 under its own name (``rebind.evil.example:8050``),
    which is what this refuses; so is a missing Host.
    """
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return False
        return is_loopback_address(name)
    name, colon, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    if colon and not port.isdigit():
        return False
    name = name.rstrip(".")
    return name == "localhost" or is_loopback_address(name)


def record_bound(addresses: Iterable[object]) -> None:
    """Remember the addresses the server listens on (gunicorn's ``post_fork`` hook calls this
    in each worker before the app is built)."""
    _BOUND[:] = list(addresses)


def bound_addresses() -> tuple[object, ...]:
    """The listening addresses reported by the server; empty when none were."""
    return tuple(_BOUND)


def bound_host() -> str | None:
    """The host part to decide the demo mode by: a loopback address when every reported socket
    is on loopback, else the first one that is not (a path for a Unix socket); None when the
    server reported nothing."""
    if not _BOUND:
        return None
    hosts = [str(a[0]) if isinstance(a, tuple) else str(a) for a in _BOUND]
    outside = [h for h in hosts if not is_loopback_address(h)]
    return outside[0] if outside else hosts[0]
