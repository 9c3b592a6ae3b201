"""The `vwed` console script as an operator uses it: help, migrations, tokens, and a real server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import free_port

VWED = str(Path(sys.executable).with_name("vwed"))


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWED_")}
    env["VWED_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    return subprocess.run([VWED, *args], capture_output=True, text=True, env=env, timeout=60, check=False)


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "db", "token"):
        assert command in result.stdout


def test_db_upgrade_creates_the_sqlite_database_in_wal_mode(tmp_path: Path) -> None:
    result = run("db", "upgrade", data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert "revision" in result.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "vwed.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"script_projects", "script_files", "script_file_versions", "api_tokens"} <= tables


def test_token_create_list_and_revoke(tmp_path: Path) -> None:
    created = run(
        "token", "create", "--name", "ci-bot", "--role", "user", "--tenant", "t1", data_dir=tmp_path
    )
    assert created.returncode == 0, created.stderr
    assert re.search(r"vwed_[A-Za-z0-9_-]{20,}", created.stdout)
    listed = run("token", "ls", data_dir=tmp_path)
    assert "ci-bot" in listed.stdout
    assert "vwed_" not in listed.stdout
    assert run("token", "revoke", "1", data_dir=tmp_path).returncode == 0
    assert run("token", "revoke", "99", data_dir=tmp_path).returncode == 1
    refused = run("token", "create", "--name", "x", "--role", "user", data_dir=tmp_path)
    assert refused.returncode != 0


def test_serve_starts_migrates_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWED_")}
    env["VWED_DATA_DIR"] = str(tmp_path / "data")
    server = subprocess.Popen(
        [VWED, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not come up within 30 s")
        assert health.json()["data"]["status"] == "ok"
        assert (tmp_path / "data" / "vwed.db").exists()
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=20)
    tokens = re.findall(r"vwed_[A-Za-z0-9_-]{20,}", output)
    assert len(tokens) == 1
    assert server.returncode == 0
