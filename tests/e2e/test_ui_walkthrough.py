"""The web UI walked through in Debian's Chromium against a real `vwed serve`, as a first-time user would.

Sign in; create a project and a file, type code and see a syntax marker, fix and save; restore an older
version from the diff view; start seed script 7.2, call its route from "try it", see its log line arrive
live, its sandbox level and layers, and a tenant's function under its tenant-qualified name; create a cron
task with a DingTalk channel (a local fake robot), see a refused script_deps line marked, test-run it
while every run slot is busy (told so) and again when one is free, run it now and read its log with each
channel's outcome; read both sandboxes and the run slots on the system page; stop the backend and see
"服务暂时不可用", start it again and recover without a reload; switch to English. No console errors
(but for the refusals the test provokes), and no request to a host other than 127.0.0.1.

With VWED_SCREENSHOTS=<dir> (`make screenshots`) every page is saved there in zh and en, light and dark,
for docs/ui/, at 1440x900 (or the size VWED_SCREENSHOT_SIZE names, e.g. 1280x720, to look at the pages on
a smaller screen).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import chromium
from tests.e2e.ui_server import Backend, Watch, backend, require_built_ui
from tests.fakes.dingtalk import FakeDingTalk
from tests.hostile.server import ADMIN_TOKEN
from tests.integration.seed_scripts import API_SERVICE_7_2
from tests.servers import LocalServer


@pytest.fixture
async def robot() -> AsyncIterator[tuple[FakeDingTalk, str]]:
    fake = FakeDingTalk()
    async with LocalServer(fake.app) as server:
        yield fake, fake.url(server.url)


async def type_into_editor(page: Page, text: str) -> None:
    """Replace the editor's whole content with `text` (as one input, so auto-indent leaves it alone)."""
    await page.locator(".monaco-editor .view-lines").first.click()
    await page.keyboard.press("ControlOrMeta+A")
    await page.keyboard.press("Delete")
    await page.keyboard.insert_text(text)


SCREENS = {
    "sign-in": "/login",
    "projects": None,  # the IDE with the file open, filled in during the walk-through
    "script-services": "/script-services",
    "scheduled-tasks": "/scheduled-tasks",
    "task-edit": None,
    "notification-channels": "/notification-channels",
    "secrets": "/secrets",
    "variables": "/variables",
    "tenants": "/tenants",
    "system": "/system",
}


SAMPLE_TASKS = [
    ("库存预警", "每小时检查库存,低于阈值时推送企微", "0 * * * *", "script", True),
    ("Weekly report for the operations team in Hangzhou", "to the BI service", "30 9 * * 1", "webhook", True),
    ("月度对账", "每月 1 日凌晨对账", "0 2 1 * *", "script", False),
]


TENANT_SERVICE = """def boot():
    @VWED.function.register("quote", description="a tenant's own function")
    def quote(symbol="VWED"):
        return {"symbol": symbol, "price": 42}
"""


def start_tenant_service(server: Backend) -> None:
    """A tenant's service with a function, which the admin sees as `tenant-a:quote`."""
    with server.api() as api:
        api.post("/api/tenants", json={"tenant_id": "tenant-a", "tenant_name": "租户 A"}).raise_for_status()
        project = api.post("/api/script/projects", json={"project_name": "行情", "tenant_id": "tenant-a"})
        body = {"project_id": project.json()["data"]["id"], "file_name": "quote.py", "file_path": "quote.py"}
        api.post("/api/script/files", json={**body, "content": TENANT_SERVICE}).raise_for_status()
        api.post("/api/script/scripts/start", json={"script_path": "quote.py"}).raise_for_status()


def hold_the_run_slot(server: Backend) -> threading.Thread:
    """A test run sleeping in the server's only run slot (VWED_EXECUTOR_CONCURRENCY=1), until it returns."""
    body = {"script_content": "time.sleep(4)", "timeout_seconds": 30}

    def run() -> None:
        with server.api(timeout=60) as api:
            api.post("/api/scheduled-tasks/test-script", json=body).raise_for_status()

    holder = threading.Thread(target=run, daemon=True)
    holder.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        slots = httpx.get(f"{server.url}/api/health", timeout=5).json()["data"]["run_slots"]
        if slots["busy"] >= slots["capacity"]:
            return holder
        time.sleep(0.05)
    raise AssertionError("the test run did not take the run slot")


def add_sample_data(server: Backend) -> None:
    """A few more tasks (long names, a webhook, a disabled one) and secrets, so the screenshots show real
    lists."""
    with server.api() as api:
        for key, tenant, shared in (("OPENAI_KEY", None, True), ("ERP_PASSWORD", "tenant-a", False)):
            body = {"key": key, "value": "s3cret", "tenant_id": tenant, "shared": shared}
            api.post("/api/scheduled-tasks/secrets", json=body).raise_for_status()
        for name, desc, cron, kind, enabled in SAMPLE_TASKS:
            body = {
                "task_name": name,
                "task_desc": desc,
                "schedule_type": "cron",
                "cron_expression": cron,
                "execution_type": kind,
                "is_enabled": enabled,
            }
            if kind == "webhook":
                body["webhook_url"] = "http://127.0.0.1:9/hook"
            else:
                body["script_content"] = "result = {'content': 'ok'}"
            api.post("/api/scheduled-tasks", json=body).raise_for_status()


async def take_screenshots(page: Page, base: str, paths: dict[str, str | None], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    width, height = os.environ.get("VWED_SCREENSHOT_SIZE", "1440x900").split("x")
    await page.set_viewport_size({"width": int(width), "height": int(height)})
    for lang in ("zh-CN", "en"):
        for theme in ("light", "dark"):
            await page.evaluate(
                "([l, t]) => { localStorage.setItem('vwed.lang', l); localStorage.setItem('vwed.theme', t) }",
                [lang, theme],
            )
            for name, path in paths.items():
                if path is None:
                    continue
                await page.goto(base + path)
                await page.wait_for_load_state("networkidle")
                if name in ("projects", "task-edit"):
                    await page.wait_for_selector(".monaco-editor", timeout=20_000)
                if name == "task-edit":
                    await expect(page.locator("[data-test=schedule-preview] li")).to_have_count(5)
                if name == "scheduled-tasks":
                    await page.wait_for_selector(".el-table-v2__row .task-link")
                await page.wait_for_timeout(400)
                short = "zh" if lang == "zh-CN" else "en"
                await page.screenshot(path=str(out / f"{name}-{short}-{theme}.png"))


async def test_a_user_walks_through_the_console(tmp_path: Path, robot: tuple[FakeDingTalk, str]) -> None:
    require_built_ui()
    fake, robot_url = robot
    with backend(tmp_path, {"VWED_EXECUTOR_CONCURRENCY": "1"}) as server:
        async with chromium() as browser:
            context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page = await context.new_page()
            page.set_default_timeout(15_000)
            watch = Watch(page)
            base = server.url

            # -- sign in: the token goes to the server once and nowhere in the browser's storage
            await page.goto(base + "/")
            await expect(page.locator("[data-test=token]")).to_be_visible()
            await page.locator("[data-test=token]").fill(ADMIN_TOKEN)
            await page.click("[data-test=sign-in]")
            await page.wait_for_url("**/projects**")
            storage = await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
            assert ADMIN_TOKEN not in storage
            assert ADMIN_TOKEN not in await page.evaluate("document.cookie")

            # -- a project, a file, a syntax marker while typing, fixed and saved with Ctrl+S
            await page.click("[data-test=new-project]")
            await page.locator("[data-test=project-name]").fill("演示项目")
            await page.keyboard.press("Enter")  # Enter in a dialog's field confirms it
            await expect(page.locator("[data-test=project-name]")).to_be_hidden()
            await page.click("[data-test=new-file]")
            await expect(page.locator("[data-test=file-name]")).to_be_focused()
            await page.keyboard.press("Escape")  # Esc closes it
            await expect(page.locator("[data-test=file-name]")).to_be_hidden()
            await page.click("[data-test=new-file]")
            await page.click("[data-test=file-create]")
            await page.wait_for_selector(".monaco-editor", timeout=30_000)
            await type_into_editor(page, "def boot(:")
            await expect(page.locator("[data-test=syntax-state]")).to_contain_text("1")
            await page.wait_for_selector(".monaco-editor .squiggly-error")
            # completion and hover docs of the VWED object (the Python-only Monaco build keeps both)
            await type_into_editor(page, "VWED")
            await page.keyboard.type(".")
            suggest = page.locator(".monaco-editor .suggest-widget")
            await expect(suggest).to_contain_text("log", timeout=10_000)
            await expect(suggest).to_contain_text("http")  # VWED.http, the brokered client
            await page.keyboard.press("Escape")
            word = await page.locator(".monaco-editor .view-line span span").first.bounding_box()
            assert word is not None
            for dx in (6, 10):
                await page.mouse.move(word["x"] + dx, word["y"] + word["height"] / 2)
            hover = page.locator(".monaco-editor .monaco-hover:not(.hidden)")
            await expect(hover).to_contain_text("VWED", timeout=10_000)
            await type_into_editor(page, "def boot(): VWED.log.sync_info('fixed')")
            await expect(page.locator(".monaco-editor .squiggly-error")).to_have_count(0)
            await page.keyboard.press("ControlOrMeta+S")
            await expect(page.locator("[data-test=saved]")).to_be_visible()
            projects_path = urlsplit(page.url).path

            # -- restore the first version (the template) from the diff view
            await page.click("[data-test=history]")
            await page.locator("[data-test=versions] [data-version='1']").click()
            await page.wait_for_selector("[data-test=diff-view] .monaco-diff-editor", timeout=20_000)
            await page.click("[data-test=restore]")
            await expect(page.locator("[data-test=diff-view]")).to_have_count(0)
            await page.keyboard.press("Escape")
            restored = httpx.get(
                f"{base}/api/script/files/1", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            ).json()["data"]["content"]
            assert "/hello" in restored
            assert "fixed" not in restored

            # -- upload the seed's 7.2 script as a file of the project
            seed = tmp_path / "api_service.py"
            seed.write_text(API_SERVICE_7_2, encoding="utf-8")
            await page.set_input_files("input[type=file]", str(seed))
            await expect(page.locator(".toolbar .path")).to_contain_text("api_service.py")

            # -- start the service, call its route from "try it", see its log line arrive live
            start_tenant_service(server)
            await page.locator(".toolbar button", has_text="启动服务").click()
            await page.wait_for_url("**/script-services**")
            await page.click("[data-test=start-submit]")
            await expect(page.locator("[data-test=running]")).to_contain_text("api_service.py")
            await expect(page.locator("[data-test=log-panel]")).to_contain_text("API服务启动", timeout=20_000)
            # its sandbox level, network, and the layers its process reported (a tooltip)
            sandbox = page.locator("[data-test=running] .el-table__row", has_text="api_service.py").locator(
                "[data-test=sandbox]"
            )
            await expect(sandbox).to_contain_text(re.compile(r"L[0-3]"))
            await sandbox.hover()
            await expect(page.locator("[data-test=sandbox-tip]")).to_contain_text("L0")
            # the tenant's function, named as the admin sees it
            await page.locator(".reg-tabs #tab-functions").click()
            await expect(page.locator("[data-test=function-tenant]")).to_have_text("tenant-a:")
            await page.locator(".reg-tabs #tab-routes").click()
            await page.locator("[data-test=try-route]").first.click()
            dialog = page.locator("[data-test=try-dialog]")
            await dialog.locator("[data-test=try-path]").fill("/webhook")
            await dialog.locator("[data-test=try-method]").click()
            await page.locator(".el-select-dropdown__item", has_text="POST").click()
            await dialog.locator("[data-test=try-body]").fill('{"event": "来自浏览器"}')
            await page.click("[data-test=try-send]")
            await expect(page.locator("[data-test=try-status]")).to_contain_text("HTTP 200")
            await expect(page.locator("[data-test=try-answer]")).to_contain_text("received")
            await page.keyboard.press("Escape")
            await expect(page.locator("[data-test=log-panel]")).to_contain_text("收到Webhook: 来自浏览器")

            # -- a DingTalk channel (the local fake robot)
            await page.click("[data-nav=channels]")
            await page.click("[data-test=new-channel]")
            await expect(page.locator("[data-test=channel-tenant]")).to_contain_text("全局")
            await page.locator("[data-test=channel-name]").fill("值班群")
            await page.locator("[data-test=channel-url]").fill(robot_url)
            await page.click("[data-test=channel-save]")
            await expect(page.locator("[data-test=channels]")).to_contain_text("值班群")

            # -- a cron task: preview, test run with what the channel would receive, save, run now, log
            await page.click("[data-nav=tasks]")
            await page.click("[data-test=new-task]")
            await page.locator("[data-test=task-name]").fill("每日推送")
            await expect(page.locator("[data-test=schedule-preview] li")).to_have_count(5)
            await page.locator("[data-test=task-channels]").click()
            await page.locator(".el-select-dropdown__item", has_text="值班群").click()
            await page.keyboard.press("Escape")
            await page.wait_for_selector("[data-test=code-editor] .monaco-editor", timeout=20_000)
            # a script_deps line the server refuses is marked on its line, with the server's reason
            watch.expected = {400, 503}
            deps = page.locator("[data-test=task-deps]")
            await deps.locator("textarea").fill("requests\n-r /etc/passwd")
            await page.click("[data-test=task-save]")
            await expect(deps.locator(".number.on")).to_have_text("2")
            await expect(deps.locator("[data-test=marked-line]")).to_be_visible()
            await expect(deps).to_contain_text("第 2 行")
            await deps.locator("textarea").fill("")
            await expect(deps.locator("[data-test=marked-line]")).to_have_count(0)
            # every run slot busy: the test run is refused and says so; once one is free it runs
            holder = hold_the_run_slot(server)
            await page.click("[data-test=test-run]")
            await expect(page.locator("[data-test=test-busy]")).to_contain_text("运行槽位")
            holder.join(timeout=60)
            await page.click("[data-test=test-retry]")
            watch.expected = set()
            result = page.locator("[data-test=test-result]")
            await expect(result).to_contain_text("任务开始执行", timeout=60_000)
            await expect(result.locator("[data-test=rendered]")).to_contain_text("每日推送")
            assert fake.received == []
            await expect(page.locator("[data-test=task-dirty]")).to_be_visible()
            await page.locator("[data-test=task-name]").click()
            await page.keyboard.press("ControlOrMeta+S")  # saves from any field of the page
            await page.wait_for_url("**/scheduled-tasks/1")
            await expect(page.locator("[data-test=task-dirty]")).to_have_count(0)
            task_edit_path = urlsplit(page.url).path
            await page.click("[data-test=task-run-now]")
            await page.click("[data-nav=tasks]")
            await page.locator("[data-test=logs]").first.click()
            logs = page.locator("[data-test=run-logs]")
            deadline = time.monotonic() + 60
            while "成功" not in (await logs.inner_text()) and time.monotonic() < deadline:
                await page.click("[data-test=logs-refresh]")
                await page.wait_for_timeout(500)
            await expect(logs).to_contain_text("成功")
            await logs.locator(".el-table__expand-icon").first.click()
            await expect(page.locator("[data-test=run-output]").first).to_contain_text("任务开始执行")
            delivery = page.locator("[data-test=deliveries]").first
            await expect(delivery).to_contain_text("值班群")
            await expect(delivery.locator("[data-outcome=ok]")).to_contain_text("已送达")
            assert fake.received
            assert "每日推送" in str(fake.received[-1])
            await page.keyboard.press("Escape")

            # -- the system page: both sandboxes with their layers, and the run slots
            await page.click("[data-nav=system]")
            for which in ("task-sandbox", "service-sandbox"):
                await expect(page.locator(f"[data-test={which}] [data-test=sandbox-level]")).to_have_text(
                    re.compile(r"^L[0-3]$")
                )
            await expect(page.locator("[data-test=run-slots]")).to_contain_text("/ 1")
            await page.click("[data-nav=tasks]")

            # -- the backend goes away: "服务暂时不可用"; it comes back: the page recovers by itself
            watch.outage = True
            server.stop()
            await page.locator(".page-head button", has_text="刷新").click()
            banner = page.locator("[data-test=backend-down]")
            await expect(banner).to_contain_text("服务暂时不可用")
            server.start()
            await expect(banner).to_have_count(0, timeout=20_000)
            watch.outage = False
            await expect(page.locator("[data-test=task-table]")).to_contain_text("每日推送")

            # -- English, remembered
            await page.locator("header [data-test=lang]").click()
            await page.locator(".el-select-dropdown__item", has_text="English").click()
            await expect(page.locator("[data-nav=tasks]")).to_contain_text("Scheduled tasks")
            await page.reload()
            await expect(page.locator("[data-nav=tasks]")).to_contain_text("Scheduled tasks")

            screens = os.environ.get("VWED_SCREENSHOTS")
            if screens:
                add_sample_data(server)
                paths = dict(SCREENS, projects=projects_path, **{"task-edit": task_edit_path})
                await take_screenshots(page, base, paths, Path(screens))

            assert watch.errors == [], watch.errors
            assert watch.hosts == {"127.0.0.1"}, watch.hosts
            await context.close()


async def test_a_fresh_server_shows_the_sign_in_page_with_nothing_leaving_the_machine(tmp_path: Path) -> None:
    require_built_ui()
    with backend(tmp_path) as server:
        async with chromium() as browser:
            page = await browser.new_page()
            watch = Watch(page)
            await page.goto(server.url + "/")
            await page.wait_for_url("**/login**")
            await expect(page.locator("[data-test=sign-in]")).to_be_visible()
            await page.goto(server.url + "/docs")
            await expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=20_000)
            assert watch.errors == [], watch.errors
            assert watch.hosts == {"127.0.0.1"}, watch.hosts
