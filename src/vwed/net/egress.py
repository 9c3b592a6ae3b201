"""The egress (SSRF) guard: user-supplied URLs may reach only public addresses, unless an admin allows more.

The check runs where the socket is opened: the host is resolved, every address it resolves to is checked,
and the connection goes to a checked address. Redirects open new connections and so are checked too, and
a DNS answer cannot change between the check and the connect. Loopback, private, link-local (cloud
metadata), carrier-grade NAT, multicast, reserved and unspecified addresses are refused unless
`VWED_EGRESS_ALLOW` names the host or a network containing the address.
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


class EgressDenied(BadRequest):
    """The destination is refused by the egress policy."""

    default_key = "egress_denied"


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
        if host.lower().rstrip(".") in self.hosts:
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.networks):
            return True
        return self.public and address.is_global and not address.is_multicast


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
