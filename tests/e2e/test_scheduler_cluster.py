"""Two `vwed serve` processes on one PostgreSQL database: every due run fires exactly once, even when the
leader is killed with SIGKILL half-way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import ADMIN_TOKEN
from tests.servers import LocalServer, free_port

TASKS = 4
RUN_SECONDS = 30
KILL_AFTER = 12
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Node:
    """One `vwed serve` process."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "VWED_DATABASE_URL": database_url,
            "VWED_DATA_DIR": str(data_dir),
            "VWED_ADMIN_TOKEN": ADMIN_TOKEN,
            "VWED_EGRESS_ALLOW": "127.0.0.1",
            "VWED_SCHEDULER_LEASE_SECONDS": "3",
            "VWED_RUN_STALE_SECONDS": "4",
            "VWED_EXECUTOR_IDLE_SECONDS": "0.5",
        }
        vwed = Path(sys.executable).with_name("vwed")
        self.log = (data_dir / "server.log").open("wb")
        self.process = subprocess.Popen(
            [str(vwed), "serve", "--port", str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise AssertionError(f"vwed serve exited with {self.process.returncode}")
                try:
                    if (await client.get(f"{self.url}/api/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("vwed serve did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


@pytest.fixture
def database(server_databases: dict[str, str]) -> str:
    return server_databases["postgres"]


@pytest.fixture
def nodes(database: str, tmp_path: Path) -> Iterator[list[Node]]:
    started: list[Node] = []
    yield started
    for node in started:
        node.stop()


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


async def leader_pid(database: str) -> int:
    engine = create_async_engine(database)
    try:
        async with engine.connect() as conn:
            holder = await conn.scalar(text("SELECT holder FROM platform_scheduler_leases"))
    finally:
        await engine.dispose()
    assert holder is not None
    return int(str(holder).split("-")[1])


async def scheduled_runs(database: str) -> list[tuple[int, datetime, str]]:
    engine = create_async_engine(database)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT task_id, scheduled_at, status FROM platform_task_logs WHERE trigger = 'schedule'"
                )
            )
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        await engine.dispose()


async def test_two_nodes_fire_every_due_run_once_and_survive_a_killed_leader(
    database: str, nodes: list[Node], tmp_path: Path, hook: tuple[list[dict[str, Any]], str]
) -> None:
    hits, url = hook
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        node = Node(database, tmp_path / name)
        nodes.append(node)
        await node.ready()
    async with httpx.AsyncClient(base_url=nodes[0].url, headers=HEADERS) as client:
        ids = []
        for i in range(TASKS):
            body = {
                "task_name": f"every second {i}",
                "schedule_type": "cron",
                "cron_expression": "* * * * * *",
                "execution_type": "webhook",
                "webhook_url": url,
                "overlap_policy": "queue",
            }
            response = await client.post("/api/scheduled-tasks", json=body)
            assert response.status_code == 200, response.text
            ids.append(response.json()["data"]["id"])
    await asyncio.sleep(KILL_AFTER)
    pid = await leader_pid(database)
    killed = next(n for n in nodes if n.process.pid == pid)
    survivor = next(n for n in nodes if n is not killed)
    killed.process.send_signal(signal.SIGKILL)
    killed.process.wait(5)
    await asyncio.sleep(RUN_SECONDS - KILL_AFTER)
    async with httpx.AsyncClient(base_url=survivor.url, headers=HEADERS) as client:
        for task_id in ids:
            await client.post(f"/api/scheduled-tasks/{task_id}/toggle", json={"is_enabled": False})
        assert await leader_pid(database) == survivor.process.pid

    rows = await scheduled_runs(database)
    per_slot = Counter((task_id, due) for task_id, due, _status in rows)
    assert max(per_slot.values()) == 1, "a due run was fired twice"
    for task_id in ids:
        due_times = sorted(due for tid, due, _status in rows if tid == task_id)
        expected = [due_times[0] + timedelta(seconds=i) for i in range(len(due_times))]
        assert due_times == expected, f"task {task_id} lost a due run"
        assert len(due_times) >= RUN_SECONDS - 3
    assert {status for _t, _d, status in rows} <= {"queued", "running", "success", "failed"}
    hit_slots = Counter((h["task_id"], h["scheduled_at"]) for h in hits)
    assert max(hit_slots.values()) == 1, "a webhook was called twice for one due run"
