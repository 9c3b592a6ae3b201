"""`script_deps`: installed once per distinct set into a cached environment, importable inside the sandbox."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.task_helpers import create_task, run_now, task_settings
from vwed.config import Settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Settings:
    return task_settings(tmp_path, scheduler_enabled=False)


def build_wheel(folder: Path, name: str = "vwedtinypkg", version: str = "0.1.0") -> Path:
    """A pure-Python wheel with one module whose `greet()` answers a fixed string."""
    files = {
        f"{name}/__init__.py": "def greet():\n    return 'hello from the wheel'\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(content.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return wheel


async def try_script(client: httpx.AsyncClient, source: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/scheduled-tasks/test-script", json={"script_content": source, **extra})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_deps_install_once_and_import_inside_the_sandbox(
    client: httpx.AsyncClient, tmp_path: Path, settings: Settings
) -> None:
    wheel = build_wheel(tmp_path)
    source = "import vwedtinypkg\nprint(vwedtinypkg.greet())\nopen('/etc/passwd')\n"
    task = await create_task(client, source, script_deps=f"# local wheel\n{wheel}\n")
    first = await run_now(client, task["id"], seconds=120)
    assert "hello from the wheel" in first["output"], first["error"]
    assert "$ install" in first["output"]
    assert first["status"] == "failed"
    assert "PermissionError" in first["error"]
    second = await run_now(client, task["id"])
    assert "依赖已安装 (cached)" in second["output"]
    assert "hello from the wheel" in second["output"]
    installs = [p for p in settings.task_deps_dir.iterdir() if p.is_dir()]
    assert len(installs) == 1


async def test_a_bad_requirement_fails_the_run_with_the_installer_message(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "ghost-1.0-py3-none-any.whl"
    data = await try_script(client, "print('never')", script_deps=str(missing))
    assert data["success"] is False
    assert data["error"].startswith("依赖安装失败")
    assert "ghost" in data["error"]
    assert "never" not in data["output"]
