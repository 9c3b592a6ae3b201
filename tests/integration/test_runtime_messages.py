"""What the children report reaches people through `vwed.i18n`: the caller's language in answers, Chinese
in stored log lines and run output, and the wire's limits (depth, size, 64-bit integers) named the same
way on both sides."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.scripts_helpers import add_file, call, start, subscribe, wait_for
from tests.integration.task_helpers import task_settings
from vwed.config import Settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
EN = {"Accept-Language": "en"}

SERVICE = textwrap.dedent(
    """
    import os

    def boot():
        @VWED.function.register("deep")
        def deep(args):
            v = []
            for _ in range(300):
                v = [v]
            return v

        @VWED.function.register("wide")
        def wide(args):
            return {"n": 2 ** 80}

        @VWED.function.register("edge")
        def edge(args):
            return [2 ** 64 - 1, -(2 ** 63), "123456789012345678901234567890"]

        @VWED.function.register("ask_wide")
        def ask_wide(args):
            try:
                VWED.function.call_sync("edge", {"n": 2 ** 70}, 5)
            except Exception as exc:
                return type(exc).__name__ + ": " + str(exc)

        @VWED.api.get("/messages/exit")
        def leave(request):
            os._exit(3)
    """
).lstrip()


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Settings:
    return task_settings(tmp_path, scheduler_enabled=False)


async def test_a_value_the_wire_refuses_fails_the_call_in_the_callers_language_and_logs_in_chinese(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, SERVICE)
    lines = await subscribe(app, "script.log.*")
    script_id = (await start(client, "main.py"))["script_id"]
    deep_zh = await call(client, script_id, "deep")
    assert deep_zh.status_code == 500
    assert deep_zh.json()["error"] == "执行失败: 返回值无法发送: 嵌套超过 250 层"
    logged = await wait_for(lines, lambda m: m.data["level"] == "ERROR")
    assert logged.data["message"] == "deep 执行失败: 返回值无法发送: 嵌套超过 250 层"
    deep_en = await client.post(
        "/api/script/scripts/execute-function",
        json={"script_id": script_id, "function_name": "deep"},
        headers=EN,
    )
    assert deep_en.json()["error"] == (
        "Execution failed: The return value cannot be sent: nested deeper than 250 levels"
    )
    wide = await call(client, script_id, "wide")
    assert wide.json()["error"] == "执行失败: 返回值无法发送: 整数超出 64 位范围 (-2^63 到 2^64-1)"
    # At the edges of 64 bits, and as digits in a string, numbers arrive exactly; the service lives on.
    edge = await call(client, script_id, "edge")
    assert edge.json()["result"] == [2**64 - 1, -(2**63), "123456789012345678901234567890"]
    asked = await call(client, script_id, "ask_wide")
    assert asked.json()["result"] == (
        "FunctionCallFailed: 请求无法发送: 整数超出 64 位范围 (-2^63 到 2^64-1)"
    )


async def test_a_crash_is_reported_in_the_callers_language_and_stored_in_chinese(
    client: httpx.AsyncClient,
) -> None:
    await add_file(client, SERVICE)
    await start(client, "main.py")
    crashed = await client.get("/api/custom/messages/exit", headers=EN)
    assert crashed.status_code == 503
    assert crashed.json()["error"] == "The script process exited: exit code 3"
    [row] = (await client.get("/api/script/scripts/running")).json()["data"]
    assert row["message"] == "脚本进程已退出: 退出码 3"


async def run(client: httpx.AsyncClient, source: str, **headers: str) -> dict[str, Any]:
    response = await client.post(
        "/api/scheduled-tasks/test-script", json={"script_content": source}, headers=headers
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_a_run_names_the_wire_limit_its_result_or_an_sdk_call_broke(client: httpx.AsyncClient) -> None:
    wide = await run(client, "result = {'title': 't', 'content': 'c', 'n': 2 ** 64}")
    assert wide["success"] is False
    assert wide["error"] == "result 无法发送: 整数超出 64 位范围 (-2^63 到 2^64-1)"
    call_sdk = await run(client, "x = 1\nset_var('k', [2 ** 70])\n")
    assert call_sdk["error"] == (
        "第 2 行: SdkError: set_var: 参数无法发送: 整数超出 64 位范围 (-2^63 到 2^64-1)"
    )
    edge = await run(
        client, "set_var('k', [2 ** 64 - 1])\nresult = {'title': 't', 'content': str(get_var('k'))}"
    )
    assert edge["success"] is True, edge
    assert edge["result"]["content"] == str([2**64 - 1])
