"""Routes of `/api/auth/session`: sign in with an API token (a session cookie), who am I, sign out."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from vwed.auth.service import (
    SESSION_COOKIE,
    Principal,
    close_session,
    csrf_token_of,
    open_session,
)
from vwed.errors import Unauthorized
from vwed.i18n import translate
from vwed.web.deps import LangDep, PrincipalDep, SessionDep, SettingsDep, bearer_of, ok, principal_of

router = APIRouter(prefix="/api/auth", tags=["auth"])
Body = dict[str, Any]


class SignIn(BaseModel):
    """Body of `POST /api/auth/session`: the API token to exchange for a session cookie."""

    token: Annotated[str, Field(min_length=1, max_length=200)]


def principal_out(principal: Principal) -> Body:
    """Who the caller is, as the UI shows it."""
    return {"name": principal.name, "role": principal.role, "tenant_id": principal.tenant_id}


@router.post("/session", summary="Sign in: exchange an API token for an HttpOnly session cookie")
async def sign_in(
    body: SignIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Body:
    lifetime = timedelta(hours=settings.session_hours)
    issued = await open_session(session, body.token, lifetime, request.headers.get("user-agent"))
    response.set_cookie(
        SESSION_COOKIE,
        issued.cookie,
        max_age=int(lifetime.total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    data = {
        "user": principal_out(issued.principal),
        "csrf_token": issued.csrf_token,
        "expires_at": issued.expires_at.replace(tzinfo=UTC).isoformat(),
    }
    return ok(data, translate("signed_in", lang))


@router.get(
    "/session", summary="The signed-in caller (user null when nobody is) and the session's CSRF token"
)
async def current_session(request: Request, session: SessionDep) -> Body:
    # Answered without a credential too: the UI asks on start, and "nobody" is an answer, not an error.
    try:
        principal = await principal_of(request, session)
    except Unauthorized:
        return ok({"user": None, "csrf_token": None})
    cookie = None if bearer_of(request) else request.cookies.get(SESSION_COOKIE)
    return ok({"user": principal_out(principal), "csrf_token": csrf_token_of(cookie) if cookie else None})


@router.delete("/session", summary="Sign out: delete the session and its cookie")
async def sign_out(
    request: Request, response: Response, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Body:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await close_session(session, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return ok(message=translate("signed_out", lang))
