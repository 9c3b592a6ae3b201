"""The README's example, run as written (its own curl commands, in bash) against a real `vwed serve`:
every call answers as the README says, and nothing is sent beyond this machine."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.hostile.server import HostileServer, hostile_server

README = Path(__file__).resolve().parents[2] / "README.md"


def example_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A 10-line example", 1)[1]
    found = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert found, "the README has no example block"
    return found.group(1)


def documents(text: str) -> list[dict[str, object]]:
    """The JSON answers curl printed one after another (curl adds no newline between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := text.find("{", at)) != -1:
        value, at = decoder.raw_decode(text, start)
        found.append(value)
    return found


@pytest.fixture
def server(tmp_path: Path) -> HostileServer:
    with hostile_server(tmp_path) as running:
        yield running


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's commands use curl")
def test_the_readme_example_runs_as_written(server: HostileServer) -> None:
    block = example_block()
    assert "<the admin token>" in block
    assert "http" not in block.replace("localhost:8000", "")  # no other host is named
    script = block.replace("<the admin token>", server.tokens["admin"]).replace(
        "localhost:8000", server.url.removeprefix("http://")
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    answers = documents(done.stdout)
    # the platform's answers, and the script route's own {"hi": "VWED"}
    assert answers[3] == {"hi": "VWED"}, answers
    assert all(answer["success"] is True for i, answer in enumerate(answers) if i != 3), answers
    assert str(answers[2]["script_id"]).startswith("main.py_")
    with server.client("admin") as admin:
        deadline = time.monotonic() + 60
        while True:
            [run] = admin.get("/api/scheduled-tasks/1/logs").json()["data"]["items"]
            if run["status"] in ("success", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert run["status"] == "success", run
        assert run["output"] == "hello from the sandbox\n"
        # the example's route does not take the path of seed example 7.1's /hello
        assert admin.get("/api/custom/hello").status_code == 404
    assert isinstance(httpx.get(f"{server.url}/api/health").json()["data"]["version"], str)
    server.healthy()
