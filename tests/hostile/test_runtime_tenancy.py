"""Tenancy inside the runtime (issue 12, finding 3): functions and events stay with their owner.

Each owner (tenant-a, tenant-b and the admin, whose projects are the platform's) runs the same service.
A function name is a namespace per owner; `VWED.function.call` looks only in the caller's; an event a
service emits reaches only its owner's listeners; a platform event (`task_completed`) reaches the
listeners of its task's tenant and the platform's.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.hostile.server import HostileServer
from tests.hostile.services import add_script, assert_healthy, call

WHO = ("tenant-a", "tenant-b", "admin")
NEIGHBOUR = textwrap.dedent(
    """
    def boot(params):
        tag = params["tag"]

        @VWED.function.register("shared_name")
        def shared(args):
            return tag

        @VWED.function.register("only_" + tag)
        def only(args):
            return tag

        @VWED.function.register("reach")
        def reach(args):
            try:
                return {"ok": True, "value": VWED.function.call_sync(args["name"], {}, 10)}
            except Exception as exc:
                return {"ok": False, "error": type(exc).__name__ + ": " + str(exc)}

        @VWED.function.register("shout")
        async def shout(args):
            await VWED.event.emit(args["event"], {"from": tag})
            return True

        @VWED.event.listen("ping")
        def on_ping(event):
            VWED.data.set("pings", VWED.data.get("pings", []) + [event.get("from")])

        @VWED.event.listen("task_completed")
        def on_task(event):
            VWED.data.set("tasks", VWED.data.get("tasks", []) + [event.get("tenant_id")])

        @VWED.function.register("heard")
        def heard(args):
            return {"pings": VWED.data.get("pings", []), "tasks": VWED.data.get("tasks", [])}
    """
).lstrip()
WAIT = 20.0


@pytest.fixture(scope="module")
def services(server: HostileServer) -> dict[str, str]:
    """The neighbour service of every owner, all registering the same function name."""
    ids = {}
    for who in WHO:
        with server.client(who) as client:
            add_script(client, f"n-{who}", "neighbour.py", NEIGHBOUR)
            started = client.post(
                "/api/script/scripts/start",
                json={"script_path": f"projects/n-{who}/neighbour.py", "start_params": {"tag": who}},
            )
            # The same name in three namespaces: no clash.
            assert started.status_code == 200, started.text
            ids[who] = started.json()["script_id"]
    return ids


def result(client: httpx.Client, script_id: str, name: str, args: Any = None) -> Any:
    answer = call(client, script_id, name, args)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.mark.parametrize("who", WHO)
def test_each_owner_reaches_its_own_function_of_a_shared_name(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    with server.client(who) as client:
        assert result(client, services[who], "reach", {"name": "shared_name"}) == {"ok": True, "value": who}
        assert result(client, services[who], "reach", {"name": f"only_{who}"}) == {"ok": True, "value": who}


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("tenant-a", "only_tenant-b"),
        ("tenant-a", "only_admin"),
        ("tenant-b", "only_tenant-a"),
        ("tenant-b", "only_admin"),
        ("admin", "only_tenant-a"),
    ],
)
def test_a_service_cannot_reach_a_function_of_another_owner(
    server: HostileServer, services: dict[str, str], who: str, target: str
) -> None:
    with server.client(who) as client:
        reached = result(client, services[who], "reach", {"name": target})
        # Indistinguishable from a name nobody registered: no probing of other owners' names.
        assert reached == {"ok": False, "error": f"FunctionCallFailed: 函数 {target} 未注册"}
        assert result(client, services[who], "reach", {"name": "nobody_has_this"})["error"] == (
            "FunctionCallFailed: 函数 nobody_has_this 未注册"
        )
        assert_healthy(server, client)


def test_an_event_a_service_emits_reaches_only_its_owners_listeners(
    server: HostileServer, services: dict[str, str]
) -> None:
    for who in ("tenant-b", "admin", "tenant-a"):
        with server.client(who) as client:
            assert result(client, services[who], "shout", {"event": "ping"}) is True

    for who in WHO:
        with server.client(who) as client:
            eventually(lambda c=client, w=who: result(c, services[w], "heard")["pings"] == [w])
    time.sleep(0.3)  # a late cross-owner delivery would show now
    for who in WHO:
        with server.client(who) as client:
            assert result(client, services[who], "heard")["pings"] == [who]


def test_a_platform_event_reaches_its_tenants_listeners_and_the_platforms(
    server: HostileServer, services: dict[str, str]
) -> None:
    with server.client("tenant-a") as a:
        made = a.post(
            "/api/scheduled-tasks",
            json={
                "task_name": "tenancy",
                "schedule_type": "cron",
                "cron_expression": "0 8 * * *",
                "execution_type": "script",
                "script_content": "log('done')",
                "is_enabled": False,
            },
        )
        assert made.status_code == 200, made.text
        assert a.post(f"/api/scheduled-tasks/{made.json()['data']['id']}/run").status_code == 200
        eventually(lambda: result(a, services["tenant-a"], "heard")["tasks"] == ["tenant-a"])
    with server.client("admin") as admin:
        eventually(lambda: result(admin, services["admin"], "heard")["tasks"] == ["tenant-a"])
    time.sleep(0.3)
    with server.client("tenant-b") as b:
        assert result(b, services["tenant-b"], "heard")["tasks"] == []


def test_the_registry_shows_a_tenant_its_own_names_and_the_admin_every_owners_qualified(
    server: HostileServer, services: dict[str, str]
) -> None:
    with server.client("tenant-b") as b:
        functions = b.get("/api/script/registry/status").json()["data"]["registered_functions"]
        listed = b.get("/api/script/integration/functions").json()["data"]
    assert {"shared_name", "only_tenant-b"} <= set(functions)
    assert {f["script_id"] for f in functions.values()} == {services["tenant-b"]}
    assert {f["tenant_id"] for f in listed} == {"tenant-b"}
    with server.client("admin") as admin:
        everything = admin.get("/api/script/registry/status").json()["data"]["registered_functions"]
    assert everything["shared_name"]["script_id"] == services["admin"]
    assert everything["tenant-a:shared_name"]["script_id"] == services["tenant-a"]
    assert everything["tenant-b:shared_name"]["tenant_id"] == "tenant-b"


def test_another_tenants_service_cannot_be_called_by_its_id(
    server: HostileServer, services: dict[str, str]
) -> None:
    with server.client("tenant-b") as b:
        answer = call(b, services["tenant-a"], "shared_name")
        assert answer.status_code == 503
        assert answer.json()["error"] == f"脚本 {services['tenant-a']} 未运行,无法执行函数"
        assert_healthy(server, b)
