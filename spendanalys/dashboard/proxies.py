"""Whose X-Forwarded-* headers to believe: only those of the configured reverse proxies.

``ForwardedHeaders`` wraps the WSGI app of every dashboard. A request that comes straight from
a trusted proxy (``SPENDANALYS_BEHIND_PROXY=1``; ``SPENDANALYS_TRUSTED_PROXIES``, by default
the loopback addresses) gets its client address from ``X-Forwarded-For`` and its scheme and host
from ``X-Forwarded-Proto`` and ``X-Forwarded-Host``. The client is the rightmost address of
``X-Forwarded-For`` that is not itself a trusted proxy: the entries to its left were written by
the client and prove nothing. A request from any other peer keeps its own address however many
headers it sends, so rotating ``X-Forwarded-For`` does not reset the login brake.

Either way the forwarding headers are removed before Flask sees the request, so nothing later
(flask-login's session identifier reads ``X-Forwarded-For`` itself) can be fooled by them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

# The WSGI environ keys of the forwarding headers (RFC 7239 ``Forwarded`` is not used: removed).
FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"
FORWARDED_HOST = "HTTP_X_FORWARDED_HOST"
REMOVED = (
    FORWARDED_FOR,
    FORWARDED_PROTO,
    FORWARDED_HOST,
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_FORWARDED",
)
# Where the headers a trusted proxy sent are kept for logging (the peer included).
ORIGINAL = "spendanalys.forwarded"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(addresses: Iterable[str]) -> tuple[Network, ...]:
    """Networks from addresses or CIDR ranges (``10.0.0.5``, ``10.0.0.0/24``, ``::1``)."""
    return tuple(ipaddress.ip_network(a.strip(), strict=False) for a in addresses)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _last(value: str) -> str:
    return value.rsplit(",", 1)[-1].strip()


class ForwardedHeaders:
    """WSGI middleware applying the rule in the module docstring; ``trusted`` empty: no proxy
    is trusted and the headers are only removed."""

    def __init__(self, app: Callable[..., Any], trusted: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = parse_networks(trusted)

    def is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def client(self, peer: str, forwarded_for: str) -> str:
        """The client's address for a request from ``peer`` with ``forwarded_for``."""
        if not self.is_trusted(_address(peer)):
            return peer
        client = peer
        for entry in reversed([e for e in forwarded_for.split(",") if e.strip()]):
            address = _address(entry)
            if address is None:
                break  # a malformed hop: believe nothing to its left
            client = str(address)
            if not self.is_trusted(address):
                break
        return client

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        headers = {key: environ.pop(key) for key in REMOVED if key in environ}
        peer = str(environ.get("REMOTE_ADDR") or "")
        if headers and self.is_trusted(_address(peer)):
            environ[ORIGINAL] = {"REMOTE_ADDR": peer, **headers}
            environ["REMOTE_ADDR"] = self.client(peer, headers.get(FORWARDED_FOR, ""))
            proto = _last(headers.get(FORWARDED_PROTO, "")).lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = _last(headers.get(FORWARDED_HOST, ""))
            if host:
                environ["HTTP_HOST"] = host
        return self.app(environ, start_response)
