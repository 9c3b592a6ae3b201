"""Request dependencies as `Annotated` aliases, so handlers stay short: `SessionDep`, `PrincipalDep`, ..."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from vwed.auth.service import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Principal,
    authenticate,
    authenticate_session,
    check_csrf,
)
from vwed.bus import Bus
from vwed.config import Settings
from vwed.errors import Forbidden
from vwed.i18n import Lang, negotiate
from vwed.web.boundary import parsed_body

_bearer = HTTPBearer(auto_error=False, description="The token printed at first start, or VWED_ADMIN_TOKEN")
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description=f"The web UI's session (POST /api/auth/session); unsafe methods need {CSRF_HEADER}",
)


async def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One database session per request; uncommitted work is rolled back when the request ends."""
    async with request.app.state.sessions() as session:
        yield session


async def get_lang(request: Request) -> Lang:
    """The caller's language for messages."""
    return negotiate(request.headers.get("accept-language"))


async def get_bus(request: Request) -> Bus:
    """The node's bus."""
    bus: Bus = request.app.state.bus
    return bus


SettingsDep = Annotated[Settings, Depends(get_settings)]
BusDep = Annotated[Bus, Depends(get_bus)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
LangDep = Annotated[Lang, Depends(get_lang)]


def bearer_of(connection: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer` header, if any."""
    scheme, _, credentials = (connection.headers.get("authorization") or "").partition(" ")
    return (credentials.strip() or None) if scheme.lower() == "bearer" else None


def check_same_origin(connection: HTTPConnection) -> None:
    """Refuse a cookie-authenticated WebSocket opened by a page of another origin.

    SameSite keeps the cookie from other sites, but another port of the same host is the same site.
    """
    origin = connection.headers.get("origin")
    host = connection.headers.get("host")
    if origin is None or host is None or origin.partition("://")[2].rstrip("/") != host:
        raise Forbidden("origin_refused", origin=origin or "")


async def principal_of(
    connection: HTTPConnection, session: AsyncSession, token: str | None = None
) -> Principal:
    """Who is calling: a bearer token (header, or `token` from a query) first, else the session cookie.

    Under a cookie an unsafe HTTP method needs the session's CSRF header, and a WebSocket the same
    origin; bearer tokens are not ambient credentials, so they need neither.
    """
    bearer = token or bearer_of(connection)
    if bearer:
        return await authenticate(session, bearer)
    cookie = connection.cookies.get(SESSION_COOKIE)
    principal = await authenticate_session(session, cookie)
    if connection.scope["type"] == "websocket":
        check_same_origin(connection)
    else:
        check_csrf(connection.scope["method"], cookie or "", connection.headers.get(CSRF_HEADER))
    return principal


async def get_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _session_cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """The authenticated caller; every `/api/*` router but health depends on it.

    The caller is checked in a database session of its own, closed before the handler runs: a request
    that waits (a test run, a function call) must not hold a pooled connection meanwhile. The two
    unused parameters only declare the security schemes in the OpenAPI schema.
    """
    async with request.app.state.sessions() as session:
        return await principal_of(request, session)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def json_body(request: Request) -> tuple[bool, Any]:
    """The request's JSON body as `vwed.web.boundary` parsed and checked it: `(found, value)`."""
    return parsed_body(request.scope)


def ok(data: Any = None, message: str | None = None, **extra: Any) -> dict[str, Any]:
    """The seed's success envelope: `{"success": true, "message"?: ..., "data"?: ...}`."""
    body: dict[str, Any] = {"success": True}
    if message is not None:
        body["message"] = message
    if data is not None:
        body["data"] = data
    body.update(extra)
    return body
