"""Logs of a real running script reach WebSocket subscribers and storage: VWED.log, print, status, calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import ADMIN_TOKEN
from tests.integration.scripts_helpers import add_file, call, eventually, start
from tests.servers import LocalServer
from vwed.auth.service import create_token

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

CHATTY = """def boot():
    VWED.log.sync_info("脚本启动成功", component="boot")
    print("hello from stdout")

    @VWED.api.get("/chatty", description="路由")
    def chatty(request_data):
        return {"ok": True}

    @VWED.function.register("calculate", description="计算函数")
    def calculate(args):
        VWED.log.sync_warning("计算中", a=args["a"])
        return args["a"] + args["b"]
"""


@pytest.fixture
async def server(app: FastAPI) -> AsyncIterator[LocalServer]:
    async with LocalServer(app) as running:
        yield running


async def next_of(ws: ClientConnection, kind: str, seconds: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


async def test_a_late_subscriber_replays_boot_lines_then_sees_calls_live(
    app: FastAPI, client: httpx.AsyncClient, server: LocalServer
) -> None:
    await add_file(client, CHATTY, "chatty.py")
    script_id = (await start(client, "chatty.py"))["script_id"]
    url = f"ws://127.0.0.1:{server.port}/api/script/ws/script-logs?client_id=late&token={ADMIN_TOKEN}"

    async def stored() -> list[str]:
        body = (await client.get(f"/api/script/scripts/{script_id}/logs")).json()
        return [line["message"] for line in body["data"]["logs"]]

    await eventually(lambda: _contains(stored, "hello from stdout"))
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "script_id": script_id, "tail": 50}))
        replayed: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            while (message := json.loads(await ws.recv()))["type"] != "subscribed":
                if message["type"] in ("script_log", "script_status"):
                    replayed.append(message)
        texts = [m["message"] for m in replayed]
        assert "脚本启动成功" in texts
        assert "hello from stdout" in texts
        boot = next(m for m in replayed if m["message"] == "脚本启动成功" and m["type"] == "script_log")
        assert (boot["data"], boot["source"]) == ({"component": "boot"}, "log")
        printed = next(m for m in replayed if m["message"] == "hello from stdout")
        assert (printed["level"], printed["source"]) == ("INFO", "stdout")
        assert any(m["type"] == "script_status" and m["status"] == "running" for m in replayed)

        assert (await call(client, script_id, "calculate", {"a": 1, "b": 2})).json()["result"] == 3
        line = await next_of(ws, "script_log")
        assert (line["level"], line["message"], line["data"]) == ("WARNING", "计算中", {"a": 1})
        outcome = await next_of(ws, "function_execution")
        assert outcome["function_name"] == "calculate"
        assert outcome["execution_type"] == "success"
        assert outcome["result"]["data"] == 3

        assert (await client.get("/api/custom/chatty")).json() == {"ok": True}
        route = await next_of(ws, "function_execution")
        assert (route["function_name"], route["execution_type"]) == ("GET /api/custom/chatty", "success")

        await client.post(f"/api/script/scripts/{script_id}/stop")
        stopped = await next_of(ws, "script_status")
        assert stopped["status"] == "stopped"
    # a stopped script's lines stay queryable
    await eventually(lambda: _contains(stored, "计算中"))


async def test_a_tenants_script_lines_reach_that_tenant_only(
    app: FastAPI, client: httpx.AsyncClient, server: LocalServer
) -> None:
    async with app.state.sessions() as session:
        alice = (await create_token(session, "alice", "user", "tenant-a")).token
        bob = (await create_token(session, "bob", "user", "tenant-b")).token
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {alice}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as as_alice:
        await add_file(as_alice, CHATTY, "chatty.py", project="alice")
        script_id = (await start(as_alice, "chatty.py"))["script_id"]
        base = f"ws://127.0.0.1:{server.port}/api/script/ws/script-logs"
        async with (
            connect(f"{base}?client_id=a&token={alice}") as a_ws,
            connect(f"{base}?client_id=b&token={bob}") as b_ws,
        ):
            for ws in (a_ws, b_ws):
                await ws.send(json.dumps({"type": "subscribe", "script_id": "*"}))
                await next_of(ws, "subscribed")
            await call(as_alice, script_id, "calculate", {"a": 2, "b": 3})
            assert (await next_of(a_ws, "function_execution"))["result"]["data"] == 5
            # everything bob was sent arrives before the answer to his ping: none of it is alice's
            await b_ws.send(json.dumps({"type": "ping"}))
            seen = []
            async with asyncio.timeout(10):
                while (message := json.loads(await b_ws.recv()))["type"] != "pong":
                    seen.append(message["type"])
            assert seen == []
    bob_logs = await client.get(
        f"/api/script/scripts/{script_id}/logs", headers={"Authorization": f"Bearer {bob}"}
    )
    assert bob_logs.json()["data"]["logs"] == []


async def _contains(lines: Any, text: str) -> bool:
    return text in await lines()
