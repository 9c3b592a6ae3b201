"""Rules of secrets: scoped CRUD with write-only values, and the lookup behind the SDK's `get_secret`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.auth.service import Principal
from vwed.config import Settings
from vwed.crypto import SecretBox
from vwed.db.base import TenantScope
from vwed.errors import BadRequest, Conflict, NotFound
from vwed.secrets.models import Secret
from vwed.secrets.schemas import SecretCreate, SecretUpdate


class SecretService:
    """Secrets within a scope; values are sealed on write and opened only for a run's `get_secret`."""

    def __init__(self, session: AsyncSession, settings: Settings, scope: TenantScope) -> None:
        self.session = session
        self.settings = settings
        self.scope = scope

    @classmethod
    def for_principal(cls, session: AsyncSession, settings: Settings, principal: Principal) -> SecretService:
        """The service as an API caller uses it."""
        return cls(session, settings, principal.scope)

    def _box(self) -> SecretBox:
        return SecretBox.from_settings(self.settings)

    async def list_secrets(self) -> Sequence[Secret]:
        """Secrets in scope (for a tenant caller, also the global ones shared with tenants), by key."""
        stmt = select(Secret).order_by(Secret.secret_key, Secret.tenant_id)
        if not self.scope.all_tenants:
            shared = Secret.tenant_id.is_(None) & Secret.shared.is_(True)
            stmt = stmt.where((Secret.tenant_id == self.scope.tenant_id) | shared)
        return (await self.session.scalars(stmt)).all()

    async def get(self, secret_id: int) -> Secret:
        """A secret the caller may change, or `NotFound`."""
        secret = await self.session.get(Secret, secret_id)
        if secret is None or not self.scope.allows(secret):
            raise NotFound("secret_not_found", secret_id=secret_id)
        return secret

    async def create(self, body: SecretCreate) -> Secret:
        """Store a sealed secret; a key is unique within its tenant (or among global secrets)."""
        tenant_id = self.scope.owner_for(body.tenant_id)
        if body.shared and tenant_id is not None:
            raise BadRequest("secret_shared_global_only")
        if await self._find(tenant_id, body.key) is not None:
            raise Conflict("secret_exists", name=body.key)
        secret = Secret(
            tenant_id=tenant_id,
            secret_key=body.key,
            secret_value=self._box().seal(body.value),
            description=body.description,
            shared=body.shared,
        )
        self.session.add(secret)
        await self.session.commit()
        return secret

    async def update(self, secret_id: int, body: SecretUpdate) -> Secret:
        """Replace the value and/or the description."""
        secret = await self.get(secret_id)
        if body.value is not None:
            secret.secret_value = self._box().seal(body.value)
        if "description" in body.model_fields_set:
            secret.description = body.description
        if body.shared is not None:
            if secret.tenant_id is not None and body.shared:
                raise BadRequest("secret_shared_global_only")
            secret.shared = body.shared
        await self.session.commit()
        return secret

    async def delete(self, secret_id: int) -> str:
        """Remove a secret; returns its key."""
        secret = await self.get(secret_id)
        key = secret.secret_key
        await self.session.delete(secret)
        await self.session.commit()
        return key

    async def _find(self, tenant_id: str | None, key: str) -> Secret | None:
        owner = Secret.tenant_id.is_(None) if tenant_id is None else Secret.tenant_id == tenant_id
        return await self.session.scalar(select(Secret).where(owner, Secret.secret_key == key))

    async def reveal(self, tenant_id: str | None, key: str) -> str | None:
        """`get_secret(key)` for a run of `tenant_id`: its own secret, else a global one it may read (any
        for a global run; only those marked `shared` for a tenant's run), else None."""
        found = await self._find(tenant_id, key) if tenant_id is not None else None
        if found is None:
            found = await self._find(None, key)
            if found is not None and tenant_id is not None and not found.shared:
                found = None
        return None if found is None else self._box().open(found.secret_value)


def mask_values(text: str, values: set[str]) -> str:
    """`text` with every secret value in `values` replaced by `******` (longest first)."""
    for value in sorted(values, key=len, reverse=True):
        if value:
            text = text.replace(value, "******")
    return text
