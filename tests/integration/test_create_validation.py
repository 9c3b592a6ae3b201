"""What can be known when a task, channel, project or secret is created is checked then: syntax, channel
ids of the task's tenant, cron that never fires; and an admin names the tenant of what they create."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests.backends import snapshot
from vwed.auth.service import create_token
from vwed.notify.models import NotifyChannel, WecomApp
from vwed.projects.models import Project
from vwed.scheduler.models import ScheduledTask
from vwed.secrets.models import Secret

TASK = {"task_name": "t", "schedule_type": "simple", "time_points": ["08:00"], "script_content": "x = 1"}
ROBOT = "https://oapi.dingtalk.com/robot/send?access_token=abc"


async def tenant_client(app: FastAPI, client: httpx.AsyncClient, tenant: str) -> httpx.AsyncClient:
    async with app.state.sessions() as session:
        issued = await create_token(session, tenant, "user", tenant)
    return httpx.AsyncClient(
        transport=client._transport,
        base_url="http://test",
        headers={"Authorization": f"Bearer {issued.token}"},
    )


async def test_a_script_task_with_a_syntax_error_is_refused_at_create_and_update(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await client.get("/api/scheduled-tasks")
    before = await snapshot(app.state.engine)
    bad = await client.post("/api/scheduled-tasks", json={**TASK, "script_content": "x = (1,\n"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("script_content 语法错误")
    assert bad.json()["detail"][0]["field"] == "script_content"
    assert await snapshot(app.state.engine) == before
    task = (await client.post("/api/scheduled-tasks", json=TASK)).json()["data"]
    update = await client.put(
        f"/api/scheduled-tasks/{task['id']}", json={"script_content": "def f(:\n  pass"}
    )
    assert update.status_code == 400
    assert "(第 1 行)" in update.json()["error"]


async def test_notify_channels_must_exist_for_the_tasks_tenant(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    mine = (
        await client.post(
            "/api/notification-channels",
            json={
                "channel_name": "t1-robot",
                "channel_type": "dingtalk_bot",
                "webhook_url": ROBOT,
                "tenant_id": "t1",
            },
        )
    ).json()["data"]
    assert mine["tenant_id"] == "t1"
    missing = await client.post("/api/scheduled-tasks", json={**TASK, "notify_channels": [999]})
    assert missing.status_code == 400
    assert missing.json()["detail"] == [{"field": "notify_channels[0]", "message": "通知渠道不存在: 999"}]
    # a global task cannot push to tenant t1's channel, a task of t1 can
    other = await client.post("/api/scheduled-tasks", json={**TASK, "notify_channels": [mine["id"]]})
    assert other.status_code == 400
    own = await client.post(
        "/api/scheduled-tasks", json={**TASK, "notify_channels": [mine["id"]], "tenant_id": "t1"}
    )
    assert own.status_code == 200, own.text
    app_missing = await client.post("/api/scheduled-tasks", json={**TASK, "notify_wecom_app_id": 7})
    assert app_missing.json()["detail"] == [{"field": "notify_wecom_app_id", "message": "企微应用不存在: 7"}]
    task_id = own.json()["data"]["id"]
    moved = await client.put(f"/api/scheduled-tasks/{task_id}", json={"notify_channels": [mine["id"], 998]})
    assert moved.json()["detail"] == [{"field": "notify_channels[1]", "message": "通知渠道不存在: 998"}]


async def test_a_cron_that_never_fires_says_so(client: httpx.AsyncClient) -> None:
    body = {**TASK, "schedule_type": "cron", "cron_expression": "0 0 30 2 *"}
    response = await client.post("/api/scheduled-tasks", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json()["error"] == "cron_expression never fires: 0 0 30 2 * (no month has that day)"


async def test_admins_name_the_tenant_of_what_they_create(client: httpx.AsyncClient, app: FastAPI) -> None:
    creations = [
        (
            "/api/notification-channels",
            {"channel_name": "c", "channel_type": "dingtalk_bot", "webhook_url": ROBOT},
        ),
        (
            "/api/notification-channels/wecom-apps",
            {"app_name": "a", "corp_id": "ww1", "agent_id": 1, "secret": "s"},
        ),
        ("/api/scheduled-tasks", TASK),
        ("/api/script/projects", {"project_name": "p"}),
        ("/api/scheduled-tasks/secrets", {"key": "K", "value": "v"}),
    ]
    for path, body in creations:
        named = await client.post(path, json={**body, "tenant_id": "t9"})
        assert named.status_code == 200, (path, named.text)
    async with app.state.sessions() as session:
        for model in (NotifyChannel, WecomApp, ScheduledTask, Project, Secret):
            assert (await session.scalars(select(model.tenant_id))).all() == ["t9"], model


async def test_a_tenant_creates_only_in_its_own_tenant(client: httpx.AsyncClient, app: FastAPI) -> None:
    async with await tenant_client(app, client, "t1") as t1:
        for path, body in (
            ("/api/scheduled-tasks", TASK),
            ("/api/script/projects", {"project_name": "p"}),
            ("/api/scheduled-tasks/secrets", {"key": "K", "value": "v"}),
            (
                "/api/notification-channels",
                {"channel_name": "c", "channel_type": "dingtalk_bot", "webhook_url": ROBOT},
            ),
        ):
            foreign = await t1.post(path, json={**body, "tenant_id": "t2"})
            assert foreign.status_code == 400, (path, foreign.text)
            assert foreign.json()["error"].startswith("tenant_id 无效")
            own = await t1.post(path, json=body)
            assert own.status_code == 200, (path, own.text)
            assert own.json()["data"].get("tenant_id", "t1") == "t1"
        script = await t1.post(
            "/api/scheduled-tasks/test-script", json={"script_content": "x = 1", "tenant_id": "t2"}
        )
        assert script.status_code in (400, 503)


async def test_ids_of_deleted_tasks_channels_and_secrets_are_never_reused(client: httpx.AsyncClient) -> None:
    for path, body in (
        ("/api/scheduled-tasks", TASK),
        (
            "/api/notification-channels",
            {"channel_name": "c", "channel_type": "dingtalk_bot", "webhook_url": ROBOT},
        ),
        ("/api/scheduled-tasks/secrets", {"key": "K", "value": "v"}),
    ):
        first = (await client.post(path, json=body)).json()["data"]["id"]
        assert (await client.delete(f"{path}/{first}")).status_code == 200
        second = (await client.post(path, json=body)).json()["data"]["id"]
        assert second > first, path
