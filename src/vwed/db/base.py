"""The declarative base every table derives from, and column helpers shared by all features."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVarTuple

from sqlalchemy import DateTime, MetaData, Select, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Row = TypeVarTuple("Row")

# Stable constraint names so Alembic migrations can refer to them on every back end.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Script content can reach the upload cap (1 MiB by default); MySQL's TEXT stops at 64 KiB.
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def contains_pattern(keyword: str) -> str:
    """A LIKE pattern matching `keyword` anywhere, its `%`, `_` and `\\` literal (use with `escape="\\"`)."""
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def utcnow() -> datetime:
    """The current UTC time, naive and to the second, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def iso(value: datetime | None) -> str | None:
    """Format a stored timestamp the way the seed's examples show it: `2025-09-11T12:00:00`."""
    return value.replace(microsecond=0).isoformat() if value else None


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING)


class TenantOwned:
    """Mixin: a nullable `tenant_id`; NULL marks a row owned by the platform (admins only)."""

    tenant_id: Mapped[str | None] = mapped_column(String(50), index=True, default=None)


class Timestamped:
    """Mixin: `created_at` and `updated_at`, set by the application in UTC."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class TenantScope:
    """Which tenants' rows a caller may touch: every tenant (admins) or exactly one."""

    tenant_id: str | None
    all_tenants: bool = False

    def apply(self, stmt: Select[*Row], model: type[TenantOwned]) -> Select[*Row]:
        """Restrict `stmt` to the rows of `model` this scope may see."""
        if self.all_tenants:
            return stmt
        return stmt.where(model.tenant_id == self.tenant_id)

    def allows(self, row: TenantOwned) -> bool:
        """Whether `row` is visible in this scope."""
        return self.all_tenants or row.tenant_id == self.tenant_id


ADMIN_SCOPE = TenantScope(tenant_id=None, all_tenants=True)
