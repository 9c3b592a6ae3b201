"""What the console needs from the task API: the last-status filter and a task's variables."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from vwed.sdk.models import ScriptVar

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
TASK = {"task_name": "t", "schedule_type": "cron", "cron_expression": "0 8 * * *", "script_content": "x = 1"}


async def test_tasks_filter_by_last_status_and_never_run(client: httpx.AsyncClient) -> None:
    made = (await client.post("/api/scheduled-tasks", json=TASK)).json()["data"]
    never = (await client.get("/api/scheduled-tasks", params={"last_run_status": "never"})).json()["data"]
    assert [t["id"] for t in never["items"]] == [made["id"]]
    failed = (await client.get("/api/scheduled-tasks", params={"last_run_status": "failed"})).json()["data"]
    assert failed["total"] == 0
    bad = await client.get("/api/scheduled-tasks", params={"last_run_status": "nope"})
    assert bad.status_code == 400


async def test_a_tasks_variables_are_listed_and_deleted_within_its_tenant(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    task = (await client.post("/api/scheduled-tasks", json=TASK)).json()["data"]
    async with app.state.sessions() as session:
        session.add(ScriptVar(task_id=task["id"], var_key="count", var_value={"n": 3}))
        session.add(ScriptVar(task_id=task["id"] + 1, var_key="other", var_value=1))
        await session.commit()
    listed = (await client.get(f"/api/scheduled-tasks/{task['id']}/vars")).json()["data"]
    assert [(v["key"], v["value"]) for v in listed] == [("count", {"n": 3})]
    assert (await client.delete(f"/api/scheduled-tasks/{task['id']}/vars/count")).status_code == 200
    assert (await client.delete(f"/api/scheduled-tasks/{task['id']}/vars/count")).status_code == 404
    assert (await client.get("/api/scheduled-tasks/999/vars")).status_code == 404
