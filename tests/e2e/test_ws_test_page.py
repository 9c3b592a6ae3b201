"""The WebSocket test page works in a real browser: connect, subscribe, see a logged line, ping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ADMIN_TOKEN
from tests.e2e.browser import chromium
from tests.integration.scripts_helpers import add_file, call, start
from tests.servers import LocalServer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
SCRIPT = "main.py_1726059000000_abc12345"


@pytest.fixture
async def server(app: FastAPI) -> AsyncIterator[LocalServer]:
    async with LocalServer(app) as running:
        yield running


async def test_page_connects_subscribes_and_shows_live_lines(
    app: FastAPI, server: LocalServer, tmp_path: Path
) -> None:
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{server.url}/api/script/ws/test-page?token={ADMIN_TOKEN}")
        await page.click("#connect")
        await page.wait_for_selector("#state.on")
        await page.fill("#script", SCRIPT)
        await page.click("#subscribe")
        await page.wait_for_selector("text=subscribed")
        await app.state.bus.publish(
            f"script.log.{SCRIPT}",
            {"level": "INFO", "message": "来自脚本的日志", "timestamp": "2025-09-11T12:00:00Z"},
        )
        line = await page.wait_for_selector("text=来自脚本的日志", timeout=5000)
        assert line is not None
        assert SCRIPT in (await line.text_content() or "")
        await page.click("#ping")
        await page.wait_for_selector("text=pong")
        await page.screenshot(path=str(tmp_path / "ws-test-page.png"))


LOGGER = """def boot():
    @VWED.function.register("say")
    def say(args):
        VWED.log.sync_info(args["text"])
        return True
"""


async def test_page_shows_a_line_logged_by_a_running_script(
    client: httpx.AsyncClient, server: LocalServer
) -> None:
    await add_file(client, LOGGER, "logger.py")
    script_id = (await start(client, "logger.py"))["script_id"]
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{server.url}/api/script/ws/test-page?token={ADMIN_TOKEN}")
        await page.click("#connect")
        await page.wait_for_selector("#state.on")
        await page.fill("#script", script_id)
        await page.click("#subscribe")
        await page.wait_for_selector("text=subscribed")
        await call(client, script_id, "say", {"text": "运行中的脚本写的日志"})
        line = await page.wait_for_selector("text=运行中的脚本写的日志", timeout=10_000)
        assert line is not None
        assert f"[INFO] {script_id}" in (await line.text_content() or "")


async def test_page_without_token_is_refused(server: LocalServer) -> None:
    async with chromium() as browser:
        page = await browser.new_page()
        response = await page.goto(f"{server.url}/api/script/ws/test-page")
        assert response is not None
        assert response.status == 401
