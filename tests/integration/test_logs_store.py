"""Stored script logs: each query filter, paging, download, tenant scope, retention and flood limiting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from vwed.auth.service import create_token
from vwed.bus import Message
from vwed.db.base import utcnow
from vwed.logs.models import ScriptLog

SCRIPT = "main.py_1726059000000_abc12345"


async def store(app: FastAPI, *lines: dict[str, Any], script_id: str = SCRIPT) -> None:
    pipeline = app.state.log_pipeline
    for line in lines:
        pipeline.accept(Message(f"script.log.{script_id}", line))
    await pipeline.flush()


def at(hour: int) -> str:
    return f"2025-09-11T{hour:02d}:00:00Z"


async def seed(app: FastAPI) -> None:
    await store(
        app,
        {"level": "INFO", "message": "脚本启动中...", "timestamp": at(1)},
        {"level": "warning", "message": "温度过高: 85°C", "timestamp": at(2), "data": {"sensor": 7}},
        {"level": "ERROR", "message": "处理传感器数据失败: boom", "timestamp": at(3)},
        {"level": "DEBUG", "message": "调试 100% 完成", "timestamp": at(4)},
        {"level": "INFO", "message": "脚本服务注册完成", "timestamp": at(5)},
    )


async def messages(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(f"/api/script/scripts/{SCRIPT}/logs", params=params)
    assert response.status_code == 200, response.text
    return [line["message"] for line in response.json()["data"]["logs"]]


async def test_a_stored_line_has_the_documented_fields(client: httpx.AsyncClient, app: FastAPI) -> None:
    await seed(app)
    body = (await client.get(f"/api/script/scripts/{SCRIPT}/logs", params={"limit": 2})).json()
    first = body["data"]["logs"][1]
    assert first == {
        "seq": first["seq"],
        "timestamp": "2025-09-11T02:00:00.000Z",
        "level": "WARNING",
        "source": "log",
        "message": "温度过高: 85°C",
        "data": {"sensor": 7},
    }
    assert body["data"]["script_id"] == SCRIPT
    assert body["data"]["next_cursor"] == first["seq"]


async def test_each_filter(client: httpx.AsyncClient, app: FastAPI) -> None:
    await seed(app)
    assert await messages(client, level="error") == ["处理传感器数据失败: boom"]
    assert len(await messages(client, level="ERROR,WARNING")) == 2
    assert await messages(client, keyword="脚本") == ["脚本启动中...", "脚本服务注册完成"]
    assert await messages(client, keyword="100%") == ["调试 100% 完成"]
    assert await messages(client, keyword="_") == []
    assert await messages(client, since="2025-09-11T04:00:00Z") == ["调试 100% 完成", "脚本服务注册完成"]
    assert await messages(client, until="2025-09-11T02:00:00Z") == ["脚本启动中...", "温度过高: 85°C"]
    assert await messages(client, since="2025-09-11T10:00:00+08:00", until="2025-09-11T11:00:00+08:00") == [
        "温度过高: 85°C",
        "处理传感器数据失败: boom",
    ]


async def test_cursor_pages_through_every_line_once(client: httpx.AsyncClient, app: FastAPI) -> None:
    await seed(app)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        data = (await client.get(f"/api/script/scripts/{SCRIPT}/logs", params=params)).json()["data"]
        seen += [line["message"] for line in data["logs"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert len(set(seen)) == 5


async def test_bad_query_values_are_400(client: httpx.AsyncClient) -> None:
    for params in ({"limit": 0}, {"limit": 5000}, {"since": "yesterday"}, {"cursor": "x"}):
        response = await client.get(f"/api/script/scripts/{SCRIPT}/logs", params=params)
        assert response.status_code == 400, params


async def test_download_is_plain_text(client: httpx.AsyncClient, app: FastAPI) -> None:
    await seed(app)
    response = await client.get(f"/api/script/scripts/{SCRIPT}/logs/download")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"{SCRIPT}.log\"; filename*=UTF-8''{SCRIPT}.log"
    )
    lines = response.text.splitlines()
    assert lines[0] == "2025-09-11T01:00:00.000Z [INFO] 脚本启动中..."
    assert lines[1] == '2025-09-11T02:00:00.000Z [WARNING] 温度过高: 85°C {"sensor": 7}'
    assert len(lines) == 5


async def test_logs_of_another_tenant_are_invisible(client: httpx.AsyncClient, app: FastAPI) -> None:
    await store(
        app, {"message": "a secret", "tenant_id": "tenant-a"}, {"message": "b line", "tenant_id": "tenant-b"}
    )
    async with app.state.sessions() as session:
        token = (await create_token(session, "bob", "user", "tenant-b")).token
    as_bob = {"Authorization": f"Bearer {token}"}
    response = await client.get(f"/api/script/scripts/{SCRIPT}/logs", headers=as_bob)
    assert [line["message"] for line in response.json()["data"]["logs"]] == ["b line"]
    download = await client.get(f"/api/script/scripts/{SCRIPT}/logs/download", headers=as_bob)
    assert "a secret" not in download.text


async def test_retention_by_age_and_by_count(client: httpx.AsyncClient, app: FastAPI) -> None:
    pipeline = app.state.log_pipeline
    await store(app, *({"message": f"line {n}"} for n in range(8)))
    await store(app, {"message": "other script"}, script_id="other.py_1_00000000")
    async with app.state.sessions() as session:
        await session.execute(
            update(ScriptLog)
            .where(ScriptLog.message == "line 0")
            .values(created_at=utcnow() - timedelta(days=30))
        )
        await session.commit()
    pipeline.limits.max_lines_per_script = 5
    assert await pipeline.enforce_retention() == 3
    assert await messages(client) == [f"line {n}" for n in range(3, 8)]
    async with app.state.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ScriptLog)) == 6


async def test_long_lines_are_cut_and_floods_are_limited_with_one_notice(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    pipeline = app.state.log_pipeline
    pipeline.limits.line_max_chars = 100
    await store(app, {"message": "y" * 250})
    cut = (await messages(client))[0]
    assert cut == "y" * 100 + "... [150 chars cut]"

    pipeline.limits.burst = 10
    pipeline.limits.rate_per_second = 0.001
    pipeline.buckets.clear()
    await store(app, *({"message": f"flood {n}"} for n in range(1000)))
    stored = await messages(client, limit=1000)
    assert len([m for m in stored if m.startswith("flood")]) == 10
    notices = [m for m in stored if "日志输出过快" in m]
    assert len(notices) == 1
    pipeline.limits.rate_per_second = 1_000_000
    await store(app, {"message": "calm again"})
    stored = await messages(client, limit=1000)
    assert stored[-2:] == ["日志限流结束,共丢弃 990 行", "calm again"]


async def test_status_changes_are_stored_for_late_readers(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.log_pipeline.accept(
        Message(f"script.status.{SCRIPT}", {"status": "error", "message": "进程退出: 代码 3"})
    )
    await app.state.log_pipeline.flush()
    lines = (await client.get(f"/api/script/scripts/{SCRIPT}/logs")).json()["data"]["logs"]
    assert [(line["source"], line["message"], line["data"]) for line in lines] == [
        ("status", "进程退出: 代码 3", {"status": "error"})
    ]
