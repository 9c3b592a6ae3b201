"""Tokens: bootstrap of the admin token, authentication of a bearer token, and token administration."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.auth.models import ApiToken
from vwed.db.base import ADMIN_SCOPE, TenantScope, utcnow
from vwed.errors import BadRequest, NotFound, Unauthorized

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
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_RESOLUTION:
        row.last_used_at = now
        await session.commit()
    return _principal(row)


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
    await session.commit()
    return row
