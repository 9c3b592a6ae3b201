"""Rules of tenants: admins manage them; task scripts read only their own tenant (all, if global)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.auth.service import Principal
from vwed.errors import Conflict, Forbidden, NotFound
from vwed.tenants.models import Tenant, TenantConfig
from vwed.tenants.schemas import ConfigSet, TenantCreate, TenantUpdate


class TenantService:
    """Tenant administration (admins only) and the read side used by the task SDK.

    Args:
        session: the database session.
        principal: the caller; None for the SDK broker, which passes the run's tenant to each read.
    """

    def __init__(self, session: AsyncSession, principal: Principal | None = None) -> None:
        self.session = session
        self.principal = principal

    def _admin(self) -> None:
        if self.principal is not None and not self.principal.is_admin:
            raise Forbidden("tenant_admin_only")

    async def list_tenants(self) -> Sequence[Tenant]:
        """Every tenant (admins only)."""
        self._admin()
        return (await self.session.scalars(select(Tenant).order_by(Tenant.tenant_id))).all()

    async def get(self, tenant_id: str) -> Tenant:
        """One tenant, or `NotFound`."""
        self._admin()
        tenant = await self.session.scalar(select(Tenant).where(Tenant.tenant_id == tenant_id))
        if tenant is None:
            raise NotFound("tenant_not_found", tenant_id=tenant_id)
        return tenant

    async def create(self, body: TenantCreate) -> Tenant:
        """Add a tenant; its id must be new."""
        self._admin()
        if await self.session.scalar(select(Tenant.id).where(Tenant.tenant_id == body.tenant_id)):
            raise Conflict("tenant_exists", tenant_id=body.tenant_id)
        tenant = Tenant(**body.model_dump())
        self.session.add(tenant)
        await self.session.commit()
        return tenant

    async def update(self, tenant_id: str, body: TenantUpdate) -> Tenant:
        """Change a tenant's name, description or state."""
        tenant = await self.get(tenant_id)
        for column, value in body.model_dump(exclude_unset=True).items():
            if value is not None or column == "description":
                setattr(tenant, column, value)
        await self.session.commit()
        return tenant

    async def delete(self, tenant_id: str) -> None:
        """Remove a tenant and its settings."""
        tenant = await self.get(tenant_id)
        for config in await self.configs(tenant_id):
            await self.session.delete(config)
        await self.session.delete(tenant)
        await self.session.commit()

    async def configs(self, tenant_id: str) -> Sequence[TenantConfig]:
        """Every setting of a tenant."""
        self._admin()
        stmt = select(TenantConfig).where(TenantConfig.tenant_id == tenant_id)
        return (
            await self.session.scalars(stmt.order_by(TenantConfig.app_code, TenantConfig.config_key))
        ).all()

    async def set_config(self, tenant_id: str, body: ConfigSet) -> TenantConfig:
        """Create or replace one setting of an existing tenant."""
        await self.get(tenant_id)
        config = await self._config(tenant_id, body.app_code, body.key)
        if config is None:
            config = TenantConfig(tenant_id=tenant_id, app_code=body.app_code, config_key=body.key)
            self.session.add(config)
        config.config_value = body.value
        await self.session.commit()
        return config

    async def delete_config(self, tenant_id: str, app_code: str, key: str) -> None:
        """Remove one setting."""
        self._admin()
        config = await self._config(tenant_id, app_code, key)
        if config is None:
            raise NotFound("tenant_config_not_found", tenant_id=tenant_id, app_code=app_code, name=key)
        await self.session.delete(config)
        await self.session.commit()

    async def _config(self, tenant_id: str, app_code: str, key: str) -> TenantConfig | None:
        stmt = select(TenantConfig).where(
            TenantConfig.tenant_id == tenant_id,
            TenantConfig.app_code == app_code,
            TenantConfig.config_key == key,
        )
        return await self.session.scalar(stmt)

    # -- the SDK's reads: `own` is the run's tenant (None: a global task sees every tenant) ----------

    async def visible(self, own: str | None) -> Sequence[Tenant]:
        """`get_tenants()`: enabled tenants a run of tenant `own` may see."""
        stmt = select(Tenant).where(Tenant.is_enabled.is_(True))
        if own is not None:
            stmt = stmt.where(Tenant.tenant_id == own)
        return (await self.session.scalars(stmt.order_by(Tenant.tenant_id))).all()

    async def visible_config(self, own: str | None, tenant_id: str, app_code: str, key: str) -> str | None:
        """`get_tenant_config()`: None for a missing setting or a tenant the run may not see."""
        if own is not None and tenant_id != own:
            return None
        config = await self._config(tenant_id, app_code, key)
        return None if config is None else config.config_value

    async def visible_configs(self, own: str | None, app_code: str, key: str) -> list[dict[str, str | None]]:
        """`get_all_tenant_configs()`: the setting of every tenant the run may see."""
        stmt = select(TenantConfig).where(TenantConfig.app_code == app_code, TenantConfig.config_key == key)
        if own is not None:
            stmt = stmt.where(TenantConfig.tenant_id == own)
        rows = (await self.session.scalars(stmt.order_by(TenantConfig.tenant_id))).all()
        return [{"tenant_id": row.tenant_id, "value": row.config_value} for row in rows]
