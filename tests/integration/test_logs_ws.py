"""The live log WebSocket of seed 000 section 4, with a real client against a real server."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import ADMIN_TOKEN
from tests.servers import LocalServer
from vwed.auth.service import create_token

SCRIPT = "main.py_1726059000000_abc12345"
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
async def server(app: FastAPI) -> AsyncIterator[LocalServer]:
    async with LocalServer(app) as running:
        yield running


def ws_url(server: LocalServer, client_id: str = "web-client-1", token: str = ADMIN_TOKEN) -> str:
    return f"ws://127.0.0.1:{server.port}/api/script/ws/script-logs?client_id={client_id}&client_type=web&token={token}"


async def receive(ws: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def receive_until(ws: ClientConnection, kind: str, timeout: float = 5) -> dict[str, Any]:
    """Skip other messages until one of type `kind` arrives."""
    async with asyncio.timeout(timeout):
        while True:
            message = await receive(ws)
            if message["type"] == kind:
                return message


async def subscribe(ws: ClientConnection, script_id: str, **extra: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "subscribe", "script_id": script_id, **extra}))
    return await receive_until(ws, "subscribed")


async def log(app: FastAPI, script_id: str, message: str, level: str = "INFO", **extra: Any) -> None:
    await app.state.bus.publish(
        f"script.log.{script_id}",
        {"level": level, "message": message, "timestamp": "2025-09-11T12:00:00Z", **extra},
    )


async def test_welcome_ping_and_status(server: LocalServer) -> None:
    async with connect(ws_url(server)) as ws:
        welcome = await receive(ws)
        assert welcome["type"] == "welcome"
        assert re.fullmatch(r"web_web-client-1_\d{13}", welcome["connection_id"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", welcome["server_time"])
        assert welcome["message"] == "连接建立成功"

        await ws.send(json.dumps({"type": "ping", "timestamp": "2025-09-11T12:00:00Z"}))
        pong = await receive(ws)
        assert pong["type"] == "pong"
        assert pong["timestamp"] == "2025-09-11T12:00:00Z"
        assert "server_time" in pong

        await subscribe(ws, SCRIPT)
        await ws.send(json.dumps({"type": "get_status"}))
        status = await receive(ws)
        assert status["type"] == "status"
        assert status["connection_id"] == welcome["connection_id"]
        assert status["subscribed_scripts"] == [SCRIPT]


async def test_subscriber_receives_log_status_and_function_messages(
    app: FastAPI, server: LocalServer
) -> None:
    async with connect(ws_url(server)) as ws:
        await receive(ws)
        assert (await subscribe(ws, SCRIPT)) == {"type": "subscribed", "script_id": SCRIPT, "replayed": 0}
        await log(app, SCRIPT, "脚本执行成功", data={"user_id": "12345"})
        await app.state.bus.publish(
            f"script.status.{SCRIPT}", {"status": "running", "message": "脚本启动成功"}
        )
        await app.state.bus.publish(
            f"script.function.{SCRIPT}",
            {
                "function_name": "calculate",
                "execution_type": "success",
                "result": {"success": True, "data": 42, "execution_time_ms": 15},
                "timestamp": "2025-09-11T12:00:00Z",
            },
        )
        line = await receive(ws)
        assert {k: line[k] for k in ("type", "script_id", "timestamp", "level", "message", "data")} == {
            "type": "script_log",
            "script_id": SCRIPT,
            "timestamp": "2025-09-11T12:00:00.000Z",
            "level": "INFO",
            "message": "脚本执行成功",
            "data": {"user_id": "12345"},
        }
        status = await receive(ws)
        assert {k: status[k] for k in ("type", "script_id", "status", "message")} == {
            "type": "script_status",
            "script_id": SCRIPT,
            "status": "running",
            "message": "脚本启动成功",
        }
        function = await receive(ws)
        assert function == {
            "type": "function_execution",
            "script_id": SCRIPT,
            "timestamp": "2025-09-11T12:00:00Z",
            "function_name": "calculate",
            "execution_type": "success",
            "result": {"success": True, "data": 42, "execution_time_ms": 15},
        }


async def test_unsubscribe_stops_delivery_and_other_scripts_are_not_sent(
    app: FastAPI, server: LocalServer
) -> None:
    async with connect(ws_url(server)) as ws:
        await receive(ws)
        await subscribe(ws, SCRIPT)
        await log(app, "other.py_1_deadbeef", "not for you")
        await log(app, SCRIPT, "first")
        assert (await receive(ws))["message"] == "first"
        await ws.send(json.dumps({"type": "unsubscribe", "script_id": SCRIPT}))
        assert await receive(ws) == {"type": "unsubscribed", "script_id": SCRIPT}
        await log(app, SCRIPT, "after")
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"


async def test_star_subscription_receives_every_script(app: FastAPI, server: LocalServer) -> None:
    async with connect(ws_url(server)) as ws:
        await receive(ws)
        await subscribe(ws, "*")
        await log(app, "a.py_1_00000001", "from a")
        await log(app, "b.py_2_00000002", "from b")
        got = [(m["script_id"], m["message"]) for m in [await receive(ws), await receive(ws)]]
        assert got == [("a.py_1_00000001", "from a"), ("b.py_2_00000002", "from b")]


async def test_tail_replays_stored_lines_before_live_ones(app: FastAPI, server: LocalServer) -> None:
    for n in range(5):
        await log(app, SCRIPT, f"old {n}")
    await asyncio.sleep(0.05)
    async with connect(ws_url(server)) as ws:
        await receive(ws)
        await ws.send(json.dumps({"type": "subscribe", "script_id": SCRIPT, "tail": 3}))
        replayed = [await receive(ws) for _ in range(3)]
        assert [m["message"] for m in replayed] == ["old 2", "old 3", "old 4"]
        assert all(m["replay"] for m in replayed)
        assert await receive(ws) == {"type": "subscribed", "script_id": SCRIPT, "replayed": 3}
        await log(app, SCRIPT, "live")
        live = await receive(ws)
        assert (live["message"], "replay" in live) == ("live", False)


async def test_since_replays_lines_after_a_time(app: FastAPI, server: LocalServer) -> None:
    await log(app, SCRIPT, "too old", timestamp="2025-01-01T00:00:00Z")
    await log(app, SCRIPT, "recent", timestamp="2025-06-01T00:00:00Z")
    async with connect(ws_url(server)) as ws:
        await receive(ws)
        await ws.send(json.dumps({"type": "subscribe", "script_id": SCRIPT, "since": "2025-03-01T00:00:00Z"}))
        assert (await receive(ws))["message"] == "recent"
        assert (await receive(ws))["replayed"] == 1


async def test_malformed_and_unknown_messages_get_an_error_and_the_socket_stays(server: LocalServer) -> None:
    async with connect(ws_url(server)) as ws:
        await receive(ws)
        for bad, text in [
            ("not json", "消息格式错误: 需要JSON对象"),
            ("[1, 2]", "消息格式错误: 需要JSON对象"),
            (json.dumps({"type": "fly"}), "未知的消息类型: fly"),
            (json.dumps({"type": "subscribe"}), "缺少 script_id"),
            (
                json.dumps({"type": "subscribe", "script_id": SCRIPT, "tail": -1}),
                "tail 必须是 0 到 10000 之间的整数",
            ),
            (
                json.dumps({"type": "subscribe", "script_id": SCRIPT, "since": "yesterday"}),
                "since 必须是 ISO 8601 时间",
            ),
        ]:
            await ws.send(bad)
            assert await receive(ws) == {"type": "error", "message": text}
        await ws.send(b'{"type": "ping"}')
        assert (await receive(ws))["type"] == "pong"


async def test_unauthenticated_connections_are_refused(server: LocalServer) -> None:
    for url in [
        ws_url(server, token="wrong"),
        f"ws://127.0.0.1:{server.port}/api/script/ws/script-logs?client_id=x",
    ]:
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with connect(url):
                pass
        assert refused.value.response.status_code == 403


async def test_token_in_the_authorization_header_is_accepted(server: LocalServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/api/script/ws/script-logs?client_id=h"
    async with connect(url, additional_headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as ws:
        assert (await receive(ws))["type"] == "welcome"


async def test_tenant_sees_only_its_own_lines(app: FastAPI, server: LocalServer) -> None:
    async with app.state.sessions() as session:
        token = (await create_token(session, "alice", "user", "tenant-a")).token
    async with connect(ws_url(server, "alice", token)) as ws:
        await receive(ws)
        await subscribe(ws, "*")
        await log(app, "b.py_1_0000000b", "tenant b secret", tenant_id="tenant-b")
        await log(app, "a.py_1_0000000a", "tenant a line", tenant_id="tenant-a")
        assert (await receive(ws))["message"] == "tenant a line"


async def stalled_client(
    server: LocalServer, script_id: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that subscribes, then stops reading with a tiny receive window, like a frozen browser tab."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", server.port))
    reader, writer = await asyncio.open_connection(sock=raw)
    writer.write(
        (
            f"GET /api/script/ws/script-logs?client_id=slow&token={ADMIN_TOKEN} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    payload = json.dumps({"type": "subscribe", "script_id": script_id}).encode()
    mask = b"\x01\x02\x03\x04"
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    await writer.drain()
    await reader.readuntil(b'"subscribed"')
    return reader, writer


async def test_slow_client_is_shed_while_fast_client_gets_every_line_in_order(
    app: FastAPI, server: LocalServer
) -> None:
    app.state.log_hub.max_pending = 200
    app.state.log_pipeline.limits.burst = 100_000
    app.state.log_pipeline.limits.tenant_burst = 100_000
    # more than a loopback socket buffer holds (up to 4 MiB), so the stalled client's backlog reaches the hub
    total = 20_000
    payload = "x" * 1000
    slow_reader, slow_writer = await stalled_client(server, SCRIPT)
    async with connect(ws_url(server, "fast")) as fast:
        await receive(fast)
        await subscribe(fast, SCRIPT)
        received: list[int] = []

        async def read_fast() -> None:
            while len(received) < total:
                message = await receive(fast, timeout=20)
                assert message["type"] == "script_log"
                received.append(int(message["message"].split(" ", 1)[0]))

        reader = asyncio.create_task(read_fast())
        for n in range(total):
            await log(app, SCRIPT, f"{n} {payload}")
            if n % 50 == 0:
                # the test publishes in the server's own event loop; a script would publish from its process
                await asyncio.sleep(0.001)
        await asyncio.wait_for(reader, 60)
        assert received == list(range(total))

        slow = next(c for c in app.state.log_hub.connections.values() if c.client_id == "slow")
        assert slow.dropped > 0
        # once it reads again, the stalled client is told how many lines it lost
        tail = b""
        async with asyncio.timeout(30):
            while b'"type":"dropped"' not in tail:
                chunk = await slow_reader.read(65536)
                assert chunk, "the stalled client was disconnected instead of being told"
                tail = tail[-64:] + chunk
        slow_writer.close()
