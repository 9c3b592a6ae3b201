"""`VWED.http`: a service's HTTP requests, made by the host through the egress guard, sync and async."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from tests.integration.scripts_helpers import add_file, call, start
from tests.servers import LocalServer
from vwed.config import Settings


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Brokered HTTP does not depend on the database."""
    name: str = request.param
    return name


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """127.0.0.1 (the fake) is allowed; 127.0.0.2 is not."""
    settings.egress_allow = "127.0.0.1"
    return settings


@pytest.fixture
async def remote() -> AsyncIterator[str]:
    app = FastAPI()

    @app.api_route("/echo", methods=["GET", "POST", "PUT"])
    async def echo(request: Request) -> JSONResponse:
        body = (await request.body()).decode()
        return JSONResponse(
            {
                "method": request.method,
                "query": dict(request.query_params),
                "body": body,
                "type": request.headers.get("content-type"),
                "key": request.headers.get("x-key"),
            },
            status_code=202,
            headers={"x-served-by": "fake"},
        )

    @app.get("/missing")
    async def missing() -> JSONResponse:
        return JSONResponse({"error": "nope"}, status_code=404)

    @app.get("/to-private")
    async def to_private() -> RedirectResponse:
        return RedirectResponse("http://127.0.0.2:9/secret")

    async with LocalServer(app) as server:
        yield server.url


CLIENT = textwrap.dedent(
    """
    def boot():
        @VWED.function.register("fetch")
        async def fetch(args):
            url = args["url"]
            try:
                got = await VWED.http.get(url + "/echo", params={"a": "1"}, headers={"X-Key": "k"})
                put = await VWED.http.request("PUT", url + "/echo", data={"f": "v"}, timeout=5)
                raw = await VWED.http.post(url + "/echo", data=b"\\x00bytes")
                gone = await VWED.http.get(url + "/missing")
            except Exception as exc:
                return {"error": type(exc).__name__ + ": " + str(exc)}
            return {
                "get": [got.status, got.ok, got.json(), got.headers["x-served-by"]],
                "put": put.json()["body"],
                "raw": [raw.json()["body"], raw.text.startswith("{")],
                "missing": [gone.status, gone.ok, gone.json()],
            }

        @VWED.function.register("redirect")
        def redirect(args):
            try:
                VWED.http.get_sync(args["url"] + "/to-private")
            except Exception as exc:
                return type(exc).__name__ + ": " + str(exc)

        @VWED.function.register("misuse")
        async def misuse(args):
            try:
                VWED.http.get_sync(args["url"] + "/echo")
            except RuntimeError as exc:
                return str(exc)
    """
).lstrip()


async def test_a_service_fetches_with_the_async_forms_and_gets_status_headers_body_and_json(
    client: httpx.AsyncClient, remote: str
) -> None:
    await add_file(client, CLIENT, "http_client.py")
    script_id = (await start(client, "http_client.py"))["script_id"]
    answer = (await call(client, script_id, "fetch", {"url": remote})).json()["result"]
    assert answer["get"] == [
        202,
        True,
        {"method": "GET", "query": {"a": "1"}, "body": "", "type": None, "key": "k"},
        "fake",
    ]
    assert answer["put"] == "f=v"
    assert answer["raw"] == ["\x00bytes", True]
    assert answer["missing"] == [404, False, {"error": "nope"}]


async def test_a_redirect_to_a_private_address_is_refused_and_sync_forms_refuse_the_event_loop(
    client: httpx.AsyncClient, remote: str
) -> None:
    await add_file(client, CLIENT, "http_client.py")
    script_id = (await start(client, "http_client.py"))["script_id"]
    refused = (await call(client, script_id, "redirect", {"url": remote})).json()["result"]
    assert refused.startswith("HttpFailed: 出站地址被安全策略拒绝: 127.0.0.2")
    misuse = (await call(client, script_id, "misuse", {"url": remote})).json()["result"]
    assert misuse == "VWED.http.request: 异步代码中请使用 await,同步形式只用于同步处理函数"


async def test_malformed_requests_fail_in_the_service_with_the_reason(
    client: httpx.AsyncClient, remote: str
) -> None:
    source = textwrap.dedent(
        """
        def boot():
            @VWED.function.register("bad")
            def bad(args):
                out = []
                for options in args["cases"]:
                    try:
                        VWED.http.request_sync(**options)
                        out.append("sent")
                    except Exception as exc:
                        out.append(type(exc).__name__ + ": " + str(exc))
                return out
        """
    ).lstrip()
    await add_file(client, source, "bad_http.py")
    script_id = (await start(client, "bad_http.py"))["script_id"]
    cases = [
        {"method": "GET", "url": remote + "/echo", "headers": {"x-evil": "a\r\nInjected: 1"}},
        {"method": "GET", "url": "http://[::1"},
        {"method": "BREW", "url": remote},
    ]
    outcomes = (await call(client, script_id, "bad", {"cases": cases})).json()["result"]
    assert outcomes[0].startswith("HttpFailed: HTTP 请求失败")
    assert outcomes[1].startswith("HttpFailed: ")
    assert outcomes[2] == "ValueError: 不支持的 HTTP 方法: 'BREW'"
