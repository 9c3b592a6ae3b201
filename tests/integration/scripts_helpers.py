"""Helpers for script-service tests: put a script in a project, start it, and watch the bus."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from vwed.bus import Message, Subscription

WAIT = 10.0


async def add_file(
    client: httpx.AsyncClient, content: str, path: str = "main.py", project: str = "测试项目"
) -> dict[str, Any]:
    """Create `project` if needed and a file at `path` in it."""
    projects = (await client.get("/api/script/projects")).json()["data"]
    found = [p for p in projects if p["project_name"] == project]
    if found:
        project_id = found[0]["id"]
    else:
        created = await client.post("/api/script/projects", json={"project_name": project})
        assert created.status_code == 200, created.text
        project_id = created.json()["data"]["id"]
    body = {
        "project_id": project_id,
        "file_name": path.rsplit("/", 1)[-1],
        "file_path": path,
        "content": content,
    }
    response = await client.post("/api/script/files", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def start(client: httpx.AsyncClient, script_path: str, **extra: Any) -> dict[str, Any]:
    """Start a script and insist it worked; the whole response body."""
    response = await client.post("/api/script/scripts/start", json={"script_path": script_path, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def call(client: httpx.AsyncClient, script_id: str, name: str, args: Any = None) -> httpx.Response:
    """`execute-function`."""
    return await client.post(
        "/api/script/scripts/execute-function",
        json={"script_id": script_id, "function_name": name, "function_args": args},
    )


async def subscribe(app: FastAPI, *patterns: str) -> Subscription:
    """A bus subscription opened before the action that publishes."""
    subscription: Subscription = await app.state.bus.subscribe(*patterns)
    return subscription


async def wait_for(subscription: Subscription, predicate: Any, seconds: float = WAIT) -> Message:
    """The first message satisfying `predicate`, or fail after `seconds`."""

    async def scan() -> Message:
        async for message in subscription:
            if predicate(message):
                return message
        raise AssertionError("subscription closed")

    return await asyncio.wait_for(scan(), seconds)


async def messages_until(subscription: Subscription, predicate: Any, seconds: float = WAIT) -> list[Message]:
    """Every message up to and including the first satisfying `predicate`."""
    seen: list[Message] = []

    async def scan() -> list[Message]:
        async for message in subscription:
            seen.append(message)
            if predicate(message):
                return seen
        raise AssertionError("subscription closed")

    return await asyncio.wait_for(scan(), seconds)


async def eventually(check: Any, seconds: float = WAIT) -> Any:
    """Poll the coroutine function `check` until it returns something truthy, or fail."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
