"""Helpers of the battery for script services: a service that runs attack code inside its own sandbox.

`ATTACKER` registers the function `attack`, which `exec`s the code it is given in the service's process
(a sync handler, so in one of its worker threads) and answers what happened: `{"ok": true, "value": ...}`
(the code's `result`) or `{"ok": false, "error": "Type: message"}`. Tests send attacks through the
public API as a tenant would, with `execute-function`.
"""

from __future__ import annotations

import http.server
import json
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.hostile.server import HostileServer

ATTACKER = textwrap.dedent(
    """
    import ctypes
    import errno
    import os
    import signal
    import socket
    import threading

    def boot():
        @VWED.function.register("attack")
        def attack(args):
            scope = {"os": os, "socket": socket, "ctypes": ctypes, "signal": signal,
                     "threading": threading, "errno": errno, "VWED": VWED, "args": args}
            try:
                exec(args["code"], scope)
            except BaseException as exc:
                return {"ok": False, "error": type(exc).__name__ + ": " + str(exc)}
            return {"ok": True, "value": scope.get("result")}
    """
).lstrip()
WAIT = 20.0


def add_script(client: httpx.Client, project: str, path: str, content: str) -> None:
    """Put `content` at `path` in `project` (created when missing) of the client's owner."""
    projects = client.get("/api/script/projects").json()["data"]
    found = [p["id"] for p in projects if p["project_name"] == project]
    if found:
        project_id = found[0]
    else:
        made = client.post("/api/script/projects", json={"project_name": project})
        assert made.status_code == 200, made.text
        project_id = made.json()["data"]["id"]
    body = {"project_id": project_id, "file_name": path, "file_path": path, "content": content}
    added = client.post("/api/script/files", json=body)
    assert added.status_code == 200, added.text


def start_service(client: httpx.Client, project: str, path: str, content: str = ATTACKER) -> str:
    """Add the script and start it as a service; its `script_id`."""
    add_script(client, project, path, content)
    started = client.post("/api/script/scripts/start", json={"script_path": f"projects/{project}/{path}"})
    assert started.status_code == 200, started.text
    script_id: str = started.json()["script_id"]
    return script_id


def attack(client: httpx.Client, script_id: str, code: str, **args: Any) -> dict[str, Any]:
    """Run `code` inside the service `script_id`; what the `attack` function answered."""
    answer = call(client, script_id, "attack", {"code": textwrap.dedent(code), **args})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()["result"]
    return result


def call(client: httpx.Client, script_id: str, name: str, args: Any = None) -> httpx.Response:
    """`execute-function`."""
    return client.post(
        "/api/script/scripts/execute-function",
        json={"script_id": script_id, "function_name": name, "function_args": args},
    )


def running(client: httpx.Client) -> dict[str, dict[str, Any]]:
    """The caller's running services by `script_id`."""
    rows = client.get("/api/script/scripts/running").json()["data"]
    return {row["script_id"]: row for row in rows}


def wait_for_status(client: httpx.Client, script_id: str, status: str) -> dict[str, Any]:
    """The service's row once its status is `status` (polled, bounded)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        row = running(client).get(script_id)
        if row is not None and row["status"] == status:
            return row
        time.sleep(0.05)
    raise AssertionError(f"{script_id} did not reach {status}: {running(client).get(script_id)}")


def assert_refused(outcome: dict[str, Any], *fragments: str, label: str = "") -> None:
    """The attack (named `label` in failures) failed, and its error names each of `fragments`."""
    assert outcome["ok"] is False, (label, outcome)
    for fragment in fragments:
        assert fragment in outcome["error"], (label, outcome["error"])


def assert_all_refused(
    client: httpx.Client, script_id: str, attacks: dict[str, str], *fragments: str
) -> None:
    """Every named attack fails inside the service, its error naming each of `fragments`."""
    for name, code in attacks.items():
        assert_refused(attack(client, script_id, code), *fragments, label=name)


def assert_healthy(server: HostileServer, client: httpx.Client) -> None:
    """The host answers, and its API still works for the caller."""
    server.healthy()
    assert client.get("/api/script/projects").status_code == 200


class Target(http.server.BaseHTTPRequestHandler):
    """A tiny HTTP server on loopback that services try to reach; it counts every request it gets."""

    hits: list[str] = []  # noqa: RUF012 - one server per test module, shared on purpose

    def do_GET(self) -> None:
        Target.hits.append(self.path)
        if self.path.startswith("/big"):
            body = b"x" * (3 * 1024 * 1024)
        else:
            body = json.dumps({"path": self.path, "agent": self.headers.get("user-agent", "")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        received = self.rfile.read(length)
        Target.hits.append(self.path)
        body = json.dumps({"echo": received.decode(), "type": self.headers.get("content-type")}).encode()
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def target_server(host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `Target` on `host` in a thread; its base URL."""
    server = http.server.ThreadingHTTPServer((host, 0), Target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
