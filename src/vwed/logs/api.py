"""Seed 000 section 4: the live log WebSocket, its status and test page, test broadcasts, and log queries."""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Query, Request, WebSocket
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BeforeValidator, Field

from vwed.auth.service import Principal
from vwed.db.base import Moment, RequestBody, ResponseBody, SeqNumber
from vwed.errors import FieldProblem, Forbidden, InvalidFields, NotFound, Unauthorized
from vwed.i18n import Lang, negotiate, translate
from vwed.logs.hub import Connection, LogHub
from vwed.logs.schemas import LEVELS, normal_level, utc_stamp
from vwed.logs.service import LogPipeline, LogQueryService, naive_utc
from vwed.scripts.service import ScriptSupervisor
from vwed.web.deps import BusDep, LangDep, PrincipalDep, SessionDep, ok, principal_of
from vwed.web.headers import page_csp
from vwed.web.schemas import Done, answers, with_errors

router = APIRouter(prefix="/api/script", tags=["logs"])
socket_router = APIRouter()
Body = dict[str, Any]

MAX_TAIL = 10_000
LevelName = Annotated[
    Literal["debug", "info", "warning", "warn", "error", "critical"],
    BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value),
]
ScriptId = Annotated[str, Field(min_length=1, max_length=160)]


class ConnectionInfo(ResponseBody):
    """One WebSocket connection (seed 4.4)."""

    connection_id: str
    client_id: str
    client_type: str
    connected_at: str
    subscribed_scripts: list[str]
    pending: int
    dropped: int


class ConnectionsStatus(ResponseBody):
    """Seed 4.4: this node's WebSocket connections."""

    total_connections: int
    total_script_subscriptions: int
    connections: list[ConnectionInfo]
    script_subscriptions: dict[str, int]


class StoredLine(ResponseBody):
    """A stored log line."""

    seq: int
    timestamp: str
    level: str
    source: str
    message: str
    data: dict[str, Any] | None


class LogLinesPage(ResponseBody):
    """A page of a script's stored lines; `next_cursor` fetches the next one."""

    script_id: str
    logs: list[StoredLine]
    next_cursor: int | None


class BroadcastTest(RequestBody):
    """Body of `POST /api/script/ws/broadcast/test`."""

    script_id: ScriptId
    message: Annotated[str, Field(max_length=8192)]
    level: LevelName = "info"
    repeat: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=1,
        description="Load-test aid: above 1, one pre-built frame is delivered that many times to this "
        "node's subscribers, bypassing the bus and storage.",
    )


def requested_levels(level: str | None) -> list[str]:
    """The levels of a `level=ERROR,WARNING` filter, in capitals; an unknown one is a 400."""
    levels = [part.strip().upper() for part in (level or "").split(",") if part.strip()]
    unknown = [name for name in levels if name not in LEVELS]
    if unknown:
        raise InvalidFields(
            [FieldProblem("level", "field_unknown_level", {"value": unknown[0], "levels": ",".join(LEVELS)})]
        )
    return levels


def _hub(request: Request | WebSocket) -> LogHub:
    hub: LogHub = request.app.state.log_hub
    return hub


def _pipeline(request: Request | WebSocket) -> LogPipeline:
    pipeline: LogPipeline = request.app.state.log_pipeline
    return pipeline


async def _principal_of(connection: Request | WebSocket, token: str | None) -> Principal:
    async with connection.app.state.sessions() as session:
        return await principal_of(connection, session, token)


# -- WebSocket ------------------------------------------------------------------------------------


@socket_router.websocket("/api/script/ws/script-logs")
async def script_logs(
    websocket: WebSocket, client_id: str = "", client_type: str = "web", token: str | None = None
) -> None:
    """Live logs: `subscribe` / `unsubscribe` / `ping` / `get_status` in, seed messages out.

    The caller is a bearer token (header or `?token=`) or the web UI's session cookie.
    """
    lang = negotiate(websocket.headers.get("accept-language"))
    try:
        principal = await _principal_of(websocket, token)
    except Unauthorized:
        await websocket.close(code=4401, reason="unauthorized")
        return
    except Forbidden:
        await websocket.close(code=4403, reason="origin not allowed")
        return
    if not client_id or len(client_id) > 100 or len(client_type) > 20:
        await websocket.close(code=4400, reason="client_id is required (at most 100 characters)")
        return
    await websocket.accept()
    hub = _hub(websocket)
    connection = hub.connect(
        client_id, client_type, principal.tenant_id, principal.is_admin, websocket.send_text
    )
    try:
        await connection.send_now(
            {
                "type": "welcome",
                "connection_id": connection.connection_id,
                "server_time": utc_stamp(),
                "message": translate("ws_welcome", lang),
            }
        )
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                break
            raw = frame.get("text")
            if raw is None and frame.get("bytes") is not None:
                raw = frame["bytes"].decode("utf-8", "replace")
            await _handle(websocket, connection, principal, raw or "", lang)
    finally:
        await hub.disconnect(connection)


async def _handle(
    websocket: WebSocket, connection: Connection, principal: Principal, raw: str, lang: Lang
) -> None:
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        message = None
    if not isinstance(message, dict):
        await connection.send_now({"type": "error", "message": translate("ws_not_json", lang)})
        return
    kind = message.get("type")
    if kind == "ping":
        await connection.send_now(
            {"type": "pong", "timestamp": message.get("timestamp"), "server_time": utc_stamp()}
        )
    elif kind == "get_status":
        await connection.send_now({"type": "status", "server_time": utc_stamp(), **connection.status()})
    elif kind in ("subscribe", "unsubscribe"):
        script_id = message.get("script_id")
        if not isinstance(script_id, str) or not 0 < len(script_id) <= 160:
            await connection.send_now({"type": "error", "message": translate("ws_script_id_required", lang)})
        elif kind == "unsubscribe":
            connection.subscriptions.discard(script_id)
            await connection.send_now({"type": "unsubscribed", "script_id": script_id})
        else:
            await _subscribe(websocket, connection, principal, script_id, message, lang)
    else:
        await connection.send_now({"type": "error", "message": translate("ws_unknown_type", lang, kind=kind)})


async def _subscribe(
    websocket: WebSocket,
    connection: Connection,
    principal: Principal,
    script_id: str,
    message: dict[str, Any],
    lang: Lang,
) -> None:
    tail = message.get("tail")
    since_raw = message.get("since")
    if tail is not None and (
        not isinstance(tail, int) or isinstance(tail, bool) or not 0 <= tail <= MAX_TAIL
    ):
        await connection.send_now(
            {"type": "error", "message": translate("ws_bad_tail", lang, limit=MAX_TAIL)}
        )
        return
    since: datetime | None = None
    if since_raw is not None:
        try:
            since = naive_utc(datetime.fromisoformat(str(since_raw).replace("Z", "+00:00")))
        except ValueError:
            await connection.send_now({"type": "error", "message": translate("ws_bad_since", lang)})
            return
    pipeline = _pipeline(websocket)
    # Hold the send lock so live lines queue behind the replay; subscribe and take the cutoff with no
    # await between them, so every line is either replayed (seq <= cutoff) or delivered live, never both.
    async with connection.send_lock:
        connection.subscriptions.add(script_id)
        cutoff = pipeline.last_seq
        replayed = 0
        if tail or since is not None:
            target = None if script_id == "*" else script_id
            lines = await pipeline.replay(principal.scope, target, cutoff, tail, since)
            for line in lines:
                await connection.send(orjson.dumps({**line.as_message(), "replay": True}).decode())
            replayed = len(lines)
        await connection.send(
            orjson.dumps({"type": "subscribed", "script_id": script_id, "replayed": replayed}).decode()
        )


# -- HTTP -----------------------------------------------------------------------------------------


@router.get(
    "/ws/connections/status",
    summary="WebSocket connections of this node (the caller's own)",
    **answers(ConnectionsStatus),
)
async def connections_status(request: Request, principal: PrincipalDep) -> Body:
    return ok(_hub(request).status(principal.scope))


@router.post(
    "/ws/broadcast/test",
    summary="Send a test log line to the subscribers of one of your scripts",
    **answers(Done),
)
async def broadcast_test(
    body: BroadcastTest, request: Request, bus: BusDep, principal: PrincipalDep, lang: LangDep
) -> Body:
    supervisor: ScriptSupervisor = request.app.state.scripts
    owner = await supervisor.owner_of(body.script_id, principal.scope)
    if owner is None:
        # Another tenant's script reads exactly like one that does not exist.
        raise NotFound("script_not_found", script_id=body.script_id)
    line = {
        "level": normal_level(body.level),
        "message": body.message,
        "timestamp": utc_stamp(),
        "source": "test",
        "tenant_id": owner.tenant_id,
    }
    if body.repeat == 1:
        await bus.publish(f"script.log.{body.script_id}", line)
    else:
        frame = {"type": "script_log", "script_id": body.script_id, **line}
        _hub(request).deliver_many(body.script_id, owner.tenant_id, frame, body.repeat)
    return ok(message=translate("ws_broadcast_sent", lang, script_id=body.script_id))


@router.get(
    "/scripts/{script_id}/logs",
    summary="Stored log lines of a script, filtered and paged",
    **answers(LogLinesPage),
)
async def script_log_lines(
    script_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    level: Annotated[str | None, Query(description="comma-separated levels, e.g. ERROR,WARNING")] = None,
    keyword: Annotated[str | None, Query(max_length=200)] = None,
    since: Moment | None = None,
    until: Moment | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    cursor: SeqNumber | None = None,
) -> Body:
    levels = requested_levels(level)
    service = LogQueryService(session, principal.scope)
    lines, next_cursor = await service.page(
        script_id, levels, keyword, naive_utc(since), naive_utc(until), limit, cursor
    )
    logs = [
        {
            "seq": line.seq,
            "timestamp": utc_stamp(line.created_at),
            "level": line.level,
            "source": line.source,
            "message": line.message,
            "data": line.data,
        }
        for line in lines
    ]
    return ok({"script_id": script_id, "logs": logs, "next_cursor": next_cursor})


@router.get(
    "/scripts/{script_id}/logs/download",
    summary="All stored lines of a script as plain text",
    response_class=StreamingResponse,
    responses=with_errors({"content": {"text/plain": {}}, "description": "One line per log line"}),
)
async def download_logs(script_id: str, request: Request, principal: PrincipalDep) -> StreamingResponse:
    sessions = request.app.state.sessions

    async def lines() -> AsyncIterator[str]:
        cursor: int | None = None
        while True:
            async with sessions() as session:
                page, cursor = await LogQueryService(session, principal.scope).page(
                    script_id, (), None, None, None, 5000, cursor
                )
            for line in page:
                yield line.as_text() + "\n"
            if cursor is None:
                return

    return StreamingResponse(
        lines(),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": attachment(script_id + ".log")},
    )


def attachment(filename: str) -> str:
    """A `Content-Disposition` for any file name: an ASCII `filename` for old clients and the exact
    name in RFC 5987's `filename*` (a header carries only Latin-1, so a name is never put there raw)."""
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@socket_router.get(
    "/api/script/ws/test-page",
    response_class=HTMLResponse,
    tags=["logs"],
    responses=with_errors({"content": {"text/html": {}}, "description": "The test page"}),
)
async def ws_test_page(request: Request, token: str | None = None) -> HTMLResponse:
    """A working test client. Needs the token like every `/api/*` call, as header or `?token=`."""
    await _principal_of(request, token)
    page = importlib.resources.files("vwed.logs").joinpath("test_page.html").read_text(encoding="utf-8")
    # Its one inline script is allowed by hash; nothing else inline or remote runs on the page.
    hashes = [
        "sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        for body in re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    ]
    return HTMLResponse(page, headers={"Content-Security-Policy": page_csp(hashes)})
