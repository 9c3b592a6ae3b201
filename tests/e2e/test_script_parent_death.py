"""If the server is killed outright, its zygotes and scripts do not outlive it (parent-death signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import free_port

TOKEN = "e2e-admin-token-0123456789"
SERVICE = 'def boot():\n    VWED.api.get("/pid")(lambda r: {"ok": True})\n'


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose; its parent (the dead zygote's reaper, init) collects it.
    status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}/status").exists() else ""
    return "State:\tZ" not in status


def children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(p) for p in (task / "children").read_text().split())
    return found


def test_killing_the_server_kills_the_zygote_and_every_script(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "VWED_DATA_DIR": str(tmp_path), "VWED_ADMIN_TOKEN": TOKEN, "VWED_PORT": str(port)}
    env.pop("VWED_DATABASE_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("vwed")), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        for _ in range(300):
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        project = client.post("/api/script/projects", json={"project_name": "e2e"}).json()["data"]["id"]
        client.post(
            "/api/script/files",
            json={"project_id": project, "file_name": "s.py", "file_path": "s.py", "content": SERVICE},
        )
        assert client.post("/api/script/scripts/start", json={"script_path": "s.py"}).status_code == 200
        scripts = [r["pid"] for r in client.get("/api/script/scripts/running").json()["data"]]
        zygotes = children(server.pid)
        pids = scripts + zygotes
        assert len(scripts) == 1
        # One zygote for script services, one for sandboxed task runs.
        assert len(zygotes) == 2
        assert all(alive(pid) for pid in pids)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)

    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)
