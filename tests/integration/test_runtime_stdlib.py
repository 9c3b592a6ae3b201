"""Every child has the common standard library (`STDLIB_PRELOAD`), `_strptime` included, also where its
sandbox cannot read the interpreter's files: a uid of its own without a mount namespace (L1 without L3),
with the interpreter below a directory other users cannot enter (`/root/.pyenv`)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.scripts_helpers import add_file, call, start
from tests.integration.task_helpers import task_settings
from vwed.config import Settings
from vwed.runtime.child.sandbox import unreachable_ancestor
from vwed.runtime.child.zygote import STDLIB_PRELOAD
from vwed.runtime.service import RunSpec, SdkRefused, TaskLimits, TaskRuntime

# Run in a service function and in a task run alike: the value of `checks()` lists what failed.
CHECKS = f"""
import importlib
from datetime import datetime as _datetime
import time as _time

def checks():
    failed = []
    for name in {STDLIB_PRELOAD!r} + ("json", "re", "math", "random", "hashlib", "base64"):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failed.append(f"{{name}}: {{exc}}")
    import decimal, zoneinfo
    values = [
        _datetime.strptime("2026-01-02 03:04:05", "%Y-%m-%d %H:%M:%S").isoformat(),
        _time.strftime("%Y-%m-%d", _time.strptime("02/01/2026", "%d/%m/%Y")),
        _datetime.fromisoformat("2026-01-02T03:04:05+08:00").isoformat(),
        str(decimal.Decimal("1.10") + decimal.Decimal("2.20")),
        _datetime(2026, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")).utcoffset().seconds,
    ]
    return {{"failed": failed, "values": values}}
"""
EXPECTED = {
    "failed": [],
    "values": ["2026-01-02T03:04:05", "2026-01-02", "2026-01-02T03:04:05+08:00", "3.30", 7200],
}
# True when this interpreter lives where a child's own uid cannot read it without L3's bind mounts.
INTERPRETER_HIDDEN = unreachable_ancestor(os.__file__) is not None


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return task_settings(tmp_path, scheduler_enabled=False, script_sandbox=request.param)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("settings", ["auto", "uid,landlock,seccomp"], indirect=True)
async def test_a_service_imports_the_common_standard_library_and_parses_times_in_any_sandbox(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    source = CHECKS + '\ndef boot():\n    VWED.function.register("checks")(lambda args: checks())\n'
    await add_file(client, source)
    script_id = (await start(client, "main.py"))["script_id"]
    answer = await call(client, script_id, "checks")
    assert answer.json()["result"] == EXPECTED
    [running] = (await client.get("/api/script/scripts/running")).json()["data"]
    layers = running["sandbox_layers"]
    assert layers["L1"] == "on"
    degraded = settings.script_sandbox != "auto" and INTERPRETER_HIDDEN
    assert layers.get("imports") == ("preloaded modules only" if degraded else None)


async def _no_sdk(fn: str, args: dict[str, Any]) -> Any:
    raise SdkRefused(fn)


@pytest.mark.parametrize("namespaces", [True, False])
async def test_a_task_run_parses_times_with_and_without_a_mount_namespace(
    tmp_path: Path, namespaces: bool
) -> None:
    runtime = TaskRuntime("zygote", tmp_path / "runs", 62000)
    await runtime.start()
    try:
        assert runtime.report.spec.uid
        assert runtime.report.spec.namespaces
        # The layers of a node where unshare is refused (a container): uid, Landlock and seccomp.
        runtime.report.spec = dataclasses.replace(runtime.report.spec, namespaces=namespaces)
        spec = RunSpec(CHECKS + "result = checks()\n", {}, 1, None, "trace")
        outcome = await runtime.run(spec, TaskLimits(timeout_seconds=30), _no_sdk, lambda _text: None)
    finally:
        await runtime.stop()
    assert outcome.ok, outcome
    assert outcome.result == EXPECTED
    assert outcome.layers["L3"] == ("on" if namespaces else "off")
    hidden = not namespaces and INTERPRETER_HIDDEN
    assert outcome.layers.get("imports") == ("preloaded modules only" if hidden else None)
