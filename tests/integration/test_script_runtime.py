"""Script services beyond the seed's examples: errors, conflicts, crashes, timeouts, events, sandbox."""

from __future__ import annotations

import asyncio
import os
import re
import textwrap
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.scripts_helpers import (
    add_file,
    call,
    eventually,
    messages_until,
    start,
    subscribe,
    wait_for,
)
from tests.sandbox_checks import require_full_sandbox
from vwed.config import Settings


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """These behaviours do not depend on the database; restore is tested on every back end."""
    name: str = request.param
    return name


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Short restart backoff so restart tests stay fast."""
    settings.script_restart_backoff = 0.05
    settings.script_stop_grace = 1.0
    settings.script_boot_timeout = 2.0
    return settings


def script(source: str) -> str:
    return textwrap.dedent(source).lstrip()


ORDERS = script(
    """
    def boot():
        @VWED.api.get("/orders/{order_id}", description="订单")
        def get_order(request_data):
            return {"id": request_data["path_params"]["order_id"], "q": request_data["query_params"]}

        @VWED.api.post("/echo")
        def echo(request_data):
            return {"body": request_data["body"], "headers": sorted(request_data["headers"])}

        @VWED.api.put("/text")
        def text(request_data):
            return "plain " + request_data["body"]

        @VWED.api.delete("/gone")
        def gone(request_data):
            return {"deleted": True}, 202

        @VWED.api.register("/list", "PATCH")
        def listed(request_data):
            return [1, 2, 3]
    """
)


async def test_custom_routes_fill_path_params_and_accept_json_form_and_text_bodies(
    client: httpx.AsyncClient,
) -> None:
    await add_file(client, ORDERS)
    await start(client, "main.py")

    order = await client.get("/api/custom/orders/42", params={"x": "1"})
    assert order.json() == {"id": "42", "q": {"x": "1"}}
    echoed = (await client.post("/api/custom/echo", json={"a": 1})).json()
    assert echoed["body"] == {"a": 1}
    assert "authorization" not in echoed["headers"]
    assert (await client.post("/api/custom/echo", data={"f": "v"})).json()["body"] == {"f": "v"}
    text = await client.put("/api/custom/text", content="hi", headers={"content-type": "text/plain"})
    assert (text.status_code, text.text, text.headers["content-type"]) == (
        200,
        "plain hi",
        "text/plain; charset=utf-8",
    )
    gone = await client.delete("/api/custom/gone")
    assert (gone.status_code, gone.json()) == (202, {"deleted": True})
    assert (await client.patch("/api/custom/list")).json() == [1, 2, 3]
    missing = await client.get("/api/custom/nothing")
    assert (missing.status_code, missing.json()) == (
        404,
        {"success": False, "error": "接口不存在: /api/custom/nothing"},
    )
    wrong = await client.get("/api/custom/echo")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert wrong.json() == {"success": False, "error": "不支持的请求方法: GET"}
    # A method no script may register: the framework's 405, naming the methods of `/api/custom/*`.
    options = await client.options("/api/custom/echo")
    assert (options.status_code, options.headers["allow"]) == (405, "GET, POST, PUT, PATCH, DELETE")


async def test_custom_routes_need_the_bearer_token(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    await add_file(client, ORDERS)
    await start(client, "main.py")
    assert (await anon.get("/api/custom/orders/1")).status_code == 401


async def test_seed_8_2_errors_have_the_seed_wording_and_status(client: httpx.AsyncClient) -> None:
    await add_file(client, "def boot():\n    pass\n\n\nx = (\n", "broken.py")
    await add_file(client, "print('no boot here')\n", "noboot.py")
    await add_file(client, "def boot():\n    VWED.function.register('f')(lambda a: 1)\n", "ok.py")

    broken = await client.post("/api/script/scripts/start", json={"script_path": "broken.py"})
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("脚本加载失败: ")
    assert "(<script>, line 5)" in broken.json()["error"]
    noboot = await client.post("/api/script/scripts/start", json={"script_path": "noboot.py"})
    assert (noboot.status_code, noboot.json()) == (400, {"success": False, "error": "脚本缺少boot()入口函数"})
    missing = await client.post("/api/script/scripts/start", json={"script_path": "invalid_script.py"})
    assert (missing.status_code, missing.json()) == (
        404,
        {"success": False, "error": "脚本文件不存在: invalid_script.py"},
    )

    script_id = (await start(client, "ok.py"))["script_id"]
    unknown = await call(client, script_id, "undefined_function")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "函数 undefined_function 未注册"
    assert "execution_time_ms" in unknown.json()
    not_running = await call(client, "main.py_1726059000000_abc12345", "f")
    assert not_running.status_code == 503
    assert not_running.json()["error"] == "脚本 main.py_1726059000000_abc12345 未运行,无法执行函数"
    english = await client.post(
        "/api/script/scripts/start", json={"script_path": "noboot.py"}, headers={"Accept-Language": "en"}
    )
    assert english.json()["error"] == "The script has no boot() entry function"
    assert (await client.get("/api/script/scripts/running")).json()["data"][0]["script_id"] == script_id


async def test_script_paths_resolve_by_project_and_ambiguity_is_a_409(client: httpx.AsyncClient) -> None:
    await add_file(client, "def boot():\n    pass\n", "main.py", project="甲")
    await add_file(client, "def boot():\n    pass\n", "main.py", project="乙")

    ambiguous = await client.post("/api/script/scripts/start", json={"script_path": "main.py"})
    assert ambiguous.status_code == 409
    assert "projects/甲/main.py" in ambiguous.json()["error"]
    assert "projects/乙/main.py" in ambiguous.json()["error"]
    started = await start(client, "projects/乙/main.py")
    running = (await client.get("/api/script/scripts/running")).json()["data"]
    assert [(r["script_id"], r["script_path"], r["status"]) for r in running] == [
        (started["script_id"], "projects/乙/main.py", "running")
    ]


FAULTY = script(
    """
    import os

    def boot():
        @VWED.api.get("/raise")
        def raising(request_data):
            raise ValueError("坏输入")

        @VWED.api.get("/hang", timeout=0.3)
        def hang(request_data):
            VWED.util.sleep(5)
            return {"late": True}

        @VWED.function.register("slow", timeout=0.3)
        async def slow(args):
            await VWED.util.async_sleep(5)

        @VWED.api.get("/alive")
        def alive(request_data):
            return {"alive": True}

        @VWED.api.get("/exit")
        def leave(request_data):
            os._exit(3)
    """
)


async def test_a_handler_that_raises_answers_500_is_logged_and_the_service_keeps_running(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, FAULTY)
    await start(client, "main.py")
    logs = await subscribe(app, "script.log.*")

    raised = await client.get("/api/custom/raise")
    assert (raised.status_code, raised.json()) == (
        500,
        {"success": False, "error": "执行失败: ValueError: 坏输入"},
    )
    logged = await wait_for(logs, lambda m: m.data["level"] == "ERROR")
    assert "ValueError: 坏输入" in logged.data["message"]
    assert 'File "<script>"' in logged.data["data"]["traceback"]
    assert (await client.get("/api/custom/alive")).json() == {"alive": True}


async def test_a_hanging_handler_is_cut_off_by_its_timeout_and_others_still_answer(
    client: httpx.AsyncClient,
) -> None:
    await add_file(client, FAULTY)
    script_id = (await start(client, "main.py"))["script_id"]

    hung, alive = await asyncio.gather(client.get("/api/custom/hang"), client.get("/api/custom/alive"))
    assert (hung.status_code, hung.json()) == (
        500,
        {"success": False, "error": "执行超时: 超过 0.3 秒未完成"},
    )
    assert alive.json() == {"alive": True}
    slow = await call(client, script_id, "slow")
    assert slow.status_code == 500
    assert slow.json()["error"] == "执行超时: 超过 0.3 秒未完成"
    assert slow.json()["execution_time_ms"] >= 300
    stats = (await client.get("/api/script/registry/status")).json()["data"]["registered_functions"]["slow"]
    assert (stats["call_count"], stats["error_count"]) == (1, 1)


async def test_a_child_that_exits_is_noticed_at_once_and_its_registrations_disappear(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, FAULTY)
    script_id = (await start(client, "main.py"))["script_id"]
    statuses = await subscribe(app, f"script.status.{script_id}")

    crashed = await client.get("/api/custom/exit")
    assert crashed.status_code == 503
    assert crashed.json() == {"success": False, "error": "脚本进程已退出: 退出码 3"}
    error = await wait_for(statuses, lambda m: m.data["status"] == "error")
    assert error.data["message"] == "脚本进程已退出: 退出码 3"
    running = (await client.get("/api/script/scripts/running")).json()["data"]
    assert [(r["status"], r["message"], r["registrations"]["apis"]) for r in running] == [
        ("error", "脚本进程已退出: 退出码 3", 0)
    ]
    assert (await client.get("/api/custom/alive")).status_code == 404
    status = (await client.get("/api/script/registry/status")).json()["data"]
    assert status["api_routes"] == {}
    assert status["active_scripts"][script_id]["status"] == "error"
    stopped = (await client.post(f"/api/script/scripts/{script_id}/stop")).json()
    assert stopped["registrations"] == {"apis": 0, "functions": 0, "events": 0, "timers": 0}


async def test_a_killed_child_with_on_failure_policy_comes_back(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, FAULTY)
    script_id = (await start(client, "main.py", restart_policy="on-failure"))["script_id"]
    statuses = await subscribe(app, f"script.status.{script_id}")
    pid = (await client.get("/api/script/scripts/running")).json()["data"][0]["pid"]

    os.kill(pid, 9)

    seen = await messages_until(statuses, lambda m: m.data["status"] == "running")
    assert [m.data["status"] for m in seen] == ["error", "restarting", "running"]
    assert seen[0].data["message"] == "脚本进程已退出: 信号 SIGKILL"
    assert (await client.get("/api/custom/alive")).json() == {"alive": True}
    running = (await client.get("/api/script/scripts/running")).json()["data"][0]
    assert (running["script_id"], running["status"], running["restarts"]) == (script_id, "running", 1)
    assert running["pid"] != pid


LISTENER = """
def boot():
    @VWED.event.listen("order_created", priority={priority})
    def on_order(event_data):
        VWED.util.sleep({pause})
        VWED.log.sync_info("{name} " + event_data["order_id"])

    @VWED.function.register("{name}_emit")
    async def emit(args):
        await VWED.event.emit("order_created", {{"order_id": args["id"]}})
        return True
"""


async def test_listeners_run_by_priority_across_script_processes(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # The low-priority listener is started first and is fast; the high-priority one is slow.
    # Priority order still holds: the slow one finishes before the other begins.
    await add_file(client, LISTENER.format(priority=5, pause=0, name="later"), "later.py")
    await add_file(client, LISTENER.format(priority=0, pause=0.2, name="first"), "first.py")
    later = (await start(client, "later.py"))["script_id"]
    await start(client, "first.py")
    logs = await subscribe(app, "script.log.*")

    assert (await call(client, later, "later_emit", {"id": "A1"})).json()["result"] is True

    seen = await messages_until(logs, lambda m: m.data["message"] == "later A1")
    assert [m.data["message"] for m in seen] == ["first A1", "later A1"]
    listeners = (await client.get("/api/script/registry/status")).json()["data"]["event_listeners"]
    assert [item["priority"] for item in listeners["order_created"]] == [0, 5]


async def test_a_route_conflict_is_a_409_naming_the_owner_and_leaves_the_first_script_untouched(
    client: httpx.AsyncClient,
) -> None:
    await add_file(client, ORDERS, "orders.py")
    await add_file(client, 'def boot():\n    VWED.api.post("/echo")(lambda r: "mine")\n', "thief.py")
    owner = (await start(client, "orders.py"))["script_id"]

    clash = await client.post("/api/script/scripts/start", json={"script_path": "thief.py"})

    assert clash.status_code == 409
    assert clash.json() == {"success": False, "error": f"接口 POST:/api/custom/echo 已被脚本 {owner} 注册"}
    assert (await client.post("/api/custom/echo", json=1)).json()["body"] == 1
    running = (await client.get("/api/script/scripts/running")).json()["data"]
    assert [(r["script_id"], r["registrations"]["apis"]) for r in running] == [(owner, 5)]


async def test_the_same_file_runs_twice_unless_it_conflicts(client: httpx.AsyncClient) -> None:
    await add_file(client, 'def boot():\n    VWED.event.on("tick")(lambda e: None)\n', "listener.py")
    await add_file(client, 'def boot():\n    VWED.function.register("only")(lambda a: 1)\n', "owner.py")

    first = (await start(client, "listener.py"))["script_id"]
    second = (await start(client, "listener.py"))["script_id"]
    assert first != second
    await start(client, "owner.py")
    twice = await client.post("/api/script/scripts/start", json={"script_path": "owner.py"})
    assert twice.status_code == 409
    assert "函数 only 已被脚本 owner.py_" in twice.json()["error"]


async def test_stop_removes_only_that_scripts_registrations(client: httpx.AsyncClient) -> None:
    await add_file(client, ORDERS, "orders.py")
    await add_file(client, 'def boot():\n    VWED.api.get("/other")(lambda r: "other")\n', "other.py")
    orders = (await start(client, "orders.py"))["script_id"]
    other = (await start(client, "other.py"))["script_id"]

    await client.post(f"/api/script/scripts/{orders}/stop")

    status = (await client.get("/api/script/registry/status")).json()["data"]
    assert list(status["api_routes"]) == ["GET:/api/custom/other"]
    assert list(status["active_scripts"]) == [other]
    assert (await client.get("/api/custom/other")).text == "other"
    again = await client.post(f"/api/script/scripts/{orders}/stop")
    assert (again.status_code, again.json()["error"]) == (404, f"脚本服务不存在: {orders}")


START_PARAMS = script(
    """
    import asyncio as aio

    def boot(params):
        VWED.data.set("greeting", params["greeting"])

        @VWED.function.register("info")
        def info(args):
            VWED.log.sync_warning("用户操作", user_id="12345", action="login")
            aio.create_task(VWED.event.emit("info_called", {"by": VWED.get_script_id()}))
            return {
                "params": VWED.get_start_params(),
                "greeting": VWED.data.get("greeting"),
                "first_key": VWED.data.keys()[0],
                "has": VWED.data.has("greeting"),
                "uuid_len": len(VWED.util.uuid()),
                "ts": VWED.util.timestamp() > 0,
            }

        @VWED.timer.interval(0.05, delay=0)
        def tick():
            VWED.data.set("ticks", VWED.data.get("ticks", 0) + 1)

        @VWED.timer.once(delay=0.05)
        def once():
            print("once fired")

        @VWED.function.register("ticks")
        def ticks(args):
            return VWED.data.get("ticks", 0)
    """
)


async def test_start_params_data_timers_and_imported_asyncio_work_in_the_script(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, START_PARAMS)
    # One subscription per expectation: their messages may arrive in any order relative to each other.
    events, warnings, prints = [
        await subscribe(app, p) for p in ("emit.info_called", "script.log.*", "script.log.*")
    ]
    started = await start(client, "main.py", start_params={"greeting": "你好"})
    script_id = started["script_id"]
    assert started["registrations"]["timers"] == 2

    info = (await call(client, script_id, "info")).json()["result"]
    assert info == {
        "params": {"greeting": "你好"},
        "greeting": "你好",
        "first_key": "greeting",
        "has": True,
        "uuid_len": 36,
        "ts": True,
    }
    await wait_for(events, lambda m: m.data == {"owner": None, "data": {"by": script_id}})
    structured = await wait_for(warnings, lambda m: m.data["level"] == "WARNING")
    assert structured.data["message"] == "用户操作"
    assert structured.data["data"] == {"user_id": "12345", "action": "login"}
    await wait_for(prints, lambda m: m.data["message"] == "once fired")

    async def ticked() -> bool:
        return (await call(client, script_id, "ticks")).json()["result"] >= 3

    await eventually(ticked)


ONE_SHOTS = script(
    """
    import asyncio

    def boot():
        @VWED.timer.once(delay=0)
        async def held():
            VWED.log.sync_info("held fired")
            for _ in range(3000):
                if VWED.data.get("release"):
                    return
                await asyncio.sleep(0.01)

        @VWED.timer.interval(0.01, repeat=False)
        def broken():
            raise ValueError("定时失败")

        @VWED.timer.interval(60)
        def later():
            pass

        @VWED.function.register("release")
        def release(args):
            VWED.data.set("release", True)

        @VWED.function.register("add_once")
        def add_once(args):
            @VWED.timer.once(delay=0)
            def late():
                VWED.log.sync_info("late fired")
    """
)
API_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_a_one_shot_timer_is_listed_until_its_callback_has_run_and_then_leaves_the_registry(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, ONE_SHOTS)
    lines = await subscribe(app, "script.log.*")
    started = await start(client, "main.py")
    script_id = started["script_id"]
    assert started["registrations"]["timers"] == 3

    async def timers() -> dict[str, dict[str, object]]:
        status = (await client.get("/api/script/registry/status")).json()["data"]
        return {str(t["name"]): t for t in status["timers"].values()}

    fired = await wait_for(lines, lambda m: m.data["message"] == "held fired")
    assert API_TIME.match(fired.data["timestamp"])
    # `broken` raised and is done; `held` has fired but its callback is still running.
    assert await eventually(lambda: _names(timers, {"held", "later"}))
    listed = await timers()
    assert listed["held"]["timer_id"] == f"{script_id}:timer:1"
    assert API_TIME.match(str(listed["held"]["registered_at"]))
    await call(client, script_id, "release")
    assert await eventually(lambda: _names(timers, {"later"}))
    await call(client, script_id, "add_once")
    await wait_for(lines, lambda m: m.data["message"] == "late fired")
    assert await eventually(lambda: _names(timers, {"later"}))
    counts = (await client.get("/api/script/scripts/running")).json()["data"][0]["registrations"]
    assert counts["timers"] == 1


async def _names(timers: Any, expected: set[str]) -> bool:
    return set(await timers()) == expected


SANDBOX = script(
    """
    import os
    import resource
    import sys

    def boot():
        @VWED.function.register("inspect")
        def inspect_process(args):
            return {
                "env": dict(os.environ),
                "cwd": os.getcwd(),
                "session_leader": os.getsid(0) == os.getpid(),
                "core": resource.getrlimit(resource.RLIMIT_CORE),
                "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
                "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
                "uid": os.getuid(),
                "flags": [sys.flags.isolated, sys.flags.no_site],
            }
    """
)


async def test_a_script_runs_isolated_with_empty_env_private_dir_own_uid_session_and_rlimits(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    require_full_sandbox((await client.get("/api/health")).json()["data"]["service_sandbox"])
    await add_file(client, SANDBOX)
    script_id = (await start(client, "main.py"))["script_id"]

    seen = (await call(client, script_id, "inspect")).json()["result"]

    assert seen["env"] == {}
    assert seen["cwd"] == "/tmp"  # its own tmpfs, in its own mount namespace (L3)
    assert settings.script_uid_base <= seen["uid"] < settings.script_uid_base + 1000
    assert seen["session_leader"] is True
    assert seen["core"] == [0, 0]
    assert seen["nofile"] == settings.script_open_files
    assert seen["nproc"] == settings.script_max_threads
    assert seen["flags"] == [1, 1]


async def test_when_the_zygote_dies_its_services_fail_and_restart_on_a_new_zygote(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await add_file(client, FAULTY)
    script_id = (await start(client, "main.py", restart_policy="on-failure"))["script_id"]
    statuses = await subscribe(app, f"script.status.{script_id}")
    zygote = app.state.scripts.runtime.launcher.process

    zygote.kill()

    seen = await messages_until(statuses, lambda m: m.data["status"] == "running")
    assert [m.data["status"] for m in seen] == ["error", "restarting", "running"]
    assert seen[0].data["message"] == "脚本进程已退出: zygote 进程已退出"
    assert (await client.get("/api/custom/alive")).json() == {"alive": True}
    assert app.state.scripts.runtime.launcher.process.pid != zygote.pid


async def test_a_script_calls_functions_of_another_script_through_the_host(client: httpx.AsyncClient) -> None:
    await add_file(
        client, 'def boot():\n    VWED.function.register("double")(lambda a: a["n"] * 2)\n', "a.py"
    )
    caller = script(
        """
        def boot():
            @VWED.function.register("quad")
            async def quad(args):
                twice = await VWED.function.call("double", {"n": args["n"]})
                return await VWED.function.call("double", {"n": twice})

            @VWED.function.register("quad_sync")
            def quad_sync(args):
                return VWED.function.call_sync("double", {"n": VWED.function.call_sync("double", args, 5)}, 5)

            @VWED.function.register("missing")
            async def missing(args):
                try:
                    await VWED.function.call("nope")
                except Exception as exc:
                    return type(exc).__name__ + ": " + str(exc)
        """
    )
    await add_file(client, caller, "b.py")
    await start(client, "a.py")
    b = (await start(client, "b.py"))["script_id"]

    assert (await call(client, b, "quad", {"n": 3})).json()["result"] == 12
    assert (await call(client, b, "quad_sync", {"n": 5})).json()["result"] == 20
    assert (await call(client, b, "missing")).json()["result"] == "FunctionCallFailed: 函数 nope 未注册"
    stats = (await client.get("/api/script/registry/status")).json()["data"]["registered_functions"]["double"]
    assert stats["call_count"] == 4


async def test_a_boot_that_exits_or_hangs_fails_the_start_and_leaves_nothing_running(
    client: httpx.AsyncClient,
) -> None:
    await add_file(client, "import os\n\ndef boot():\n    os._exit(3)\n", "exits.py")
    await add_file(client, "def boot():\n    VWED.util.sleep(30)\n", "hangs.py")

    exited = await client.post("/api/script/scripts/start", json={"script_path": "exits.py"})
    assert (exited.status_code, exited.json()) == (
        500,
        {"success": False, "error": "脚本进程已退出: 退出码 3"},
    )
    hung = await client.post("/api/script/scripts/start", json={"script_path": "hangs.py"})
    # a boot() that never finishes is the script's fault: 400, like one that raises
    assert (hung.status_code, hung.json()) == (
        400,
        {"success": False, "error": "脚本启动超时: boot() 在 2.0 秒内未完成"},
    )
    assert (await client.get("/api/script/scripts/running")).json()["data"] == []


async def test_a_tenant_user_neither_sees_nor_controls_other_tenants_services(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    from vwed.auth.service import create_token

    async with app.state.sessions() as session:
        issued = await create_token(session, "alice", "user", "t1")
    await add_file(client, ORDERS)
    script_id = (await start(client, "main.py"))["script_id"]
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {issued.token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as alice:
        assert (await alice.get("/api/script/scripts/running")).json()["data"] == []
        assert (await alice.get("/api/script/registry/status")).json()["data"]["api_routes"] == {}
        assert (await alice.post(f"/api/script/scripts/{script_id}/stop")).status_code == 404
        assert (await call(alice, script_id, "anything")).status_code == 503
        refused = await alice.post("/api/script/scripts/start", json={"script_path": "main.py"})
        assert refused.json() == {"success": False, "error": "脚本文件不存在: main.py"}
        assert (await alice.post("/api/script/projects", json={"project_name": "a"})).status_code == 200
        await add_file(alice, 'def boot():\n    VWED.api.get("/alice")(lambda r: "hi")\n', "mine.py", "a")
        own = (await start(alice, "mine.py"))["script_id"]
        assert [r["script_id"] for r in (await alice.get("/api/script/scripts/running")).json()["data"]] == [
            own
        ]
    assert len((await client.get("/api/script/scripts/running")).json()["data"]) == 2
