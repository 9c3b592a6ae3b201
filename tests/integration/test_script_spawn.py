"""Where forking a zygote is not wanted, each script is spawned as a fresh isolated interpreter."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.integration import seed_scripts
from tests.integration.scripts_helpers import add_file, call, start
from tests.sandbox_checks import require_full_sandbox
from vwed.config import Settings


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The launcher does not depend on the database."""
    name: str = request.param
    return name


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The spawn launcher."""
    settings.script_launcher = "spawn"
    return settings


async def test_the_spawn_launcher_runs_the_seed_debug_script(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert app.state.scripts.runtime.launcher_name == "spawn"
    await add_file(client, seed_scripts.DEBUG_8_3, "debug.py")
    script_id = (await start(client, "debug.py"))["script_id"]

    answer = (await call(client, script_id, "debug_test", {"k": 1})).json()
    assert answer["result"] == {"debug": True, "args_keys": ["k"]}
    # A fresh interpreter gets the same sandbox as a forked child.
    require_full_sandbox((await client.get("/api/health")).json()["data"]["service_sandbox"])
    (row,) = (await client.get("/api/script/scripts/running")).json()["data"]
    assert row["sandbox"] == "L3"
    assert row["sandbox_layers"]["seccomp"].endswith("instructions")
    stopped = await client.post(f"/api/script/scripts/{script_id}/stop")
    assert stopped.json()["registrations"]["functions"] == 1
