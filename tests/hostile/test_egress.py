"""Egress (finding 6): every target of an Apprise string is checked, Apprise's own connections (redirects
included) pass the guard, and IPv6 forms reaching a refused IPv4 are refused. Only loopback is used: the
allow-list names 127.0.0.1, and a listener on 127.0.0.2 (not allowed) must never be reached."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest

from tests.hostile.attacks import try_run
from tests.hostile.server import HostileServer, hostile_server
from tests.servers import threaded_http


@dataclass
class Listener:
    """A tiny HTTP server on one loopback address, recording every request it gets."""

    host: str
    port: int = 0
    hits: list[str] = field(default_factory=list)
    redirect_to: str = ""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _answer(self) -> None:
            listener.hits.append(f"{self.command} {self.path}")
            if self.path.startswith("/redirect") and listener.redirect_to:
                self.send_response(307)
                self.send_header("Location", listener.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's handler names

    with threaded_http(Handler, listener.host) as port:
        listener.port = port
        yield listener


@pytest.fixture(scope="module")
def forbidden() -> Iterator[Listener]:
    with listening(Listener("127.0.0.2")) as running:
        yield running


@pytest.fixture(scope="module")
def allowed(forbidden: Listener) -> Iterator[Listener]:
    with listening(Listener("127.0.0.1", redirect_to=f"{forbidden.url}/hook")) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, forbidden: Listener) -> Iterator[HostileServer]:
    with hostile_server(tmp_path_factory.mktemp("egress"), VWED_EGRESS_ALLOW="127.0.0.1") as running:
        yield running


def channel(server: HostileServer, url: str) -> tuple[int, dict[str, object]]:
    with server.client("tenant-a") as a:
        made = a.post(
            "/api/notification-channels",
            json={"channel_name": "apprise", "channel_type": "apprise", "webhook_url": url},
        )
    return made.status_code, made.json()


def test_every_target_of_an_apprise_string_is_checked(
    server: HostileServer, allowed: Listener, forbidden: Listener
) -> None:
    good = f"json://127.0.0.1:{allowed.port}/hook"
    for second in (
        f"json://127.0.0.2:{forbidden.port}/hook",
        f"json://[::ffff:127.0.0.2]:{forbidden.port}/hook",
        f"json://[64:ff9b::7f00:2]:{forbidden.port}/hook",
        f"json://[::1]:{forbidden.port}/hook",
        "json://169.254.169.254/latest",
        "json://[2002:a9fe:a9fe::1]/x",
    ):
        for joined in (f"{good}, {second}", f"{good} {second}", f"{good},{second}"):
            status, body = channel(server, joined)
            assert status == 400, (joined, body)
            # refused by the egress policy, or not even understood by Apprise: never stored
            assert "出站地址被安全策略拒绝" in str(body["error"]) or "无法识别" in str(body["error"])
    status, _ = channel(server, f"{good}, windows://")
    assert status == 400
    assert forbidden.hits == []
    server.healthy()


def test_apprise_redirects_to_a_refused_address_are_refused_before_connecting(
    server: HostileServer, allowed: Listener, forbidden: Listener
) -> None:
    status, body = channel(server, f"json://127.0.0.1:{allowed.port}/redirect")
    assert status == 200, body
    channel_id = body["data"]["id"]  # type: ignore[index]
    with server.client("tenant-a") as a:
        tried = a.post(f"/api/notification-channels/{channel_id}/test", json={})
    assert any(hit.startswith("POST /redirect") for hit in allowed.hits)
    assert forbidden.hits == []
    # the delivery failed: the only hop that would have made it succeed was refused
    assert tried.status_code == 400, tried.text
    assert tried.json()["success"] is False
    server.healthy()


def test_http_get_to_ipv6_and_other_spellings_of_a_refused_ipv4_never_connects(
    server: HostileServer, forbidden: Listener
) -> None:
    port = forbidden.port
    urls = [
        f"http://127.0.0.2:{port}/hook",
        f"http://2130706434:{port}/hook",
        f"http://0x7f000002:{port}/hook",
        f"http://127.0.0.2.:{port}/hook",
        f"http://[::ffff:127.0.0.2]:{port}/hook",
        f"http://[::ffff:7f00:2]:{port}/hook",
        f"http://[::127.0.0.2]:{port}/hook",
        f"http://[64:ff9b::7f00:2]:{port}/hook",
        f"http://[2002:7f00:2::1]:{port}/hook",
        f"http://[fec0::1]:{port}/hook",
        f"http://[::]:{port}/hook",
        f"http://0.0.0.0:{port}/hook",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
    ]
    source = (
        "out = []\nfor url in URLS:\n    try:\n        http_get(url)\n        out.append('reached')\n"
        "    except Exception as exc:\n        out.append(str(exc))\nresult = {'out': out}\n"
    )
    with server.client("tenant-b") as b:
        data = try_run(b, f"URLS = {urls!r}\n{source}", timeout_seconds=60).json()["data"]
    assert data["success"], data
    for url, outcome in zip(urls, data["result"]["out"], strict=True):
        # refused by the guard itself, before any connection (not merely unroutable)
        assert any(why in outcome for why in ("出站地址被安全策略拒绝", "Invalid", "cannot resolve")), (
            url,
            outcome,
        )
    assert forbidden.hits == []
    server.healthy()
