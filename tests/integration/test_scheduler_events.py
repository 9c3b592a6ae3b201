"""`task_completed` and `task_failed` reach the `VWED.event` listeners of a running script service."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tests.conftest import ADMIN_TOKEN
from tests.integration.scripts_helpers import add_file, start, subscribe, wait_for
from tests.servers import LocalServer
from vwed.config import Settings

LISTENER = textwrap.dedent(
    """
    def boot():
        @VWED.event.listen("task_completed")
        def on_completed(event_data):
            VWED.log.sync_info("completed " + event_data["task_name"] + " " + event_data["trace_id"])

        @VWED.event.listen("task_failed")
        def on_failed(event_data):
            VWED.log.sync_info("failed " + event_data["task_name"] + " " + event_data["error"])
    """
).lstrip()


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Event delivery does not depend on the database."""
    name: str = request.param
    return name


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Settings:
    """Executor on (runs started by run-now), scheduler loop off."""
    return Settings(
        data_dir=tmp_path / "data",
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        egress_allow="127.0.0.1",
        scheduler_enabled=False,
        executor_idle_seconds=0.2,
    )


@pytest.fixture
async def hook() -> AsyncIterator[str]:
    app = FastAPI()

    @app.post("/ok")
    async def succeed() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/broken")
    async def fail() -> JSONResponse:
        return JSONResponse({"error": "boom"}, status_code=500)

    async with LocalServer(app) as server:
        yield server.url


async def make_task(client: httpx.AsyncClient, name: str, url: str) -> int:
    body = {"task_name": name, "time_points": ["08:00"], "execution_type": "webhook", "webhook_url": url}
    response = await client.post("/api/scheduled-tasks", json=body)
    assert response.status_code == 200, response.text
    task_id: int = response.json()["data"]["id"]
    return task_id


async def test_run_outcomes_reach_a_running_script_listener(
    client: httpx.AsyncClient, app: FastAPI, hook: str
) -> None:
    await add_file(client, LISTENER, "listener.py")
    await start(client, "listener.py")
    logs = await subscribe(app, "script.log.*")
    good = await make_task(client, "good", f"{hook}/ok")
    bad = await make_task(client, "bad", f"{hook}/broken")

    run = (await client.post(f"/api/scheduled-tasks/{good}/run")).json()["data"]
    done = await wait_for(logs, lambda m: m.data["message"].startswith("completed good"))
    assert done.data["message"] == f"completed good {run['trace_id']}"

    await client.post(f"/api/scheduled-tasks/{bad}/run")
    failed = await wait_for(logs, lambda m: m.data["message"].startswith("failed bad"))
    assert "Webhook 返回 HTTP 500" in failed.data["message"]
