"""Tokens and browser sessions: bootstrap of the admin token, authentication of a bearer token or a
session cookie, CSRF tokens of sessions, and token administration."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.auth.models import ApiToken, WebSession
from vwed.db.base import ADMIN_SCOPE, TenantScope, utcnow
from vwed.errors import BadRequest, Forbidden, NotFound, Unauthorized

BOOTSTRAP_NAME = "bootstrap-admin"
ROLES = ("admin", "user")
# Recording every use would turn each read into a write; once a minute is enough for an audit trail.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: an admin sees every tenant, a user only `tenant_id`."""

    token_id: int
    name: str
    role: str
    tenant_id: str | None

    @property
    def is_admin(self) -> bool:
        """Whether this caller may see and change every tenant's rows."""
        return self.role == "admin"

    @property
    def scope(self) -> TenantScope:
        """The rows this caller may see and change."""
        return ADMIN_SCOPE if self.is_admin else TenantScope(tenant_id=self.tenant_id)


@dataclass(frozen=True)
class IssuedToken:
    """A token as created: the only moment its plain value is known."""

    id: int
    name: str
    role: str
    tenant_id: str | None
    token: str


def hash_token(token: str) -> str:
    """SHA-256 hex digest; tokens are 256-bit random, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random bearer token."""
    return "vwed_" + secrets.token_urlsafe(32)


def _principal(row: ApiToken) -> Principal:
    return Principal(token_id=row.id, name=row.name, role=row.role, tenant_id=row.tenant_id)


async def authenticate(session: AsyncSession, token: str | None) -> Principal:
    """Return the caller for a bearer `token`, or raise `Unauthorized`."""
    if not token:
        raise Unauthorized
    row = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if row is None:
        raise Unauthorized
    await _touch(session, row)
    return _principal(row)


async def _touch(session: AsyncSession, row: ApiToken) -> None:
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_RESOLUTION:
        row.last_used_at = now
        await session.commit()


async def bootstrap_admin(session: AsyncSession, configured: str | None) -> str | None:
    """Make sure an admin can log in; return a newly generated token to print once, else None.

    With `VWED_ADMIN_TOKEN` set, the bootstrap admin row takes that token's hash (replacing an older
    one, so rotating the variable revokes the previous value). Without it, a token is generated only
    when no usable admin token exists.
    """
    row = await session.scalar(select(ApiToken).where(ApiToken.name == BOOTSTRAP_NAME))
    if configured:
        digest = hash_token(configured)
        if row is None:
            session.add(ApiToken(name=BOOTSTRAP_NAME, token_hash=digest, role="admin"))
        elif row.token_hash != digest or row.revoked_at is not None:
            row.token_hash, row.revoked_at = digest, None
        await session.commit()
        return None
    admin = await session.scalar(
        select(ApiToken.id).where(ApiToken.role == "admin", ApiToken.revoked_at.is_(None)).limit(1)
    )
    if admin is not None:
        return None
    token = new_token()
    if row is None:
        session.add(ApiToken(name=BOOTSTRAP_NAME, token_hash=hash_token(token), role="admin"))
    else:
        row.token_hash, row.revoked_at = hash_token(token), None
    await session.commit()
    return token


async def create_token(session: AsyncSession, name: str, role: str, tenant_id: str | None) -> IssuedToken:
    """Create a token; a `user` token must name its tenant."""
    if role not in ROLES:
        raise BadRequest("bad_request")
    if role == "user" and not tenant_id:
        raise BadRequest("bad_request")
    token = new_token()
    row = ApiToken(name=name, token_hash=hash_token(token), role=role, tenant_id=tenant_id)
    session.add(row)
    await session.commit()
    return IssuedToken(id=row.id, name=name, role=role, tenant_id=tenant_id, token=token)


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    """Every token, revoked ones included, oldest first."""
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.id)))


async def revoke_token(session: AsyncSession, token_id: int) -> ApiToken:
    """Revoke token `token_id`; it stops working at once."""
    row = await session.get(ApiToken, token_id)
    if row is None:
        raise NotFound
    row.revoked_at = row.revoked_at or utcnow()
    await session.execute(delete(WebSession).where(WebSession.token_id == token_id))
    await session.commit()
    return row


# -- browser sessions -------------------------------------------------------------------------------

SESSION_COOKIE = "vwed_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_USER_AGENT_MAX = 200


@dataclass(frozen=True)
class IssuedSession:
    """A session as created: the cookie value (known only now), its CSRF token, who and until when."""

    cookie: str
    csrf_token: str
    principal: Principal
    expires_at: datetime


def csrf_token_of(cookie: str) -> str:
    """The CSRF token of the session whose cookie is `cookie`.

    Derived, not stored: only the holder of the HttpOnly cookie's value (the server) can compute it, and
    the page learns it from the sign-in answer or `GET /api/auth/session`, which other origins cannot read.
    """
    return hmac.new(cookie.encode(), b"vwed-csrf", hashlib.sha256).hexdigest()


async def open_session(
    session: AsyncSession, token: str, lifetime: timedelta, user_agent: str | None
) -> IssuedSession:
    """Exchange a valid API `token` for a new browser session; raise `Unauthorized` otherwise."""
    principal = await authenticate(session, token)
    cookie = "vwed_s_" + secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + lifetime
    # Sign-in is the natural moment to drop this token's expired sessions, so the table stays small.
    await session.execute(
        delete(WebSession).where(WebSession.token_id == principal.token_id, WebSession.expires_at <= now)
    )
    session.add(
        WebSession(
            token_id=principal.token_id,
            session_hash=hash_token(cookie),
            expires_at=expires_at,
            user_agent=(user_agent or "")[:_USER_AGENT_MAX] or None,
        )
    )
    await session.commit()
    return IssuedSession(cookie, csrf_token_of(cookie), principal, expires_at)


async def authenticate_session(session: AsyncSession, cookie: str | None) -> Principal:
    """Return the caller of a session cookie that is known, unexpired and whose token is not revoked."""
    if not cookie:
        raise Unauthorized
    row = await session.scalar(
        select(ApiToken)
        .join(WebSession, WebSession.token_id == ApiToken.id)
        .where(
            WebSession.session_hash == hash_token(cookie),
            WebSession.expires_at > utcnow(),
            ApiToken.revoked_at.is_(None),
        )
    )
    if row is None:
        raise Unauthorized
    await _touch(session, row)
    return _principal(row)


def check_csrf(method: str, cookie: str, header: str | None) -> None:
    """Refuse an unsafe `method` under a cookie session unless `header` carries the session's token."""
    if method.upper() in SAFE_METHODS:
        return
    if not header or not hmac.compare_digest(header, csrf_token_of(cookie)):
        raise Forbidden("csrf_failed")


async def close_session(session: AsyncSession, cookie: str) -> None:
    """Delete the session of `cookie` (sign-out); the cookie stops working at once."""
    await session.execute(delete(WebSession).where(WebSession.session_hash == hash_token(cookie)))
    await session.commit()
