"""Tables of tenants and of per-tenant application settings (`tenant_id`, `app_code`, `key`, `value`)."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vwed.db.base import Base, Timestamped


class Tenant(Timestamped, Base):
    """A tenant of the platform."""

    __tablename__ = "platform_tenants"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_platform_tenants_tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(50))
    tenant_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(255), default=None)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class TenantConfig(Timestamped, Base):
    """One setting of one application of one tenant."""

    __tablename__ = "platform_tenant_configs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "app_code", "config_key", name="uq_platform_tenant_configs_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(50))
    app_code: Mapped[str] = mapped_column(String(50))
    config_key: Mapped[str] = mapped_column(String(100))
    config_value: Mapped[str | None] = mapped_column(Text, default=None)
