"""`vwed script start|ls|call|stop` against a real server on 127.0.0.1."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.cli_helpers import run_cli
from tests.integration.scripts_helpers import add_file
from tests.servers import LocalServer

SERVICE = 'def boot():\n    VWED.function.register("double")(lambda a: a["n"] * 2)\n'


# The CLI talks HTTP; one back end is enough.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def test_the_cli_starts_lists_calls_and_stops_a_service(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_file(client, SERVICE, "double.py")
    async with LocalServer(app) as server:
        code, out = await run_cli("script", "start", "double.py", "--url", server.url)
        assert code == 0, out
        assert "已注册 0 个接口,1 个函数" in out
        script_id = out.strip().splitlines()[-1]
        assert script_id.startswith("double.py_")

        code, out = await run_cli("script", "ls", "--url", server.url)
        assert code == 0
        assert "running" in out

        code, out = await run_cli("script", "call", script_id, "double", '{"n": 21}', "--url", server.url)
        assert code == 0
        *result, timing = out.strip().splitlines()
        assert json.loads("\n".join(result)) == 42
        assert timing.endswith(" ms")

        code, out = await run_cli("script", "call", script_id, "missing", "--url", server.url)
        assert (code, out.strip()) == (1, "函数 missing 未注册")

        code, out = await run_cli("script", "stop", script_id, "--url", server.url)
        assert code == 0
        assert "脚本服务已停止 (double.py)" in out
