"""`script_deps`: wheels from the operator's index only, installed once per set by a confined installer,
importable inside the sandbox; sdists are refused without running their build backend."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.pyindex import PackageIndex, build_sdist, build_wheel, package_index
from tests.integration.task_helpers import create_task, run_now, task_settings
from vwed.config import Settings
from vwed.crypto import SecretBox
from vwed.sdk.deps import jail_config, new_staging, run_in_jail

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[PackageIndex]:
    with package_index() as running:
        running.add("vwedtinypkg", build_wheel(tmp_path))
        running.add("vwedevilpkg", build_sdist(tmp_path, tmp_path / "BUILD-BACKEND-RAN"))
        yield running


@pytest.fixture
def settings(backend: str, tmp_path: Path, index: PackageIndex) -> Settings:
    return task_settings(tmp_path, scheduler_enabled=False, deps_index_url=index.simple)


async def try_script(client: httpx.AsyncClient, source: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/scheduled-tasks/test-script", json={"script_content": source, **extra})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_deps_install_once_from_the_index_and_import_inside_the_sandbox(
    client: httpx.AsyncClient, settings: Settings, index: PackageIndex
) -> None:
    source = "import vwedtinypkg\nprint(vwedtinypkg.greet())\nopen('/etc/passwd')\n"
    task = await create_task(client, source, script_deps="# from the fake index\nvwedtinypkg==0.1.0\n")
    first = await run_now(client, task["id"], seconds=120)
    assert "hello from vwedtinypkg" in first["output"], first["error"]
    assert "$ install" in first["output"]
    assert first["status"] == "failed"
    assert "PermissionError" in first["error"]
    second = await run_now(client, task["id"])
    assert "依赖已安装 (cached)" in second["output"]
    assert "hello from vwedtinypkg" in second["output"]
    installs = [p for p in settings.task_deps_dir.iterdir() if p.is_dir()]
    assert len(installs) == 1
    assert installs[0].stat().st_uid == 0
    assert any(r.startswith("GET /files/vwedtinypkg") for r in index.requests)


async def test_an_sdist_is_refused_without_running_its_build_backend(
    client: httpx.AsyncClient, tmp_path: Path, index: PackageIndex
) -> None:
    data = await try_script(client, "print('never')", script_deps="vwedevilpkg")
    assert data["success"] is False
    assert data["error"].startswith("依赖安装失败")
    assert "no-build" in data["error"] or "no usable wheels" in data["error"]
    assert "never" not in data["output"]
    assert not (tmp_path / "BUILD-BACKEND-RAN").exists()
    assert not any(r.startswith("GET /files/vwedevilpkg") for r in index.requests)


async def test_the_install_jail_hides_the_data_dir_the_environment_and_root(
    settings: Settings, tmp_path: Path
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    SecretBox.from_settings(settings)
    (settings.data_dir / "vwed.db").write_text("database")
    probe = f"""
import json, os
seen = {{"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "env": dict(os.environ)}}
for name, path in {{"data_dir": {str(settings.data_dir)!r}, "environ": "/proc/{1}/environ",
                    "shadow": "/etc/shadow", "server": "/proc/{__import__("os").getpid()}/environ"}}.items():
    try:
        if os.path.isdir(path):
            seen[name] = sorted(os.listdir(path))
        else:
            seen[name] = open(path, "rb").read(40).decode("latin-1")
    except OSError as exc:
        seen[name] = type(exc).__name__
print(json.dumps(seen))
"""
    staging = Path(new_staging(settings.deps_uid))
    try:
        config = jail_config(settings, staging, [sys.executable, "-I", "-S", "-c", probe])
        config["env"] = {"ONLY": "this"}
        process = await run_in_jail(config)
        out, _ = await asyncio.wait_for(process.communicate(), 30)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    assert process.returncode == 0, out
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["uid"] == settings.deps_uid == seen["gid"]
    assert seen["groups"] == []
    # Python itself may add LC_CTYPE (locale coercion); nothing of the server's environment is there.
    assert set(seen["env"]) - {"LC_CTYPE"} == {"ONLY"}
    # Covered by an empty tmpfs, or out of reach already (pytest's tmp root is closed to other users).
    assert seen["data_dir"] in ([], "PermissionError")
    for name in ("environ", "shadow", "server"):
        assert seen[name] == "PermissionError", (name, seen[name])
