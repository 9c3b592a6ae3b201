"""`/api/scheduled-tasks` end to end on SQLite, PostgreSQL and MySQL (engine off, the test default)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from vwed.scheduler.models import ScheduledTask, TaskLog

WEBHOOK = {
    "task_name": "日报推送",
    "task_desc": "每天推送",
    "schedule_type": "simple",
    "time_points": ["08:00", "12:00"],
    "execution_type": "webhook",
    "webhook_url": "http://127.0.0.1:9/hook",
    "input_params": {"prompt": "hi"},
}


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/scheduled-tasks", json={**WEBHOOK, **overrides})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_create_stores_the_task_with_its_first_next_run(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/scheduled-tasks", json=WEBHOOK)
    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "定时任务 日报推送 创建成功"
    task = body["data"]
    assert task["time_points"] == ["08:00:00", "12:00:00"]
    assert task["timezone"] == "Asia/Shanghai"
    assert task["is_enabled"] is True
    assert task["overlap_policy"] == "skip"
    next_run = datetime.fromisoformat(task["next_run_at"])
    assert next_run > datetime.now(UTC)
    assert next_run.astimezone().utcoffset() is not None
    local = next_run.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) in ((8, 0), (12, 0))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"schedule_type": "cron", "cron_expression": "61 * * * *"}, "cron_expression"),
        ({"schedule_type": "cron", "cron_expression": None}, "cron_expression"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"time_points": []}, "time_points"),
        ({"time_points": ["8h"]}, "time_points"),
        ({"webhook_url": None}, "webhook_url"),
        ({"webhook_url": "ftp://example.com/x"}, "webhook_url"),
        ({"execution_type": "script", "script_content": "  "}, "script_content"),
        ({"alert_on_failure": True}, "alert_webhook"),
    ],
)
async def test_invalid_task_is_a_400_naming_the_field(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/scheduled-tasks", json={**WEBHOOK, **overrides})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert field in body["error"]


async def test_script_task_is_stored_with_its_content(client: httpx.AsyncClient) -> None:
    task = await create(client, execution_type="script", webhook_url=None, script_content="result = {}")
    assert task["execution_type"] == "script"
    assert task["script_content"] == "result = {}"


async def test_list_filters_and_paginates(client: httpx.AsyncClient) -> None:
    for i in range(3):
        await create(client, task_name=f"hook {i}")
    await create(client, task_name="script job", execution_type="script", script_content="x = 1")
    await create(client, task_name="off", is_enabled=False)
    listing = (await client.get("/api/scheduled-tasks", params={"page_size": 2})).json()["data"]
    assert listing["total"] == 5
    assert [t["task_name"] for t in listing["items"]] == ["off", "script job"]
    page2 = (await client.get("/api/scheduled-tasks", params={"page_size": 2, "page": 3})).json()["data"]
    assert [t["task_name"] for t in page2["items"]] == ["hook 0"]
    scripts = (await client.get("/api/scheduled-tasks", params={"execution_type": "script"})).json()["data"]
    assert [t["task_name"] for t in scripts["items"]] == ["script job"]
    disabled = (await client.get("/api/scheduled-tasks", params={"is_enabled": False})).json()["data"]
    assert [t["task_name"] for t in disabled["items"]] == ["off"]
    assert disabled["items"][0]["next_run_at"] is None
    found = (await client.get("/api/scheduled-tasks", params={"keyword": "hook 1"})).json()["data"]
    assert [t["task_name"] for t in found["items"]] == ["hook 1"]
    assert (await client.get("/api/scheduled-tasks", params={"tenant_id": "t9"})).json()["data"]["total"] == 0


async def test_update_of_the_schedule_moves_next_run_at(client: httpx.AsyncClient, app: Any) -> None:
    task = await create(client)
    response = await client.put(
        f"/api/scheduled-tasks/{task['id']}",
        json={"schedule_type": "cron", "cron_expression": "*/10 * * * * *", "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 200, response.text
    updated = response.json()["data"]
    moved = datetime.fromisoformat(updated["next_run_at"])
    assert moved.second % 10 == 0
    assert (moved - datetime.now(UTC)).total_seconds() <= 12
    assert updated["time_points"] is None
    assert updated["timezone"] == "Europe/Berlin"
    renamed = await client.put(f"/api/scheduled-tasks/{task['id']}", json={"task_name": "renamed"})
    assert renamed.json()["data"]["next_run_at"] == updated["next_run_at"]


async def test_toggle_clears_and_restores_next_run_at(client: httpx.AsyncClient) -> None:
    task = await create(client)
    off = await client.post(f"/api/scheduled-tasks/{task['id']}/toggle")
    assert off.json()["message"] == "定时任务 日报推送 已禁用"
    assert off.json()["data"]["is_enabled"] is False
    assert off.json()["data"]["next_run_at"] is None
    on = await client.post(f"/api/scheduled-tasks/{task['id']}/toggle", json={"is_enabled": True})
    assert on.json()["data"]["is_enabled"] is True
    assert on.json()["data"]["next_run_at"] is not None


async def test_run_now_queues_a_run_and_answers_its_trace_id(client: httpx.AsyncClient, app: Any) -> None:
    task = await create(client, is_enabled=False)
    response = await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data["trace_id"]) == 32
    logs = (await client.get(f"/api/scheduled-tasks/{task['id']}/logs")).json()["data"]
    assert logs["total"] == 1
    assert logs["items"][0]["trace_id"] == data["trace_id"]
    assert logs["items"][0]["status"] == "queued"
    assert logs["items"][0]["trigger"] == "manual"
    queued = (await client.get(f"/api/scheduled-tasks/{task['id']}/logs", params={"status": "failed"})).json()
    assert queued["data"]["total"] == 0


async def test_delete_removes_the_task_and_its_queued_runs(client: httpx.AsyncClient, app: Any) -> None:
    task = await create(client)
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    response = await client.delete(f"/api/scheduled-tasks/{task['id']}")
    assert response.json() == {"success": True, "message": "定时任务 日报推送 已删除"}
    assert (await client.get(f"/api/scheduled-tasks/{task['id']}")).status_code == 404
    async with app.state.sessions() as session:
        assert (await session.scalars(select(TaskLog))).all() == []
        assert (await session.scalars(select(ScheduledTask))).all() == []


async def test_next_runs_start_at_next_run_at_in_the_task_timezone(client: httpx.AsyncClient) -> None:
    task = await create(client, schedule_type="cron", cron_expression="0 8 * * *", time_points=None)
    data = (await client.get(f"/api/scheduled-tasks/{task['id']}/next-runs", params={"count": 3})).json()[
        "data"
    ]
    assert len(data["next_runs"]) == 3
    # UTC, the API's one time format: 08:00 in Asia/Shanghai is 00:00Z.
    assert all(t.endswith("T00:00:00.000Z") for t in data["next_runs"])
    assert data["next_runs"][0] == task["next_run_at"]


async def test_schedule_preview_answers_times_with_offsets_and_descriptions(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "schedule_type": "simple",
        "time_points": ["02:30"],
        "timezone": "Europe/Berlin",
        "after": "2026-03-28T12:00:00+01:00",
        "count": 2,
    }
    response = await client.post("/api/scheduled-tasks/schedule-preview", json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    # 03:00+02:00 (the skipped 02:30 moved to the jump's end), then 02:30+02:00, in UTC
    assert data["next_runs"] == ["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]
    assert data["description"] == "每天 02:30:00 (Europe/Berlin)"
    english = await client.post(
        "/api/scheduled-tasks/schedule-preview", json=body, headers={"Accept-Language": "en"}
    )
    assert english.json()["data"]["description"] == "Every day at 02:30:00 (Europe/Berlin)"
    bad = await client.post(
        "/api/scheduled-tasks/schedule-preview",
        json={"cron_expression": "* * *", "timezone": "UTC"},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("cron_expression is invalid")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/scheduled-tasks/sdk-docs", 200),
        ("POST", "/api/scheduled-tasks/test-script", 503),
        ("GET", "/api/scheduled-tasks/secrets", 200),
        ("POST", "/api/scheduled-tasks/schedule-preview", 200),
    ],
)
async def test_static_paths_are_not_captured_by_task_id(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    json = {"cron_expression": "0 8 * * *"} if path.endswith("preview") else None
    response = await client.request(method, path, json=json)
    assert response.status_code == status, response.text
    assert "detail" not in response.json()
    if status == 503:
        assert response.json()["error"] == "脚本执行功能尚未启用,无法执行脚本"


async def test_sdk_docs_list_the_seed_functions(client: httpx.AsyncClient) -> None:
    data = (await client.get("/api/scheduled-tasks/sdk-docs")).json()["data"]
    signatures = [f["signature"] for group in data["functions"].values() for f in group]
    assert "get_param(key, default=None)" in signatures
    assert "trace_id" in data["variables"]


async def test_unknown_task_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/scheduled-tasks/999")
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "定时任务不存在: 999"}


async def test_every_route_needs_the_token(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/api/scheduled-tasks")).status_code == 401
    assert (await anon.post("/api/scheduled-tasks/schedule-preview", json={})).status_code == 401
