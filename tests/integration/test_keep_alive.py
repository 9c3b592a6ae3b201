"""A 400 or an unhandled error answers in the envelope on a real uvicorn server and keeps the keep-alive
connection open (an exception that reaches the server makes it close the connection)."""

from __future__ import annotations

import asyncio
import http.client
import json

from fastapi import FastAPI

from tests.servers import LocalServer
from vwed.config import Settings
from vwed.db.base import RowId
from vwed.web import errors
from vwed.web.boundary import RequestBoundary


def error_app() -> FastAPI:
    app = FastAPI()
    errors.install(app)
    app.add_middleware(RequestBoundary, settings=Settings(max_body_bytes=4096))

    @app.get("/items/{item_id}")
    async def item(item_id: RowId) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug, not the caller's fault")

    return app


def exchanges(port: int) -> list[tuple[int, str | None, dict[str, object], tuple[str, int]]]:
    """Five requests on one connection: status, Connection header, body and the local socket address."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    seen = []
    try:
        for method, path, body in (
            ("GET", "/items/99999999999999999999", None),
            ("GET", "/boom", None),
            ("POST", "/items/1", b"x" * 5000),
            ("GET", "/boom", None),
            ("GET", "/items/7", None),
        ):
            connection.request(method, path, body=body)
            response = connection.getresponse()
            payload = json.loads(response.read())
            assert connection.sock is not None
            seen.append(
                (response.status, response.getheader("connection"), payload, connection.sock.getsockname())
            )
    finally:
        connection.close()
    return seen


async def test_errors_answer_the_envelope_and_keep_the_connection_alive() -> None:
    async with LocalServer(error_app()) as server:
        seen = await asyncio.to_thread(exchanges, server.port)
    assert [status for status, *_ in seen] == [400, 500, 400, 500, 200]
    assert {header for _, header, *_ in seen} == {None}
    # every request went over the same socket
    assert len({address for *_, address in seen}) == 1
    assert seen[1][2] == {"success": False, "error": "服务器内部错误"}
    assert seen[0][2]["detail"] == [{"field": "item_id", "message": "不能大于 2147483647"}]
    assert str(seen[2][2]["error"]).startswith("内容过大")
    assert seen[4][2] == {"id": 7}
