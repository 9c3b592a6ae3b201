"""The engine as the server runs it: real clock, background services started by the app's lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from tests.conftest import ADMIN_TOKEN
from tests.servers import LocalServer
from vwed.config import Settings


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The loop's timing does not depend on the back end; the engine's SQL is tested on all three in
    test_scheduler_engine.py, and two nodes on PostgreSQL in tests/e2e."""
    name: str = request.param
    return name


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The engine on, with a lease so long that only a change can wake the loop early."""
    return Settings(
        data_dir=tmp_path / "data",
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        egress_allow="127.0.0.1",
        scheduler_lease_seconds=120,
    )


@pytest.fixture
async def hook() -> AsyncIterator[tuple[list[dict[str, Any]], str]]:
    hits: list[dict[str, Any]] = []
    app = FastAPI()

    @app.post("/hook")
    async def receive(request: Request) -> dict[str, bool]:
        hits.append(await request.json())
        return {"ok": True}

    async with LocalServer(app) as server:
        yield hits, f"{server.url}/hook"


async def wait_for(condition: Any, seconds: float) -> None:
    for _ in range(int(seconds * 20)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_every_second_task_fires_each_second_once_and_events_reach_the_bus(
    client: httpx.AsyncClient, app: FastAPI, hook: tuple[list[dict[str, Any]], str]
) -> None:
    hits, url = hook
    events = await app.state.bus.subscribe("event.task_completed")
    # The loop is asleep until its lease renewal (40 s away); only the change can wake it in time.
    await asyncio.sleep(0.2)
    body = {
        "task_name": "tick",
        "schedule_type": "cron",
        "cron_expression": "* * * * * *",
        "execution_type": "webhook",
        "webhook_url": url,
    }
    task = (await client.post("/api/scheduled-tasks", json=body)).json()["data"]
    first_due = datetime.fromisoformat(task["next_run_at"])

    async def three_succeeded() -> bool:
        logs = (
            await client.get(f"/api/scheduled-tasks/{task['id']}/logs", params={"status": "success"})
        ).json()
        return bool(logs["data"]["total"] >= 3)

    await wait_for(three_succeeded, 8)
    await client.post(f"/api/scheduled-tasks/{task['id']}/toggle", json={"is_enabled": False})
    logs = (await client.get(f"/api/scheduled-tasks/{task['id']}/logs", params={"page_size": 200})).json()
    due_times = sorted(datetime.fromisoformat(i["scheduled_at"]) for i in logs["data"]["items"])
    assert due_times[0] == first_due
    assert due_times == [due_times[0] + timedelta(seconds=i) for i in range(len(due_times))]
    assert len({h["scheduled_at"] for h in hits}) == len(hits)
    received = await asyncio.wait_for(anext(aiter(events)), 5)
    assert received.data["task_id"] == task["id"]
    assert received.data["status"] == "success"
    await events.close()
