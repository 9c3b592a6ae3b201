"""The egress (SSRF) guard: user-supplied URLs may reach only public addresses, unless an admin allows more.

The check runs where the socket is opened: the host is resolved, every address it resolves to is checked,
and the connection goes to a checked address. Redirects open new connections and so are checked too, and
a DNS answer cannot change between the check and the connect. Loopback, private, link-local (cloud
metadata), carrier-grade NAT, multicast, reserved and unspecified addresses are refused unless
`VWED_EGRESS_ALLOW` names the host or a network containing the address.

An IPv6 address that embeds or reaches an IPv4 address (mapped `::ffff:0:0/96`, translated
`::ffff:0:0:0/96`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16`,
Teredo `2001::/32`) is judged by the IPv4 addresses it reaches; deprecated site-local `fec0::/10` is
refused. IPv4 spellings (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) are whatever the resolver makes
of them, and the address it returns is what is checked.

Libraries that open their own connections through urllib3 (Apprise, via `requests`) are guarded by
`guard_urllib3`, which puts the same check inside urllib3's `create_connection`, redirects included.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpcore
import httpx

from vwed.config import Settings
from vwed.errors import BadRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_V6 = ipaddress.IPv6Network
_MAPPED = _V6("::ffff:0:0/96")
_TRANSLATED = _V6("::ffff:0:0:0/96")
_COMPATIBLE = _V6("::/96")
_NAT64 = _V6("64:ff9b::/96")
_NAT64_LOCAL = _V6("64:ff9b:1::/48")
_SIXTOFOUR = _V6("2002::/16")
_TEREDO = _V6("2001::/32")
_SITE_LOCAL = _V6("fec0::/10")


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address embeds or reaches (empty for plain IPv6 and for IPv4)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _MAPPED or address in _TRANSLATED or address in _NAT64 or address in _COMPATIBLE:
        return [low]
    if address in _NAT64_LOCAL:
        # RFC 6052 with a /48 prefix: the IPv4 address is in bytes 6-7 and 9-10 (byte 8 is zero).
        raw = address.packed
        return [ipaddress.IPv4Address(raw[6:8] + raw[9:11])]
    if address in _SIXTOFOUR and address.sixtofour is not None:
        return [address.sixtofour]
    if address in _TEREDO and address.teredo is not None:
        return list(address.teredo)
    return []


def _public(address: IPAddress) -> bool:
    return address.is_global and not address.is_multicast


class EgressDenied(BadRequest):
    """The destination is refused by the egress policy."""

    default_key = "egress_denied"


class EgressRefusedConnection(ConnectionRefusedError):
    """A connection refused by the egress policy inside a library (an OSError, as libraries expect)."""


class InvalidUrl(BadRequest):
    """The URL is not an http(s) URL with a host."""

    default_key = "invalid_url"


@dataclass(frozen=True)
class EgressPolicy:
    """Which non-public destinations are allowed: host names and networks from `VWED_EGRESS_ALLOW`.

    With `public` off (`VWED_EGRESS_PUBLIC=false`, as `make fuzz` runs) nothing but the allow-list is
    reachable, and a name not on it is refused before it is even looked up: no packet, not even a DNS
    query, leaves for it.
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default_factory=tuple)
    public: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> EgressPolicy:
        """The policy `VWED_EGRESS_ALLOW` and `VWED_EGRESS_PUBLIC` describe."""
        return cls.parse(settings.egress_allow, public=settings.egress_public)

    def may_resolve(self, host: str) -> bool:
        """Whether `host` may be looked up at all (always, unless public destinations are off)."""
        if self.public or host.lower().rstrip(".") in self.hosts:
            return True
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

    @classmethod
    def parse(cls, allow: str, public: bool = True) -> EgressPolicy:
        """Build a policy from a comma-separated list of host names, addresses and CIDRs."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in allow.split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(hosts=frozenset(hosts), networks=tuple(networks), public=public)

    def allows(self, host: str, address: IPAddress) -> bool:
        """Whether `host`, resolved to `address`, may be connected to."""
        if host.lower().rstrip(".") in self.hosts or self._listed(address):
            return True
        embedded = embedded_ipv4(address)
        if embedded:
            return all(self._listed(v4) or (self.public and _public(v4)) for v4 in embedded)
        if address in _SITE_LOCAL:
            return False
        return self.public and _public(address)

    def _listed(self, address: IPAddress) -> bool:
        return any(address.version == network.version and address in network for network in self.networks)


def validate_url(url: str) -> str:
    """Check that `url` is an absolute http(s) URL with a host; return it unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidUrl(url=url)
    return url


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to, for TCP on `port`."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


async def checked_addresses(policy: EgressPolicy, host: str, port: int) -> list[IPAddress]:
    """Resolve `host` and refuse it when any address it resolves to is not allowed."""
    if not policy.may_resolve(host):
        raise EgressDenied(host=host, address="-")
    addresses = await resolve(host, port)
    for address in addresses:
        if not policy.allows(host, address):
            raise EgressDenied(host=host, address=str(address))
    return addresses


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the policy allows."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(self.policy, host, port)
        return await self.inner.connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressDenied(host=path, address="unix")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose every connection passes the egress policy."""

    def __init__(self, policy: EgressPolicy, limits: httpx.Limits | None = None) -> None:
        super().__init__(trust_env=False)
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        # httpx builds its pool without a way to pass a network backend; replace it with one that has ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy),
        )


def guarded_socket(
    policy: EgressPolicy,
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
    socket_options: Iterable[tuple[int, int, int | bytes]] | None = None,
) -> socket.socket:
    """A connected TCP socket to `address` (host, port) if the policy allows every address it resolves
    to; `EgressRefusedConnection` otherwise, before any packet. The signature of urllib3's
    `create_connection`."""
    host, port = address
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
    for checked in addresses:
        if not policy.allows(host, checked):
            raise EgressRefusedConnection(f"egress policy refuses {host} ({checked})")
    family = socket.AF_INET6 if addresses[0].version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        for level, option, value in socket_options or ():
            sock.setsockopt(level, option, value)
        if timeout is not None:
            sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect((str(addresses[0]), port))
    except BaseException:
        sock.close()
        raise
    return sock


def guard_urllib3(policy: EgressPolicy) -> None:
    """Make every connection urllib3 opens in this process pass `policy` (Apprise uses it via requests).

    Nothing else in the server uses urllib3, so the guard applies to user-supplied destinations only.
    Calling it again replaces the policy.
    """
    from urllib3.util import connection

    def create_connection(
        address: tuple[str, int],
        timeout: Any = None,
        source_address: tuple[str, int] | None = None,
        socket_options: Any = None,
    ) -> socket.socket:
        if not isinstance(timeout, int | float):
            timeout = None
        return guarded_socket(policy, address, timeout, source_address, socket_options)

    connection.create_connection = create_connection


def guarded_client(
    policy: EgressPolicy, timeout: float = 10.0, follow_redirects: bool = True, max_redirects: int = 5
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` for user-supplied URLs: egress-guarded, no proxies from the environment."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy),
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,
    )
