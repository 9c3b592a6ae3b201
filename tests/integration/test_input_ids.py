"""Ids and pages are checked against the integer range of the tables on every back end (INTEGER is
32-bit on PostgreSQL and MySQL): out of range is a 400 naming the parameter, never a 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.backends import snapshot

HUGE = "99999999999999999999"  # > 2^63
FIELDS = ("task_id", "project_id", "file_id", "version", "channel_id", "app_id", "secret_id", "page")


# Every operation that takes an id or a page, with an id just past what the tables hold.
ID_OPERATIONS = [
    ("GET", "/api/scheduled-tasks/{id}", None),
    ("PUT", "/api/scheduled-tasks/{id}", {"task_name": "x"}),
    ("DELETE", "/api/scheduled-tasks/{id}", None),
    ("POST", "/api/scheduled-tasks/{id}/toggle", None),
    ("POST", "/api/scheduled-tasks/{id}/run", None),
    ("GET", "/api/scheduled-tasks/{id}/logs", None),
    ("GET", "/api/scheduled-tasks/{id}/next-runs", None),
    ("GET", "/api/script/projects/{id}", None),
    ("PUT", "/api/script/projects/{id}", {"description": "x"}),
    ("DELETE", "/api/script/projects/{id}", None),
    ("GET", "/api/script/projects/{id}/files", None),
    ("GET", "/api/script/files/{id}", None),
    ("PUT", "/api/script/files/{id}", {"content": ""}),
    ("DELETE", "/api/script/files/{id}", None),
    ("GET", "/api/script/files/{id}/versions", None),
    ("GET", "/api/script/files/1/versions/{id}", None),
    ("POST", "/api/script/files/1/versions/{id}/restore", None),
    ("PUT", "/api/notification-channels/{id}", {"description": "x"}),
    ("DELETE", "/api/notification-channels/{id}", None),
    ("POST", "/api/notification-channels/{id}/test", None),
    ("PUT", "/api/notification-channels/wecom-apps/{id}", {"description": "x"}),
    ("DELETE", "/api/notification-channels/wecom-apps/{id}", None),
    ("POST", "/api/notification-channels/wecom-apps/{id}/test", None),
    ("PUT", "/api/scheduled-tasks/secrets/{id}", {"description": "x"}),
    ("DELETE", "/api/scheduled-tasks/secrets/{id}", None),
    ("GET", "/api/scheduled-tasks?page={id}", None),
    ("GET", "/api/scheduled-tasks/1/logs?page={id}", None),
    ("GET", "/api/notification-channels/deliveries?channel_id={id}", None),
    ("GET", "/api/script/files/search?keyword=a&project_id={id}", None),
]


async def test_ids_and_pages_outside_the_tables_range_are_400_naming_the_parameter(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await client.post("/api/script/projects", json={"project_name": "p"})
    before = await snapshot(app.state.engine)
    for method, path, body in ID_OPERATIONS:
        for value in (HUGE, str(2**31), "0", "-1"):
            response = await client.request(method, path.replace("{id}", value), json=body)
            assert response.status_code == 400, (method, path, value, response.text)
            answer = response.json()
            assert answer["error"] == "请求参数验证失败"
            assert answer["detail"][0]["field"] in FIELDS, answer
        # the largest id the tables hold is simply not there
        largest = await client.request(method, path.replace("{id}", str(2**31 - 1)), json=body)
        assert largest.status_code in (200, 404), (method, path, largest.text)
    assert await snapshot(app.state.engine) == before


BODIES = [
    ("/api/script/files", {"project_id": 2**63, "file_name": "a", "file_path": "a"}, "project_id"),
    ("/api/script/files", {"project_id": 2**31, "file_name": "a", "file_path": "a"}, "project_id"),
    (
        "/api/scheduled-tasks",
        {"task_name": "t", "time_points": ["08:00"], "script_content": "x=1", "notify_channels": [2**40]},
        "notify_channels[0]",
    ),
    (
        "/api/scheduled-tasks",
        {"task_name": "t", "time_points": ["08:00"], "script_content": "x=1", "notify_wecom_app_id": 2**31},
        "notify_wecom_app_id",
    ),
    (
        "/api/notification-channels/wecom-apps",
        {"app_name": "a", "corp_id": "c", "agent_id": 2**31, "secret": "s"},
        "agent_id",
    ),
]


async def test_ids_in_bodies_outside_the_range_are_400_and_change_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await client.get("/api/script/projects")  # the token's last use is recorded on the first call
    before = await snapshot(app.state.engine)
    for path, body, field in BODIES:
        response = await client.post(path, json=body)
        assert response.status_code == 400, response.text
        assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await snapshot(app.state.engine) == before
