"""Bearer-token auth on every `/api/*` route, tenant isolation, and the bootstrap admin token."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ADMIN_TOKEN
from vwed.auth.service import bootstrap_admin, create_token, list_tokens, revoke_token
from vwed.config import Settings
from vwed.web.app import create_app

UNAUTHORIZED = {"success": False, "error": "未认证:缺少或无效的访问令牌"}


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented `/api/*` operation but health and sign-in, with path parameters filled in."""
    public = {("GET", "/api/health"), ("POST", "/api/auth/session"), ("GET", "/api/auth/session")}
    routes = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/"):
            routes.extend(
                (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
                for method in operations
                if (method.upper(), path) not in public
            )
    return routes


async def test_every_api_route_but_health_refuses_a_missing_token(
    app: FastAPI, anon: httpx.AsyncClient
) -> None:
    routes = api_routes(app)
    assert len(routes) >= 15
    for method, path in routes:
        response = await anon.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json() == UNAUTHORIZED
        assert response.headers["www-authenticate"] == "Bearer"
    assert (await anon.get("/api/health")).status_code == 200


async def test_a_wrong_or_revoked_token_is_refused(app: FastAPI, anon: httpx.AsyncClient) -> None:
    wrong = await anon.get("/api/script/projects", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json() == UNAUTHORIZED
    async with app.state.sessions() as session:
        issued = await create_token(session, "ci", "admin", None)
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert (await anon.get("/api/script/projects", headers=headers)).status_code == 200
    async with app.state.sessions() as session:
        await revoke_token(session, issued.id)
    assert (await anon.get("/api/script/projects", headers=headers)).status_code == 401


async def test_401_speaks_english_when_asked(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/api/script/projects", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.json() == {"success": False, "error": "Unauthorized: missing or invalid bearer token"}


async def test_tenants_see_only_their_own_projects_and_files(app: FastAPI, anon: httpx.AsyncClient) -> None:
    async with app.state.sessions() as session:
        alice = (await create_token(session, "alice", "user", "tenant-a")).token
        bob = (await create_token(session, "bob", "user", "tenant-b")).token
    as_alice = {"Authorization": f"Bearer {alice}"}
    as_bob = {"Authorization": f"Bearer {bob}"}

    created = await anon.post("/api/script/projects", json={"project_name": "共享名"}, headers=as_alice)
    assert created.status_code == 200
    project_id = created.json()["data"]["id"]
    assert created.json()["data"]["created_by"] == "alice"
    # names are unique per tenant, so bob may use the same one
    assert (
        await anon.post("/api/script/projects", json={"project_name": "共享名"}, headers=as_bob)
    ).status_code == 200
    file = await anon.post(
        "/api/script/files",
        json={"project_id": project_id, "file_name": "s.py", "file_path": "s.py", "content": "secret = 1"},
        headers=as_alice,
    )
    file_id = file.json()["data"]["id"]

    assert [p["id"] for p in (await anon.get("/api/script/projects", headers=as_bob)).json()["data"]] == [2]
    for method, url in [
        ("GET", f"/api/script/projects/{project_id}"),
        ("GET", f"/api/script/projects/{project_id}/files"),
        ("DELETE", f"/api/script/projects/{project_id}"),
        ("GET", f"/api/script/files/{file_id}"),
        ("PUT", f"/api/script/files/{file_id}"),
        ("DELETE", f"/api/script/files/{file_id}"),
        ("GET", f"/api/script/files/{file_id}/versions"),
    ]:
        response = await anon.request(method, url, headers=as_bob, json={"content": "stolen"})
        assert response.status_code == 404, (method, url)
    writing = await anon.post(
        "/api/script/files",
        json={"project_id": project_id, "file_name": "x.py", "file_path": "x.py"},
        headers=as_bob,
    )
    assert writing.status_code == 404
    search = await anon.get("/api/script/files/search", params={"keyword": "secret"}, headers=as_bob)
    assert search.json()["data"]["count"] == 0
    # the admin sees every tenant
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert len((await anon.get("/api/script/projects", headers=admin)).json()["data"]) == 2


async def test_first_start_without_admin_token_generates_one_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path / "fresh")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass
    printed = re.findall(r"vwed_[A-Za-z0-9_-]{20,}", capsys.readouterr().err)
    assert len(printed) == 1
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(
                "/api/script/projects", headers={"Authorization": f"Bearer {printed[0]}"}
            )
            assert response.status_code == 200
        async with app.state.sessions() as session:
            tokens = await list_tokens(session)
    assert re.findall(r"vwed_[A-Za-z0-9_-]{20,}", capsys.readouterr().err) == []
    assert [t.role for t in tokens] == ["admin"]
    assert all(printed[0] not in (t.token_hash or "") for t in tokens)


async def test_rotating_the_admin_token_variable_revokes_the_old_value(
    app: FastAPI, anon: httpx.AsyncClient
) -> None:
    async with app.state.sessions() as session:
        await bootstrap_admin(session, "a-new-admin-token-value")
    old = await anon.get("/api/script/projects", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    new = await anon.get("/api/script/projects", headers={"Authorization": "Bearer a-new-admin-token-value"})
    assert (old.status_code, new.status_code) == (401, 200)
