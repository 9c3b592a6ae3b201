"""A service whose event loop stops answering is flagged, and cleared once it answers again."""

from __future__ import annotations

import textwrap

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.scripts_helpers import add_file, call, messages_until, start, subscribe
from vwed.config import Settings


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The watchdog does not depend on the database."""
    name: str = request.param
    return name


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Fast heartbeats, only in this module, so that load on the machine cannot flag other tests' services."""
    settings.script_heartbeat_seconds = 0.1
    return settings


def script(source: str) -> str:
    return textwrap.dedent(source).lstrip()


async def test_a_blocked_event_loop_is_flagged_unresponsive_and_cleared_when_it_recovers(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    blocker = script(
        """
        import time

        def boot():
            @VWED.function.register("block", timeout=0.2)
            async def block(args):
                time.sleep(1)
        """
    )
    await add_file(client, blocker)
    script_id = (await start(client, "main.py"))["script_id"]
    statuses = await subscribe(app, f"script.status.{script_id}")

    blocked = await call(client, script_id, "block")

    assert blocked.json()["error"] == "执行超时: 超过 0.2 秒未完成"
    seen = await messages_until(statuses, lambda m: m.data["status"] == "running")
    assert [m.data["status"] for m in seen] == ["unresponsive", "running"]
    assert seen[0].data["message"].startswith("脚本无响应: ")
    assert seen[1].data["message"] == "脚本恢复响应"
