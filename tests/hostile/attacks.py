"""Small pieces the hostile-tenant battery repeats: test runs, services, files, the server's memory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.hostile.server import HostileServer


def try_run(client: httpx.Client, source: str, **extra: Any) -> httpx.Response:
    """`POST /api/scheduled-tasks/test-script` as the client's role."""
    return client.post("/api/scheduled-tasks/test-script", json={"script_content": source, **extra})


def project_with_file(client: httpx.Client, name: str, source: str) -> dict[str, Any]:
    """A new project holding `main.py` with `source`; the created file."""
    project = client.post("/api/script/projects", json={"project_name": name})
    assert project.status_code == 200, project.text
    made = client.post(
        "/api/script/files",
        json={
            "project_id": project.json()["data"]["id"],
            "file_name": "main.py",
            "file_path": "main.py",
            "content": source,
        },
    )
    assert made.status_code == 200, made.text
    file: dict[str, Any] = made.json()["data"]
    return file


def start_service(client: httpx.Client, name: str, source: str) -> str:
    """Start `source` as a script service in a new project `name`; its script id."""
    project_with_file(client, name, source)
    started = client.post("/api/script/scripts/start", json={"script_path": f"projects/{name}/main.py"})
    assert started.status_code == 200, started.text
    script_id: str = started.json()["script_id"]
    return script_id


def stored_logs(client: httpx.Client, script_id: str) -> list[dict[str, Any]]:
    """The stored log lines of `script_id` the client may read."""
    answer = client.get(f"/api/script/scripts/{script_id}/logs", params={"limit": 1000})
    assert answer.status_code == 200, answer.text
    lines: list[dict[str, Any]] = answer.json()["data"]["logs"]
    return lines


def rss_bytes(server: HostileServer) -> int:
    """The server process's resident memory."""
    for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def wait_for(check: Any, seconds: float = 30.0, every: float = 0.05) -> Any:
    """Poll `check()` until it returns something truthy; that value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {seconds:g} s")


def create_task(client: httpx.Client, source: str, **fields: Any) -> httpx.Response:
    """`POST /api/scheduled-tasks`: a disabled daily cron task running `source`, with `fields` on top."""
    body = {
        "task_name": "hostile",
        "schedule_type": "cron",
        "cron_expression": "0 8 * * *",
        "script_content": source,
        "is_enabled": False,
        **fields,
    }
    return client.post("/api/scheduled-tasks", json=body)
