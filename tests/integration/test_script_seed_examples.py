"""Seed 000 section 7 and 8.3: the example scripts start, register what they declare, serve, and stop."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.integration import seed_scripts
from tests.integration.scripts_helpers import add_file, call, start, subscribe, wait_for

ISO_NOW = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
SCRIPT_ID = re.compile(r"^main\.py_\d{13}_[0-9a-f]{8}$")


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Script services keep no data per request; one back end is enough here (restore runs on all)."""
    name: str = request.param
    return name


async def test_full_example_7_1_registers_serves_and_stops_with_the_documented_counts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, seed_scripts.MAIN_7_1)
    logs = await subscribe(app, "script.log.*")

    started = await start(client, "main.py")

    assert SCRIPT_ID.match(started["script_id"])
    assert started == {
        "success": True,
        "script_id": started["script_id"],
        "message": "脚本服务启动成功,已注册 2 个接口,3 个函数,2 个事件监听器",
        "registrations": {"apis": 2, "functions": 3, "events": 2, "timers": 3},
    }
    script_id = started["script_id"]
    await wait_for(logs, lambda m: m.data["message"] == "脚本服务注册完成")

    hello = await client.get("/api/custom/hello", params={"name": "VWED"})
    assert (hello.status_code, hello.json()) == (200, {"message": "Hello, VWED!"})
    assert (await client.get("/api/custom/hello")).json() == {"message": "Hello, World!"}
    processed = (await client.post("/api/custom/process", json=[1, 2, 3])).json()
    assert processed["processed"] is True
    assert processed["count"] == 3
    assert ISO_NOW.match(processed["timestamp"])
    await wait_for(logs, lambda m: m.data["message"] == "处理数据: 3 项")

    summed = await call(client, script_id, "calculate_sum", {"numbers": [1, 2, 3]})
    assert summed.status_code == 200
    assert summed.json()["result"] == {"sum": 6, "count": 3}
    assert summed.json()["success"] is True
    assert isinstance(summed.json()["execution_time_ms"], float | int)

    validated = (await call(client, script_id, "data_validator", {"data": {}})).json()["result"]
    assert validated == {"is_valid": False, "errors": ["数据不能为空"], "data_size": 2}

    done = (await call(client, script_id, "async_task", {"task_name": "导出"})).json()
    assert done["result"]["completed"] is True
    assert done["result"]["task_name"] == "导出"
    uuid.UUID(done["result"]["task_id"])
    assert done["execution_time_ms"] >= 1000

    status = (await client.get("/api/script/registry/status")).json()["data"]
    assert set(status["api_routes"]) == {"GET:/api/custom/hello", "POST:/api/custom/process"}
    assert status["api_routes"]["GET:/api/custom/hello"]["call_count"] == 2
    assert status["api_routes"]["GET:/api/custom/hello"]["description"] == "问候接口"
    assert status["registered_functions"]["calculate_sum"]["success_count"] == 1
    assert status["registered_functions"]["async_task"]["is_async"] is True
    assert status["event_listeners"]["system_error"][0]["priority"] == 0
    assert status["event_listeners"]["task_completed"][0]["priority"] == 1
    assert len(status["timers"]) == 3
    assert status["active_scripts"][script_id]["status"] == "running"
    assert isinstance(status["active_scripts"][script_id]["heartbeat"], float)

    functions = (await client.get("/api/script/integration/functions", params={"tags": "validation"})).json()
    assert [f["function_name"] for f in functions["data"]] == ["data_validator"]
    assert functions["data"][0]["parameters"][0] == {"name": "data", "type": "object", "required": True}

    stopped = await client.post(f"/api/script/scripts/{script_id}/stop")
    assert stopped.json() == {
        "success": True,
        "message": "脚本服务已停止 (main.py),已清理 2 个接口、3 个函数、2 个事件监听器",
        "registrations": {"apis": 2, "functions": 3, "events": 2, "timers": 3},
    }
    assert (await client.get("/api/script/scripts/running")).json() == {"success": True, "data": []}
    assert (await client.get("/api/custom/hello")).status_code == 404


async def test_example_7_1_listeners_handle_platform_events_and_emit_alerts_without_importing_asyncio(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, seed_scripts.MAIN_7_1)
    await start(client, "main.py")
    watch = await subscribe(app, "script.log.*", "emit.alert_required")

    await app.state.bus.publish("event.task_completed", {"task_id": "T-1", "trace_id": "x", "status": "ok"})
    await wait_for(
        watch, lambda m: m.channel.startswith("script.log") and m.data["message"] == "任务完成通知: T-1"
    )

    await app.state.bus.publish("event.system_error", {"error": "磁盘已满"})
    alert = await wait_for(watch, lambda m: m.channel == "emit.alert_required")
    # An event a script emits stays with its owner: this platform script's.
    assert alert.data == {
        "owner": None,
        "data": {"level": "error", "message": "磁盘已满", "source": "script_monitor"},
    }


async def test_api_service_7_2_serves_status_and_webhook_and_emits_user_welcome(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, seed_scripts.API_SERVICE_7_2, "api_service.py")
    started = await start(client, "api_service.py")
    assert started["registrations"] == {"apis": 2, "functions": 0, "events": 0, "timers": 0}
    assert started["message"] == "脚本服务启动成功,已注册 2 个接口,0 个函数,0 个事件监听器"
    welcome = await subscribe(app, "emit.user_welcome")

    status = (await client.get("/api/custom/status")).json()
    assert status["status"] == "running"
    assert status["version"] == "1.0.0"
    assert ISO_NOW.match(status["timestamp"])
    hook = await client.post(
        "/api/custom/webhook", json={"event": "signup", "event_type": "user_created", "user_id": "u-7"}
    )
    assert hook.json() == {"received": True, "processed": True}
    message = await wait_for(welcome, lambda m: True)
    assert message.data["owner"] is None
    assert message.data["data"]["user_id"] == "u-7"
    assert ISO_NOW.match(message.data["data"]["created_at"])

    stopped = (await client.post(f"/api/script/scripts/{started['script_id']}/stop")).json()
    assert stopped["message"] == "脚本服务已停止 (api_service.py),已清理 2 个接口、0 个函数、0 个事件监听器"


async def test_data_processor_7_3_filters_transforms_and_aggregates(client: httpx.AsyncClient) -> None:
    await add_file(client, seed_scripts.DATA_PROCESSOR_7_3, "data_processor.py")
    started = await start(client, "data_processor.py")
    assert started["registrations"] == {"apis": 0, "functions": 2, "events": 0, "timers": 0}
    script_id = started["script_id"]
    items = [{"id": 1, "name": "a", "status": "active"}, {"id": 2, "name": "b", "status": "idle"}]

    filtered = (
        await call(client, script_id, "batch_process", {"data_list": items, "process_type": "filter"})
    ).json()
    assert filtered["result"] == {"processed_data": [items[0]], "original_count": 2}
    transformed = (
        await call(client, script_id, "batch_process", {"data_list": items[:1], "process_type": "transform"})
    ).json()["result"]
    row = transformed["processed_data"][0]
    assert (row["id"], row["name"], row["metadata"]) == (
        1,
        "A",
        {"original_keys": ["id", "name", "status"], "transformation_version": "1.0"},
    )
    aggregated = (await call(client, script_id, "data_aggregation", {"data_source": "db"})).json()
    assert aggregated["result"] == {
        "aggregated_data": {"category_a": 100, "category_b": 150, "category_c": 75},
        "total": 325,
    }
    assert aggregated["execution_time_ms"] >= 500

    stopped = (await client.post(f"/api/script/scripts/{script_id}/stop")).json()
    assert stopped["registrations"] == {"apis": 0, "functions": 2, "events": 0, "timers": 0}


async def test_debug_script_8_3_reports_its_arguments_and_catches_bad_ones(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, seed_scripts.DEBUG_8_3, "debug.py")
    logs = await subscribe(app, "script.log.*")
    started = await start(client, "debug.py")
    assert started["registrations"] == {"apis": 0, "functions": 1, "events": 0, "timers": 0}
    await wait_for(logs, lambda m: m.data["message"] == "=== 脚本启动调试完成 ===")

    good = (await call(client, started["script_id"], "debug_test", {"x": 1, "y": 2})).json()
    assert good == {
        "success": True,
        "result": {"debug": True, "args_keys": ["x", "y"]},
        "execution_time_ms": good["execution_time_ms"],
    }
    bad = (await call(client, started["script_id"], "debug_test", [1, 2])).json()
    assert bad["result"] == {"error": "参数必须是字典类型", "debug": True}
    failed = await wait_for(logs, lambda m: m.data["level"] == "ERROR")
    assert failed.data["message"] == "调试函数执行失败: 参数必须是字典类型"

    stopped = (await client.post(f"/api/script/scripts/{started['script_id']}/stop")).json()
    assert stopped["message"] == "脚本服务已停止 (debug.py),已清理 0 个接口、1 个函数、0 个事件监听器"
