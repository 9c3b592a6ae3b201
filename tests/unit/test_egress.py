"""The egress guard refuses non-public destinations before any packet leaves, unless allow-listed."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from tests.servers import LocalServer
from vwed.net.egress import (
    EgressDenied,
    EgressPolicy,
    InvalidUrl,
    checked_addresses,
    embedded_ipv4,
    guard_urllib3,
    guarded_client,
    validate_url,
)


@pytest.fixture
async def local() -> AsyncIterator[LocalServer]:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/to")
    async def to(url: str) -> RedirectResponse:
        return RedirectResponse(url)

    async with LocalServer(app) as server:
        yield server


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.0.0.2",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    assert not EgressPolicy.parse("").allows("example", ipaddress.ip_address(address))


def test_public_addresses_are_allowed() -> None:
    policy = EgressPolicy.parse("")
    assert policy.allows("example.com", ipaddress.ip_address("93.184.216.34"))
    assert policy.allows("example.com", ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"))


def test_allow_list_names_hosts_and_networks() -> None:
    policy = EgressPolicy.parse(" 127.0.0.1 , fakebot.local, 10.0.0.0/8 ")
    assert policy.allows("x", ipaddress.ip_address("127.0.0.1"))
    assert not policy.allows("x", ipaddress.ip_address("127.0.0.2"))
    assert policy.allows("FakeBot.Local.", ipaddress.ip_address("192.168.1.5"))
    assert policy.allows("x", ipaddress.ip_address("10.9.8.7"))


def test_only_http_urls_with_a_host_are_valid() -> None:
    assert validate_url("https://oapi.dingtalk.com/robot/send?access_token=x")
    for bad in ["ftp://x/y", "file:///etc/passwd", "http://", "javascript:alert(1)", "no-scheme.com/x"]:
        with pytest.raises(InvalidUrl):
            validate_url(bad)


async def test_allowed_loopback_is_reached(local: LocalServer) -> None:
    async with guarded_client(EgressPolicy.parse("127.0.0.1")) as client:
        response = await client.get(f"{local.url}/hello")
    assert response.json() == {"hello": "world"}


async def test_loopback_not_in_the_allow_list_is_refused(local: LocalServer) -> None:
    async with guarded_client(EgressPolicy.parse("127.0.0.1")) as client:
        with pytest.raises(EgressDenied) as denied:
            await client.get(f"http://127.0.0.2:{local.port}/hello")
    assert denied.value.params == {"host": "127.0.0.2", "address": "127.0.0.2"}


async def test_decimal_encoded_loopback_is_refused(local: LocalServer) -> None:
    # 2130706433 == 127.0.0.1: the check applies to the resolved address, not the spelling
    async with guarded_client(EgressPolicy.parse("")) as client:
        with pytest.raises(EgressDenied):
            await client.get(f"http://2130706433:{local.port}/hello")


async def test_redirect_to_a_refused_address_is_refused(local: LocalServer) -> None:
    target = f"http://127.0.0.2:{local.port}/hello"
    async with guarded_client(EgressPolicy.parse("127.0.0.1")) as client:
        with pytest.raises(EgressDenied):
            await client.get(f"{local.url}/to", params={"url": target})


async def test_metadata_address_is_refused_before_connecting() -> None:
    # No server listens there and none is contacted: the refusal comes from the address alone.
    async with guarded_client(EgressPolicy.parse("127.0.0.1")) as client:
        with pytest.raises(EgressDenied):
            await client.get("http://169.254.169.254/latest/meta-data/")


async def test_unresolvable_host_is_a_connect_error() -> None:
    async with guarded_client(EgressPolicy.parse("")) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://does-not-exist.invalid/")


@pytest.mark.parametrize(
    "address",
    [
        "::ffff:0:7f00:1",  # IPv4-translated 127.0.0.1
        "::ffff:7f00:2",  # mapped 127.0.0.2
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",  # compatible 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
        "64:ff9b:1:7f00:0:100::",  # local-use NAT64 (/48) of 127.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1
        "fec0::1",  # deprecated site-local
        "::",
        "::ffff:0.0.0.0",
    ],
)
def test_ipv6_forms_reaching_private_ipv4_are_refused(address: str) -> None:
    assert not EgressPolicy().allows("host", ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        ("64:ff9b::808:808", "8.8.8.8"),
        ("2002:808:808::1", "8.8.8.8"),
        ("::ffff:808:808", "8.8.8.8"),
        ("64:ff9b:1:808:8:800::", "8.8.8.8"),
    ],
)
def test_ipv6_forms_are_judged_by_the_ipv4_they_reach(address: str, embedded: str) -> None:
    parsed = ipaddress.ip_address(address)
    assert [str(v4) for v4 in embedded_ipv4(parsed)] == [embedded]
    assert EgressPolicy().allows("host", parsed)
    assert EgressPolicy.parse("8.8.8.0/24").allows("host", parsed)


def test_an_allow_listed_ipv4_network_also_allows_its_embedded_forms() -> None:
    policy = EgressPolicy.parse("127.0.0.1")
    assert policy.allows("x", ipaddress.ip_address("::ffff:127.0.0.1"))
    assert policy.allows("x", ipaddress.ip_address("64:ff9b::7f00:1"))
    assert not policy.allows("x", ipaddress.ip_address("64:ff9b::7f00:2"))


@pytest.mark.parametrize(
    "host", ["2130706434", "0x7f000002", "0177.0.0.2", "127.2", "127.0.0.2.", "0.0.0.0", "0"]
)
async def test_other_ipv4_spellings_of_loopback_are_refused_before_connecting(host: str) -> None:
    async with guarded_client(EgressPolicy.parse("127.0.0.1"), timeout=2) as client:
        with pytest.raises((EgressDenied, httpx.ConnectError, httpx.InvalidURL)) as caught:
            await client.get(f"http://{host}:9/")
    if isinstance(caught.value, httpx.ConnectError):
        # the resolver did not take this spelling at all: nothing was connected either
        assert "resolve" in str(caught.value)


async def test_the_urllib3_guard_refuses_before_connecting_and_reaches_allowed_hosts(
    local: LocalServer,
) -> None:
    import requests
    from urllib3.util import connection

    def fetch(target: str, params: dict[str, str] | None = None) -> object:
        return requests.get(target, params=params, timeout=5).json()

    original = connection.create_connection
    try:
        guard_urllib3(EgressPolicy.parse("127.0.0.1"))
        assert await asyncio.to_thread(fetch, f"{local.url}/hello") == {"hello": "world"}
        for url, params in (
            (f"http://127.0.0.2:{local.port}/hello", {}),
            (f"{local.url}/to", {"url": f"http://127.0.0.2:{local.port}/hello"}),
            ("http://169.254.169.254/latest/meta-data/", {}),
        ):
            with pytest.raises(requests.ConnectionError, match="egress policy refuses"):
                await asyncio.to_thread(fetch, url, params)
    finally:
        connection.create_connection = original


async def test_with_public_destinations_off_names_are_refused_before_any_lookup() -> None:
    policy = EgressPolicy.parse("127.0.0.1", public=False)
    assert not policy.may_resolve("example.com")
    with pytest.raises(EgressDenied):
        # a name that would resolve: refused without asking DNS
        await checked_addresses(policy, "localhost", 80)
    assert not policy.allows("8.8.8.8", ipaddress.ip_address("8.8.8.8"))
    assert policy.allows("127.0.0.1", ipaddress.ip_address("127.0.0.1"))
    assert [str(a) for a in await checked_addresses(policy, "127.0.0.1", 80)] == ["127.0.0.1"]
