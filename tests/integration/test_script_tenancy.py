"""A tenant's script services are that tenant's: other tenants can neither call nor see them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.scripts_helpers import add_file, call, start
from vwed.auth.service import create_token

ROUTE = """def boot():
    @VWED.api.get("/alice/report")
    def report(request_data):
        return {"owner": "alice"}

    @VWED.function.register("secret_sum")
    def secret_sum(args):
        return args["a"] + args["b"]
"""


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Tenancy of running services does not depend on the database."""
    name: str = request.param
    return name


async def test_another_tenant_cannot_call_the_routes_or_functions_of_a_tenants_script(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with app.state.sessions() as session:
        alice = (await create_token(session, "alice", "user", "tenant-a")).token
        bob = (await create_token(session, "bob", "user", "tenant-b")).token
    transport = httpx.ASGITransport(app=app)

    def as_user(token: str) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)

    async with as_user(alice) as as_alice, as_user(bob) as as_bob:
        await add_file(as_alice, ROUTE, "report.py", project="alice")
        script_id = (await start(as_alice, "report.py"))["script_id"]

        assert (await as_alice.get("/api/custom/alice/report")).json() == {"owner": "alice"}
        assert (await client.get("/api/custom/alice/report")).json() == {"owner": "alice"}
        refused = await as_bob.get("/api/custom/alice/report")
        assert refused.status_code == 404
        assert refused.json() == {"success": False, "error": "接口不存在: /api/custom/alice/report"}
        # Another method on her path: still nothing there for him, and her methods stay unnamed.
        probed = await as_bob.post("/api/custom/alice/report")
        assert probed.status_code == 404
        assert "allow" not in probed.headers
        wrong = await as_alice.post("/api/custom/alice/report")
        assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET")

        assert (await call(as_alice, script_id, "secret_sum", {"a": 1, "b": 2})).json()["result"] == 3
        # to another tenant the script answers like an unknown one (seed 8.2: not running, 503)
        foreign = await call(as_bob, script_id, "secret_sum", {"a": 1, "b": 2})
        assert foreign.status_code == 503
        assert foreign.json()["error"] == f"脚本 {script_id} 未运行,无法执行函数"
        running = (await as_bob.get("/api/script/scripts/running")).json()["data"]
        assert running == []
