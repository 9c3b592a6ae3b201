"""What the browser tests of the web UI share: a `vwed serve` they can stop and start again, a page
watcher (console errors, hosts requested), and signing in through the sign-in page."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import ConsoleMessage, Page, Request, expect

from tests.hostile.server import ADMIN_TOKEN, VWED, vwed_env
from tests.servers import free_port

UI_DIR = Path(__file__).parents[2] / "src" / "vwed" / "web" / "ui"
START_SECONDS = 60.0


def require_built_ui() -> None:
    """Fail (not skip) when the UI is not built: `make test` builds it first."""
    if not (UI_DIR / "index.html").exists():
        pytest.fail("the web UI is not built (make ui)")


class Backend:
    """A `vwed serve` process that a test can stop and start again on the same port and data."""

    def __init__(self, tmp_path: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tmp_path / "data"
        self.log = tmp_path / "server.log"
        self.env = vwed_env(self.data_dir, {"VWED_EGRESS_ALLOW": "127.0.0.1", **(extra_env or {})})
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [VWED, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not come up:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def api(self, timeout: float = 30) -> httpx.Client:
        """An admin client of the server's API (bearer token)."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=timeout
        )


@contextmanager
def backend(tmp_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[Backend]:
    server = Backend(tmp_path, extra_env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Watch:
    """Console errors and request hosts of a page; network errors are expected only during an outage,
    and failed answers only with a status the test provokes (`expected`)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        self.outage = False
        self.expected: set[int] = set()
        page.on("console", self.console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", self.request)

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        status = re.search(r"responded with a status of (\d{3})", message.text)
        if status and int(status.group(1)) in self.expected:
            return
        if self.outage and (
            "ERR_CONNECTION_REFUSED" in message.text or "Failed to load resource" in message.text
        ):
            return
        if self.outage and "WebSocket" in message.text:
            return
        self.errors.append(message.text)

    def request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname
        if host:
            self.hosts.add(host)


async def sign_in(page: Page, base: str) -> None:
    """Sign in with the admin token through the sign-in page."""
    await page.goto(base + "/login")
    await expect(page.locator("[data-test=token]")).to_be_visible()
    await page.locator("[data-test=token]").fill(ADMIN_TOKEN)
    await page.click("[data-test=sign-in]")
    await page.wait_for_url("**/projects**")
