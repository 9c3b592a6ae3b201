"""A real `vwed serve` process for the hostile-tenant battery: the admin and two tenants, on loopback.

Every test in `tests/hostile/` attacks the platform from outside, as a tenant holding a token would: over
HTTP and WebSocket against a separate server process, whose pid, data dir and environment the attacks aim
at. `HostileServer.healthy()` is what each test checks last: the host answers and its secrets are intact.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.servers import free_port

VWED = str(Path(sys.executable).with_name("vwed"))
ADMIN_TOKEN = "hostile-admin-token-0123456789abcdef"
TENANTS = ("tenant-a", "tenant-b")
START_SECONDS = 60.0


def vwed_env(data_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    """The server's environment: the test's own, minus every `VWED_*`, plus the data dir and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWED_")}
    env.update({"VWED_DATA_DIR": str(data_dir), "VWED_ADMIN_TOKEN": ADMIN_TOKEN, "COLUMNS": "200"})
    env.update(extra)
    return env


def create_token(data_dir: Path, env: dict[str, str], tenant: str) -> str:
    """A user token of `tenant`, made with the CLI before the server starts."""
    done = subprocess.run(
        [VWED, "token", "create", "--name", tenant, "--role", "user", "--tenant", tenant],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    found = re.search(r"vwed_[A-Za-z0-9_-]{20,}", done.stdout)
    assert found, done.stdout + done.stderr
    return found.group(0)


@dataclass
class HostileServer:
    """A running server: its URL and pid, its data dir, and a client per role."""

    url: str
    pid: int
    data_dir: Path
    process: subprocess.Popen[str] = field(repr=False)
    tokens: dict[str, str]

    def client(self, who: str, timeout: float = 30.0) -> httpx.Client:
        """An HTTP client acting as `admin`, `tenant-a`, `tenant-b` or `anon` (no token)."""
        headers = {} if who == "anon" else {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    @property
    def ws_url(self) -> str:
        """The WebSocket base URL."""
        return self.url.replace("http://", "ws://", 1)

    def healthy(self, within: float = 1.0) -> None:
        """Assert the host is alive and `/api/health` answers within `within` seconds."""
        assert self.process.poll() is None, f"the server exited with {self.process.returncode}"
        started = time.monotonic()
        answer = httpx.get(f"{self.url}/api/health", timeout=within + 5)
        elapsed = time.monotonic() - started
        assert answer.status_code == 200, answer.text
        assert elapsed <= within, f"/api/health took {elapsed:.2f} s"


@contextmanager
def hostile_server(tmp_path: Path, **extra_env: str) -> Iterator[HostileServer]:
    """Start `vwed serve` on a free loopback port with two tenant tokens; stop it afterwards."""
    data_dir = tmp_path / "data"
    env = vwed_env(data_dir, extra_env)
    tokens = {"admin": ADMIN_TOKEN}
    subprocess.run([VWED, "db", "upgrade"], env=env, capture_output=True, timeout=60, check=True)
    for tenant in TENANTS:
        tokens[tenant] = create_token(data_dir, env, tenant)
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [VWED, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
    server = HostileServer(f"http://127.0.0.1:{port}", process.pid, data_dir, process, tokens)
    try:
        _wait_until_up(server, log_path)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_up(server: HostileServer, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError("the server exited at start:\n" + log_path.read_text())
        try:
            if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server did not come up within {START_SECONDS:g} s:\n" + log_path.read_text())


def server_log(server: HostileServer) -> str:
    """Everything the server wrote to stdout and stderr so far."""
    return (server.data_dir.parent / "server.log").read_text(errors="replace")
