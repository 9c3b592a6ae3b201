"""Services that were running when the server stopped are running again after it starts (every back end)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.backends import empty_tables
from tests.conftest import ADMIN_TOKEN
from tests.integration.scripts_helpers import add_file, start
from vwed.config import Settings
from vwed.web.app import create_app

SERVICE = 'def boot():\n    VWED.api.get("/ping")(lambda r: {"pong": VWED.get_start_params()["n"]})\n'


@asynccontextmanager
async def server(settings: Settings, fresh: bool = False) -> AsyncIterator[httpx.AsyncClient]:
    """One run of the server: the app's lifespan with a client on it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        if fresh and settings.database_url:
            await empty_tables(app.state.engine)
            from vwed.auth.service import bootstrap_admin

            async with app.state.sessions() as session:
                await bootstrap_admin(session, ADMIN_TOKEN)
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
            yield client


async def test_restarting_the_server_restores_running_services_but_not_stopped_ones(
    settings: Settings,
) -> None:
    async with server(settings, fresh=True) as client:
        await add_file(client, SERVICE, "svc.py")
        kept = (await start(client, "svc.py", start_params={"n": 1}))["script_id"]
        await add_file(client, 'def boot():\n    VWED.event.on("x")(print)\n', "other.py")
        dropped = (await start(client, "other.py", restart_policy="on-failure"))["script_id"]
        assert (await client.post(f"/api/script/scripts/{dropped}/stop")).status_code == 200

    async with server(settings) as client:
        running = (await client.get("/api/script/scripts/running")).json()["data"]
        assert [(r["script_id"], r["status"], r["script_path"]) for r in running] == [
            (kept, "running", "svc.py")
        ]
        assert (await client.get("/api/custom/ping")).json() == {"pong": 1}
        stopped = await client.post(f"/api/script/scripts/{kept}/stop")
        assert stopped.status_code == 200

    async with server(settings) as client:
        assert (await client.get("/api/script/scripts/running")).json()["data"] == []
