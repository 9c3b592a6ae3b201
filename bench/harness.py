"""Shared pieces of the benches: a `vwed serve` subprocess, a load generator, percentiles, memory.

Everything runs on 127.0.0.1. Requests/s comes from `wrk` when it is installed (`apt-get install wrk`),
otherwise from an asyncio httpx generator; latency percentiles at concurrency 1 always come from
sequential httpx requests on one keep-alive connection, the same way for every route compared.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

TOKEN = "bench-admin-token-0123456789"
VWED = str(Path(sys.executable).with_name("vwed"))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running `vwed serve` and a client for it."""

    url: str
    process: subprocess.Popen[bytes]
    client: httpx.Client

    def api(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """Call the API and insist on success."""
        response = self.client.request(method, path, json=body)
        payload: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: {response.status_code} {payload}")
        return payload


@contextmanager
def serve() -> Iterator[Server]:
    """Start `vwed serve` on a free port with a throwaway SQLite data dir; stop it afterwards."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="vwed-bench-") as data_dir:
        env = {**os.environ, "VWED_DATA_DIR": data_dir, "VWED_ADMIN_TOKEN": TOKEN, "VWED_PORT": str(port)}
        process = subprocess.Popen(
            [VWED, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        client = httpx.Client(base_url=url, headers=headers, timeout=60)
        try:
            for _ in range(300):
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            else:
                raise RuntimeError("vwed serve did not come up within 15 s")
            yield Server(url, process, client)
        finally:
            client.close()
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def add_script(server: Server, path: str, content: str) -> None:
    """Put `content` at `path` in the bench project."""
    projects = server.api("GET", "/api/script/projects")["data"]
    if projects:
        project_id = projects[0]["id"]
    else:
        project_id = server.api("POST", "/api/script/projects", {"project_name": "bench"})["data"]["id"]
    server.api(
        "POST",
        "/api/script/files",
        {"project_id": project_id, "file_name": path, "file_path": path, "content": content},
    )


@dataclass(frozen=True)
class Latency:
    """Percentiles in milliseconds of sequential requests."""

    p50: float
    p99: float


@dataclass(frozen=True)
class Target:
    """One request to measure: method, path and JSON body."""

    method: str
    path: str
    body: Any = None

    def send(self, client: httpx.Client) -> httpx.Response:
        """Send it once and insist on a 200."""
        content = json.dumps(self.body).encode() if self.body is not None else None
        headers = {"content-type": "application/json"} if content else {}
        response = client.request(self.method, self.path, content=content, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{self.method} {self.path}: {response.status_code} {response.text}")
        return response


def latencies(server: Server, *targets: Target, count: int = 1000) -> list[Latency]:
    """p50/p99 of each target at concurrency 1, requests interleaved so every target sees the same load.

    The machine may be busy with other work; alternating the targets spreads that noise evenly.
    """
    for _ in range(50):
        for target in targets:
            target.send(server.client)
    samples: list[list[float]] = [[] for _ in targets]
    for _ in range(count):
        for index, target in enumerate(targets):
            started = time.perf_counter()
            target.send(server.client)
            samples[index].append((time.perf_counter() - started) * 1000)
    return [Latency(p50=statistics.median(s), p99=statistics.quantiles(s, n=100)[98]) for s in samples]


def throughput(
    server: Server, method: str, path: str, body: Any = None, seconds: float = 5, conns: int = 16
) -> float:
    """Requests/s at `conns` concurrent connections for `seconds`."""
    if shutil.which("wrk"):
        return _wrk(server, method, path, body, seconds, conns)
    return asyncio.run(_httpx_load(server, method, path, body, seconds, conns))


def _wrk(server: Server, method: str, path: str, body: Any, seconds: float, conns: int) -> float:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {TOKEN}"']
    if body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{conns}", f"-d{int(seconds)}s", "-s", script.name, server.url + path],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
    finally:
        os.unlink(script.name)
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"errors under load on {path}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return float(match.group(1))


async def _httpx_load(server: Server, method: str, path: str, body: Any, seconds: float, conns: int) -> float:
    done = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await client.request(method, path, json=body)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conns)))
        return done / (time.perf_counter() - started)


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size of `pid` in KiB (shared pages split among their sharers)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def available_kib() -> int:
    """MemAvailable of the machine in KiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def verdict(ok: bool) -> str:
    """PASS or FAIL, for the summary lines."""
    return "PASS" if ok else "FAIL"


def row(label: str, rps: float, measured: Latency) -> str:
    """One summary line: requests/s and latency percentiles of a route."""
    return f"{label}: {rps:8.0f} req/s  p50 {measured.p50:.2f} ms  p99 {measured.p99:.2f} ms"
