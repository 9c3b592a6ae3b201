"""Browser sign-in: an API token exchanged for an HttpOnly session cookie, CSRF on unsafe methods."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ADMIN_TOKEN
from tests.servers import LocalServer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def sign_in(anon: httpx.AsyncClient, token: str = ADMIN_TOKEN) -> str:
    answer = await anon.post("/api/auth/session", json={"token": token})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["csrf_token"])


async def test_sign_in_sets_an_httponly_strict_cookie_and_never_echoes_the_token(
    anon: httpx.AsyncClient,
) -> None:
    answer = await anon.post("/api/auth/session", json={"token": ADMIN_TOKEN})
    cookie = answer.headers["set-cookie"]
    assert "vwed_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert ADMIN_TOKEN not in answer.text
    assert answer.json()["data"]["user"]["role"] == "admin"


async def test_a_wrong_token_gets_no_session(anon: httpx.AsyncClient) -> None:
    answer = await anon.post("/api/auth/session", json={"token": "nope"})
    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers


async def test_cookie_reads_work_but_unsafe_methods_need_the_csrf_header(anon: httpx.AsyncClient) -> None:
    csrf = await sign_in(anon)
    assert (await anon.get("/api/script/projects")).status_code == 200
    refused = await anon.post("/api/script/projects", json={"project_name": "p"})
    assert refused.status_code == 403
    assert refused.json()["success"] is False
    wrong = await anon.post(
        "/api/script/projects", json={"project_name": "p"}, headers={"X-CSRF-Token": "x" * 64}
    )
    assert wrong.status_code == 403
    made = await anon.post("/api/script/projects", json={"project_name": "p"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 200, made.text
    again = await anon.get("/api/auth/session")
    assert again.json()["data"]["csrf_token"] == csrf


async def test_bearer_tokens_keep_working_without_csrf(client: httpx.AsyncClient) -> None:
    made = await client.post("/api/script/projects", json={"project_name": "api"})
    assert made.status_code == 200
    assert (await client.get("/api/auth/session")).json()["data"]["csrf_token"] is None


async def test_sign_out_deletes_the_session(anon: httpx.AsyncClient) -> None:
    csrf = await sign_in(anon)
    cookie = anon.cookies.get("vwed_session")
    assert (await anon.delete("/api/auth/session", headers={"X-CSRF-Token": csrf})).status_code == 200
    anon.cookies.set("vwed_session", cookie or "")
    assert (await anon.get("/api/script/projects")).status_code == 401


async def test_revoking_the_token_ends_its_sessions(
    app: FastAPI, anon: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    from vwed.auth.service import create_token, revoke_token

    async with app.state.sessions() as session:
        issued = await create_token(session, "ui-user", "user", "t1")
    await sign_in(anon, issued.token)
    assert (await anon.get("/api/auth/session")).json()["data"]["user"]["tenant_id"] == "t1"
    async with app.state.sessions() as session:
        await revoke_token(session, issued.id)
    assert (await anon.get("/api/script/projects")).status_code == 401


async def test_an_expired_session_is_refused(app: FastAPI, anon: httpx.AsyncClient) -> None:
    from sqlalchemy import update

    from vwed.auth.models import WebSession
    from vwed.db.base import utcnow

    await sign_in(anon)
    async with app.state.sessions() as session:
        await session.execute(update(WebSession).values(expires_at=utcnow()))
        await session.commit()
    assert (await anon.get("/api/script/projects")).status_code == 401


async def test_the_log_socket_takes_the_cookie_from_the_same_origin_only(app: FastAPI) -> None:
    import websockets

    async with LocalServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url) as browser:
            await sign_in(browser)
            cookie = f"vwed_session={browser.cookies.get('vwed_session')}"
        url = server.url.replace("http://", "ws://") + "/api/script/ws/script-logs?client_id=ui"
        async with websockets.connect(url, additional_headers={"Cookie": cookie}, origin=server.url) as ws:
            assert '"welcome"' in str(await ws.recv())
        # refused before the handshake completes: the server answers the upgrade with 403
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with websockets.connect(
                url, additional_headers={"Cookie": cookie}, origin="http://127.0.0.1:1"
            ):
                pass
        assert refused.value.response.status_code == 403


async def test_asking_who_is_signed_in_without_a_session_answers_nobody(anon: httpx.AsyncClient) -> None:
    answer = await anon.get("/api/auth/session")
    assert answer.status_code == 200
    assert answer.json()["data"] == {"user": None, "csrf_token": None}
