"""Request dependencies as `Annotated` aliases, so handlers stay short: `SessionDep`, `PrincipalDep`, ..."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.auth.service import Principal, authenticate
from vwed.bus import Bus
from vwed.config import Settings
from vwed.i18n import Lang, negotiate
from vwed.web.boundary import parsed_body

_bearer = HTTPBearer(auto_error=False, description="The token printed at first start, or VWED_ADMIN_TOKEN")


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


async def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller; every `/api/*` router but health depends on it."""
    return await authenticate(session, credentials.credentials if credentials else None)


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
