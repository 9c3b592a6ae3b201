"""The sandbox level is in /api/health; with L0 only, tenant tasks fail closed; spawned runs work too."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.integration.task_helpers import create_task, run_now, task_settings
from vwed.config import Settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    options = getattr(request, "param", {})
    return task_settings(tmp_path, scheduler_enabled=False, **options)


async def test_health_reports_the_strongest_level_the_probe_found(client: httpx.AsyncClient) -> None:
    sandbox = (await client.get("/api/health")).json()["data"]["sandbox"]
    assert sandbox["probe"]["seccomp"] == "ok"
    assert sandbox["probe"]["landlock"] == "ok"
    assert sandbox["level"] == ("L3" if sandbox["probe"]["L3"] == "ok" else "L2")


@pytest.mark.parametrize("settings", [{"task_sandbox": "L0"}], indirect=True)
async def test_with_l0_only_tenant_tasks_fail_closed_and_global_tasks_run(client: httpx.AsyncClient) -> None:
    sandbox = (await client.get("/api/health")).json()["data"]["sandbox"]
    assert sandbox["level"] == "L0"
    tenant_task = await create_task(client, "log('x')", tenant_id="acme")
    refused = await run_now(client, tenant_task["id"])
    assert refused["status"] == "failed"
    assert "VWED_TASK_ALLOW_L0_FOR_TENANTS" in refused["error"]
    global_task = await create_task(client, "log('global run')")
    assert (await run_now(client, global_task["id"]))["status"] == "success"


@pytest.mark.parametrize("settings", [{"task_launcher": "spawn"}], indirect=True)
async def test_spawned_runs_get_the_same_layers(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/scheduled-tasks/test-script",
        json={"script_content": "import socket\nsocket.socket()\n"},
    )
    data = response.json()["data"]
    assert data["error"] == "第 2 行: PermissionError: [Errno 13] Permission denied"
    assert data["sandbox"]["L2"] == "on"
