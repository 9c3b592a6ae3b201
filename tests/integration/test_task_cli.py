"""`vwed task ls|run|toggle|logs|next` against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ADMIN_TOKEN
from tests.integration.cli_helpers import run_cli
from tests.servers import LocalServer

# The CLI talks HTTP; one back end is enough.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def test_the_cli_lists_toggles_runs_and_shows_logs_of_a_task(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await client.post(
        "/api/scheduled-tasks",
        json={
            "task_name": "日报 & 周报",
            "schedule_type": "simple",
            "time_points": ["08:00", "18:30"],
            "timezone": "Asia/Shanghai",
            "execution_type": "webhook",
            "webhook_url": "http://127.0.0.1:9/hook",
        },
    )
    assert created.status_code == 200, created.text
    task_id = str(created.json()["data"]["id"])
    async with LocalServer(app) as server:
        code, out = await run_cli("task", "ls", "--keyword", "日报 & 周报", "--url", server.url)
        assert code == 0, out
        assert "日报 & 周报" in out
        assert "08:00:00, 18:30:00" in out
        assert "1 tasks in all" in out

        code, out = await run_cli("task", "ls", "--disabled", "--url", server.url)
        assert "0 tasks in all" in out

        code, out = await run_cli("task", "toggle", task_id, "--url", server.url)
        assert (code, out.strip()) == (0, "定时任务 日报 & 周报 已禁用")
        code, out = await run_cli("task", "toggle", task_id, "--enable", "--url", server.url)
        assert out.strip() == "定时任务 日报 & 周报 已启用"

        code, out = await run_cli("task", "next", task_id, "--count", "2", "--url", server.url)
        assert code == 0
        moments = out.strip().splitlines()[1:]
        assert len(moments) == 2
        # the API answers UTC; the CLI shows the task's own wall clock
        assert all(m.endswith("+08:00") for m in moments)

        code, out = await run_cli("task", "run", task_id, "--params", '{"day": "today"}', "--url", server.url)
        assert code == 0, out
        trace_id = out.strip().splitlines()[-1]
        code, out = await run_cli("task", "logs", task_id, "--url", server.url)
        assert code == 0
        assert trace_id in out
        assert "queued" in out

        code, out = await run_cli("task", "run", "999", "--url", server.url)
        assert (code, out.strip()) == (1, "定时任务不存在: 999")
        code, out = await run_cli("task", "run", task_id, "--params", "{bad", "--url", server.url)
        assert code == 2


async def test_tables_piped_to_another_program_are_not_cut_at_80_columns(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    name = "一个很长的任务名称-" + "x" * 90
    body = {"task_name": name, "time_points": ["08:00"], "execution_type": "script", "script_content": "x=1"}
    assert (await client.post("/api/scheduled-tasks", json=body)).status_code == 200
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES") and not k.startswith("VWED_")}
    env["VWED_TOKEN"] = ADMIN_TOKEN
    async with LocalServer(app) as server:
        done = await asyncio.to_thread(
            subprocess.run,
            [str(Path(sys.executable).with_name("vwed")), "task", "ls", "--url", server.url],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert name in done.stdout
    assert "…" not in done.stdout
