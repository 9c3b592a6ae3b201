"""Hostile scripts are contained: each run fails with a clear reason while the host and other runs go on.

Every script here runs in the same sandbox as a scheduled run (through `POST /test-script` or run-now).
The layers that were active are asserted too, so a machine where a layer is missing shows in the results.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import text

from tests.integration.task_helpers import create_task, run_now, task_settings
from tests.servers import LocalServer, free_port
from vwed.config import Settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
HOST_PID = os.getpid()


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Settings:
    return task_settings(
        tmp_path,
        task_memory_bytes=256 * 1024**2,
        task_output_bytes=64 * 1024,
        task_disk_bytes=4 * 1024**2,
        db_query_tables="sales,platform_secrets",
        sdk_http_max_bytes=64 * 1024,
        scheduler_enabled=False,
    )


@pytest.fixture
async def sales(app: FastAPI) -> None:
    async with app.state.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE sales (id INTEGER PRIMARY KEY, amount INTEGER)"))
        await conn.execute(text("INSERT INTO sales (amount) VALUES (100), (250)"))


class Counting:
    """Counts HTTP hits on any path of a local server."""

    def __init__(self) -> None:
        self.hits = 0
        self.app = FastAPI()
        self.app.get("/{path:path}")(self.hit)

    async def hit(self, path: str) -> dict[str, str]:
        self.hits += 1
        return {"path": path}


async def try_script(client: httpx.AsyncClient, source: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/scheduled-tasks/test-script", json={"script_content": source, **extra})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def assert_failed(data: dict[str, Any], *fragments: str) -> None:
    assert data["success"] is False, data
    for fragment in fragments:
        assert fragment in (data["error"] or ""), data["error"]


HOSTILE = {
    "fork_bomb": ("import os\nwhile True:\n    os.fork()\n", ("第 3 行", "PermissionError")),
    "subprocess": ("import subprocess\nsubprocess.run(['id'])\n", ("第 2 行", "PermissionError")),
    "memory_bomb": (
        "blocks = []\nwhile True:\n    blocks.append(bytearray(10**7))\n",
        ("内存超出限制", "256 MB"),
    ),
    "disk_fill": (
        "for i in range(1000):\n    open(f'f{i}', 'wb').write(b'x' * 1024**2)\n",
        ("第 2 行", "OSError"),
    ),
    "huge_output": ("while True:\n    print('x' * 1000)\n", ("输出超出限制", "output limit")),
    "system_file": ("open('/etc/passwd').read()\n", ("第 1 行", "PermissionError")),
    # /proc of the run shows only its own processes (L3), so the server's is not even there.
    "host_environ": (f"open('/proc/{HOST_PID}/environ').read()\n", ("第 1 行", "No such file")),
    "signal_host": (
        f"import os, signal\nos.kill({HOST_PID}, signal.SIGTERM)\n",
        ("第 2 行", "PermissionError"),
    ),
    "subclasses_exec": (
        "wrap = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]\n"
        "g = wrap.__init__.__globals__\n"
        "g['execv']('/bin/sh', ['sh', '-c', 'touch /tmp/vwed-pwned'])\n",
        ("第 3 行", "PermissionError"),
    ),
    "ctypes_kill_host": (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        f"if libc.syscall(62, {HOST_PID}, 9) != 0:\n"
        "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))\n",
        ("第 4 行", "Operation not permitted"),
    ),
    "db_write": ("db_query('DELETE FROM sales')\n", ("第 1 行", "只读", "read-only")),
    "db_write_in_select": (
        "db_query('SELECT * FROM sales; DELETE FROM sales')\n",
        ("第 1 行", "db_query"),
    ),
    "db_secrets_table": ("db_query('SELECT * FROM platform_secrets')\n", ("未开放",)),
    "db_users_table": ("db_query('SELECT * FROM api_tokens')\n", ("api_tokens", "未开放")),
    "thread_bomb": (
        "import threading, time\nthreading.stack_size(65536)\nfor i in range(2000):\n"
        "    threading.Thread(target=time.sleep, args=(1,)).start()\n",
        ("第 4 行", "can't start new thread"),
    ),
    "memfd_beside_the_memory_limit": (
        "import os\nfds = [os.memfd_create(f'm{i}') for i in range(16)]\n",
        ("第 2 行", "PermissionError"),
    ),
    "system_v_shared_memory": (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.syscall(29, 0, 64 << 20, 0o1600) < 0:\n"
        "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))\n",
        ("第 4 行", "Operation not permitted"),
    ),
    "listen_on_a_port": ("import socket\nsocket.socket().listen()\n", ("第 2 行", "PermissionError")),
    "metadata_address": (
        "http_get('http://169.254.169.254/latest/meta-data/')\n",
        ("第 1 行", "169.254.169.254"),
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_script_fails_its_run_with_a_clear_reason(
    client: httpx.AsyncClient, sales: None, name: str
) -> None:
    source, fragments = HOSTILE[name]
    data = await try_script(client, source, timeout_seconds=20)
    assert_failed(data, *fragments)
    assert data["sandbox"]["L3"] == "on"
    assert data["sandbox"]["L2"] == "on"
    assert not Path("/tmp/vwed-pwned").exists()
    rows = await try_script(client, "result = {'rows': db_query('SELECT amount FROM sales ORDER BY id')}")
    assert rows["result"] == {"rows": [{"amount": 100}, {"amount": 250}]}


async def test_reading_the_database_file_and_the_secret_key_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await client.post("/api/scheduled-tasks/secrets", json={"key": "TOKEN", "value": "s3cret-value-123"})
    for path in (settings.data_dir / "vwed.db", settings.data_dir / "secret.key"):
        assert path.exists()
        data = await try_script(client, f"print(open({str(path.resolve())!r}, 'rb').read()[:20])")
        assert_failed(data, "第 1 行")
        # Hidden by the private /tmp (L3) when the data dir is below /tmp, refused by Landlock elsewhere.
        assert "PermissionError" in data["error"] or "FileNotFoundError" in data["error"]
        assert data["output"] == ""


async def test_infinite_loop_is_killed_at_the_timeout_while_other_runs_finish(
    client: httpx.AsyncClient,
) -> None:
    looping = asyncio.create_task(try_script(client, "while True:\n    pass\n", timeout_seconds=2))
    quick = [await try_script(client, f"result = {{'n': {i}}}") for i in range(3)]
    assert [q["result"] for q in quick] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert_failed(await looping, "运行超时", "2 秒", "timeout limit")
    health = (await client.get("/api/health")).json()["data"]
    assert health["status"] == "ok"


async def test_raw_socket_to_a_local_server_never_connects(client: httpx.AsyncClient) -> None:
    connections: list[int] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        writer.close()

    port = free_port()
    server = await asyncio.start_server(accept, "127.0.0.1", port)
    async with server:
        source = f"import socket\ns = socket.socket()\ns.connect(('127.0.0.1', {port}))\n"
        assert_failed(await try_script(client, source), "第 2 行", "PermissionError")
        udp = "import socket\nsocket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
        assert_failed(await try_script(client, udp), "第 2 行", "PermissionError")
    assert connections == []


@pytest.fixture
async def elsewhere() -> AsyncIterator[tuple[Counting, LocalServer]]:
    counting = Counting()
    async with LocalServer(counting.app, host="127.0.0.2") as server:
        yield counting, server


async def test_http_get_to_loopback_not_in_the_allow_list_is_refused_in_every_spelling(
    client: httpx.AsyncClient, elsewhere: tuple[Counting, LocalServer]
) -> None:
    counting, server = elsewhere
    redirector = FastAPI()

    @redirector.get("/go")
    async def go() -> RedirectResponse:
        return RedirectResponse(f"{server.url}/secret", status_code=302)

    async with LocalServer(redirector) as allowed:
        for url in (f"{server.url}/x", f"http://2130706434:{server.port}/x", f"{allowed.url}/go"):
            data = await try_script(client, f"http_get({url!r})")
            assert_failed(data, "第 1 行", "127.0.0.2")
        reachable = await try_script(client, f"result = {{'r': http_get({allowed.url + '/none'!r})}}")
    assert reachable["result"] == {"r": {"detail": "Not Found"}}
    assert counting.hits == 0


async def test_a_tenant_task_cannot_read_another_tenants_variables(client: httpx.AsyncClient) -> None:
    writer = await create_task(client, "set_var('plan', 'tenant-a-only')", tenant_id="tenant-a")
    reader = await create_task(
        client, "result = {'content': str(get_var('plan', 'none')), 'title': 't'}", tenant_id="tenant-b"
    )
    assert (await run_now(client, writer["id"]))["status"] == "success"
    run = await run_now(client, reader["id"])
    assert run["status"] == "success", run
    own = await create_task(client, "print(get_var('plan', 'none'))", tenant_id="tenant-a")
    mine = await run_now(client, own["id"])
    assert "none" in mine["output"]
    again = await create_task(client, "print(get_var('plan'))", tenant_id="tenant-a")
    assert "None" in (await run_now(client, again["id"]))["output"]
    probe = await try_script(client, "db_query('SELECT * FROM platform_script_vars')", tenant_id="tenant-b")
    assert_failed(probe, "未开放")


async def test_http_bodies_over_the_cap_are_refused_and_post_sends_json(client: httpx.AsyncClient) -> None:
    service = FastAPI()

    @service.get("/big")
    async def big() -> dict[str, str]:
        return {"blob": "x" * 200_000}

    @service.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return {"got": body}

    async with LocalServer(service) as server:
        too_big = await try_script(client, f"http_get({server.url + '/big'!r})")
        posted = await try_script(client, f"result = http_post({server.url + '/echo'!r}, json={{'a': 1}})")
    assert_failed(too_big, "第 1 行", "65536", "size cap")
    assert posted["result"] == {"got": {"a": 1}}
