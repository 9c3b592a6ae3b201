"""The runtime's wire under attack (issue 12, findings 5 and 7): frames are capped both ways, messages nest
at most 250 levels, a child that breaks the protocol is killed with the reason, and no child can write to
the server's stderr.

The server runs with a 256 KiB frame cap so the caps are cheap to reach.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.hostile.server import HostileServer, hostile_server, server_log
from tests.hostile.services import add_script, assert_healthy, attack, call, start_service, wait_for_status

CAP = 256 * 1024
DEEP = 300


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    """A server with a small frame cap (and an HTTP body cap that fits in it)."""
    with hostile_server(
        tmp_path_factory.mktemp("wire"),
        VWED_RUNTIME_MAX_FRAME_BYTES=str(CAP),
        VWED_SDK_HTTP_MAX_BYTES="65536",
    ) as running:
        yield running


def raw_frame(payload: bytes) -> str:
    """Attack code writing one frame straight to the service's socket (fd 3), past its own runtime."""
    return f"os.write(3, {struct.pack('>I', len(payload)) + payload!r})"


DEEP_CODE = f"v = []\nfor _ in range({DEEP}):\n    v = [v]\n"


def deep(levels: int) -> Any:
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


BROKEN_FRAMES = {
    "oversized header": (f"os.write(3, {struct.pack('>I', 2**31 - 1)!r})", "一个 2147483647 字节的帧"),
    "oversized frame": (
        "import socket, struct\n"
        f'payload = b\'{{"t":"log","message":"\' + b\'x\' * {CAP} + b\'"}}\'\n'
        "socket.socket(fileno=os.dup(3)).sendall(struct.pack('>I', len(payload)) + payload)",
        f"一个 {CAP + 24} 字节的帧,超过帧上限 {CAP} 字节",
    ),
    "deep frame": (
        raw_frame(b'{"t":"log","data":' + b"[" * DEEP + b"]" * DEEP + b"}"),
        "一个嵌套超过 250 层的帧",
    ),
    "not JSON": (raw_frame(b"\xff\xfe not json"), "一个不是 JSON 的帧"),
    "not a message": (raw_frame(b"[1, 2, 3]"), "一个不是消息的帧"),
    "malformed invoke": (raw_frame(b'{"t":"invoke"}'), "一个格式错误的 'invoke' 帧"),
    "malformed registration": (
        raw_frame(b'{"t":"register","kind":"routes","entry":{"method":"GET","path":{"x":1},"handler":1}}'),
        "一个格式错误的 'register' 帧",
    ),
}


@pytest.fixture(scope="module")
def worker(server: HostileServer) -> str:
    """tenant-b's attacker service: a bystander of the killed ones, and the caller of the value tests."""
    with server.client("tenant-b") as b:
        return start_service(b, "wire-b", "worker.py")


@pytest.mark.parametrize("name", list(BROKEN_FRAMES))
def test_a_service_breaking_the_protocol_is_killed_with_the_reason(
    server: HostileServer, worker: str, name: str
) -> None:
    code, reason = BROKEN_FRAMES[name]
    with server.client("tenant-a") as a, server.client("tenant-b") as b:
        victim = start_service(a, "wire-a", f"broken_{len(name)}_{name[:3]}.py")
        answer = call(a, victim, "attack", {"code": code + "\nimport time\ntime.sleep(5)"})
        assert answer.status_code == 503, answer.text
        assert "被主机终止" in answer.json()["error"]
        row = wait_for_status(a, victim, "error")
        assert row["message"].startswith("脚本进程已退出: 被主机终止: 它发送了"), row
        assert reason in row["message"], row["message"]
        assert attack(b, worker, "result = 1") == {"ok": True, "value": 1}
        assert_healthy(server, a)


def test_a_value_the_wire_cannot_carry_fails_only_that_call(server: HostileServer, worker: str) -> None:
    with server.client("tenant-b") as a:
        script_id = worker
        too_deep = call(a, script_id, "attack", {"code": DEEP_CODE + "result = v"})
        assert too_deep.status_code == 500
        assert "返回值无法发送: 嵌套超过 250 层" in too_deep.json()["error"]
        too_big = call(a, script_id, "attack", {"code": f"result = 'x' * {CAP * 2}"})
        assert too_big.status_code == 500
        assert "返回值无法发送" in too_big.json()["error"]
        assert "超过帧上限 262144 字节" in too_big.json()["error"]
        not_json = call(a, script_id, "attack", {"code": "result = [float('nan')]"})
        assert not_json.status_code == 500
        assert "返回值无法发送: 无法表示为 JSON" in not_json.json()["error"]
        assert attack(a, script_id, "result = 'still here'") == {"ok": True, "value": "still here"}
        assert_healthy(server, a)


def test_arguments_the_host_cannot_send_are_a_clear_400(server: HostileServer, worker: str) -> None:
    with server.client("tenant-b") as a:
        script_id = worker
        # Nesting and integers beyond 64 bits are refused at the request boundary, before any frame.
        nested = call(a, script_id, "attack", {"code": "result = 1", "deep": deep(DEEP)})
        assert nested.status_code == 400
        assert nested.json()["error"] == "请求参数验证失败"
        assert "64" in nested.json()["detail"][0]["message"]
        large = call(a, script_id, "attack", {"code": "result = 1", "blob": "x" * (CAP + 1)})
        assert large.status_code == 400
        assert "超过帧上限 262144 字节" in large.json()["error"]
        huge_int = call(a, script_id, "attack", {"code": "result = 1", "n": 2**80})
        assert huge_int.status_code == 400
        assert huge_int.json()["detail"][0]["field"] == "function_args.n"
        assert attack(a, script_id, "result = 2") == {"ok": True, "value": 2}
        assert_healthy(server, a)


def test_custom_routes_with_values_the_wire_cannot_carry_answer_clearly(server: HostileServer) -> None:
    source = (
        "def boot():\n"
        "    @VWED.api.post('/wire/echo')\n"
        "    def echo(request):\n"
        "        return {'got': len(str(request['body']))}\n"
        "    @VWED.api.get('/wire/deep')\n"
        "    def deep_value(request):\n"
        + "".join("        " + line + "\n" for line in DEEP_CODE.splitlines())
        + "        return v\n"
    )
    with server.client("tenant-a") as a:
        add_script(a, "wire-routes", "routes.py", source)
        assert a.post(
            "/api/script/scripts/start", json={"script_path": "projects/wire-routes/routes.py"}
        ).is_success
        body = b"[" * DEEP + b"]" * DEEP
        nested = a.post("/api/custom/wire/echo", content=body, headers={"content-type": "application/json"})
        assert nested.status_code == 400
        assert "64" in nested.json()["detail"][0]["message"]
        answer = a.get("/api/custom/wire/deep")
        assert answer.status_code == 500
        assert "嵌套超过 250 层" in answer.json()["error"]
        assert a.post("/api/custom/wire/echo", json={"a": 1}).json() == {"got": 8}
        assert_healthy(server, a)


def test_calls_and_events_from_a_service_with_values_the_wire_cannot_carry_fail_in_the_service(
    server: HostileServer, worker: str
) -> None:
    with server.client("tenant-b") as a:
        script_id = worker
        called = attack(a, script_id, DEEP_CODE + "VWED.function.call_sync('attack', {'deep': v}, 5)")
        assert called["ok"] is False
        assert called["error"] == "FunctionCallFailed: 请求无法发送: 嵌套超过 250 层"
        http = attack(a, script_id, f"VWED.http.post_sync('http://127.0.0.1:9/', data='x' * {CAP * 2})")
        assert http["ok"] is False
        assert "请求无法发送" in http["error"]
        assert "帧上限" in http["error"]
        line = attack(a, script_id, f"print('y' * {CAP * 4})\nresult = 'printed'")
        assert line == {"ok": True, "value": "printed"}
        assert_healthy(server, a)


def test_task_runs_obey_the_same_wire(server: HostileServer) -> None:
    marker = "FORGED-SERVER-LINE-FROM-A-RUN"

    def run(client: httpx.Client, source: str) -> dict[str, Any]:
        answer = client.post("/api/scheduled-tasks/test-script", json={"script_content": source})
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()["data"]
        return data

    with server.client("tenant-a") as a:
        oversized = run(
            a, "import os, struct\nos.write(3, struct.pack('>I', 2**31 - 1))\nimport time\ntime.sleep(5)"
        )
        assert oversized["success"] is False
        assert "被主机终止: 它发送了一个 2147483647 字节的帧" in oversized["error"]
        nested = run(a, DEEP_CODE + "result = {'x': v}")
        assert nested["success"] is False
        assert nested["error"] == "result 无法发送: 嵌套超过 250 层"
        not_json = run(a, "result = {'when': datetime.now()}")
        assert not_json["success"] is False
        assert not_json["error"].startswith("result 不能转换为 JSON: TypeError")
        forged = run(a, f"import os\nos.write(2, b'{marker}\\n')\nos.write(1, b'{marker}\\n')\nlog('ok')")
        assert forged["success"] is True
        assert forged["output"].endswith("ok\n")
        long_line = run(a, f"print('z' * {CAP * 5})")
        assert long_line["success"] is False  # the output cap (1 MiB) stops it, not the frame cap
        assert "输出超出限制" in long_line["error"]
        assert_healthy(server, a)
    assert marker not in server_log(server)


def test_values_at_the_nesting_cap_travel_every_path_and_one_level_more_fails_only_that_call(
    server: HostileServer, worker: str
) -> None:
    # `attack` answers {"ok", "value": result} in a result frame: `result` starts at the frame's third level.
    def nest(levels: int) -> str:
        return f"v = []\nfor _ in range({levels - 1}):\n    v = [v]\n"

    line = b'{"t":"log","level":"INFO","message":"deep-line","data":{"d":' + b"[" * 248 + b"]" * 248 + b"}}"
    with server.client("tenant-b") as b:
        at_cap = attack(b, worker, nest(248) + "result = v")
        assert at_cap["ok"] is True
        assert at_cap["value"] == deep(248)
        over = call(b, worker, "attack", {"code": nest(249) + "result = v"})
        assert over.status_code == 500
        assert over.json()["error"] == "执行失败: 返回值无法发送: 嵌套超过 250 层"
        assert attack(b, worker, raw_frame(line) + "\nresult = 'logged'") == {"ok": True, "value": "logged"}
        logs: list[dict[str, Any]] = []
        for _ in range(100):
            answer = b.get(f"/api/script/scripts/{worker}/logs", params={"keyword": "deep-line"})
            assert answer.status_code == 200, answer.text
            logs = answer.json()["data"]["logs"]
            if logs:
                break
            time.sleep(0.1)
        assert logs[0]["data"] == {"d": deep(248)}
        assert attack(b, worker, "result = 3") == {"ok": True, "value": 3}
        assert_healthy(server, b)


def test_numbers_a_double_cannot_hold_in_a_raw_frame_get_the_service_killed(
    server: HostileServer, worker: str
) -> None:
    huge = b'{"t":"log","level":"INFO","message":"n","data":{"n":1' + b"0" * 400 + b"}}"
    with server.client("tenant-a") as a, server.client("tenant-b") as b:
        victim = start_service(a, "wire-a", "huge_number.py")
        answer = call(a, victim, "attack", {"code": raw_frame(huge) + "\nimport time\ntime.sleep(5)"})
        assert answer.status_code == 503, answer.text
        row = wait_for_status(a, victim, "error")
        assert row["message"].startswith("脚本进程已退出: 被主机终止: 它发送了一个不是 JSON 的帧"), row
        assert attack(b, worker, "result = 1") == {"ok": True, "value": 1}
        assert_healthy(server, a)
