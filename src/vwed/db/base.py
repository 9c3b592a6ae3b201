"""The declarative base every table derives from, and column helpers shared by all features."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, TypeVarTuple

from annotated_types import Interval, MaxLen
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Strict
from pydantic_core import PydanticCustomError
from sqlalchemy import DateTime, MetaData, Select, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vwed.errors import BadRequest

Row = TypeVarTuple("Row")

# The integer ranges the tables hold: INTEGER columns are 32-bit on PostgreSQL and MySQL, BIGINT 64-bit.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
RowId = Annotated[int, Interval(ge=1, le=INT32_MAX)]
"""The id of a row (path parameters, ids in bodies and queries): 1 to 2^31-1, so nothing out of range
ever reaches a query."""
PageNumber = Annotated[int, Interval(ge=1, le=INT32_MAX)]
"""A 1-based page number; with at most a few hundred rows a page its offset stays far inside 64 bits."""
SeqNumber = Annotated[int, Interval(ge=0, le=INT64_MAX)]
"""A position in a BIGINT sequence (log cursors)."""
TenantRef = Annotated[str | None, MaxLen(50)]
"""The tenant a request names (`tenant_id` of seed 004's tables, up to 50 characters)."""
FIRST_YEAR, LAST_YEAR = 1970, 9000


class RequestBody(BaseModel):
    """The base of every JSON request body: JSON types as the schema says (no `"5"` for 5, no `0` for
    false), unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)


class ResponseBody(BaseModel):
    """The base of every answer model: a field a handler returns that its model does not name is an
    error (the request fails loudly in tests and fuzzing), never silently left out of the answer."""

    model_config = ConfigDict(extra="forbid")


def _calendar_time(value: datetime) -> datetime:
    try:
        year = (value if value.tzinfo is None else value.astimezone(UTC)).year
    except OverflowError:
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        limits = {"first": FIRST_YEAR, "last": LAST_YEAR}
        raise PydanticCustomError("field_time_range", "field_time_range", limits)
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_only(value: object) -> object:
    # pydantic would also read numbers and numeric strings as Unix times; the API takes ISO 8601 only.
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("datetime_parsing", "datetime_parsing")


Moment = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_calendar_time), Strict(False)]
"""A time a request gives (ISO 8601, naive or with offset), between the years 1970 and 9000: far from
the calendar's ends, so converting it or counting from it can never overflow."""

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


# Table options of tables whose ids outlive their rows (kept by other rows and by callers): on SQLite,
# AUTOINCREMENT, so a deleted id is never handed out again (migration 0011).
NEVER_REUSED = {"sqlite_autoincrement": True}


def contains_pattern(keyword: str) -> str:
    """A LIKE pattern matching `keyword` anywhere, its `%`, `_` and `\\` literal (use with `escape="\\"`)."""
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def utcnow() -> datetime:
    """The current UTC time, naive and to the second, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def iso(value: datetime | None) -> str | None:
    """The one time format of the API (REST and WebSocket): ISO 8601 in UTC with milliseconds and `Z`,
    as JavaScript's `Date.toISOString()` writes it, e.g. `2026-12-01T12:00:00.123Z`.

    A naive value is a stored timestamp, which is UTC.
    """
    if value is None:
        return None
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: object) -> datetime | None:
    """An ISO 8601 time (`Z` or an offset, or naive meaning UTC) as an aware UTC datetime; None if not one."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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

    def owner_for(self, requested: str | None) -> str | None:
        """The tenant a new row of this caller belongs to, given the `tenant_id` the request names.

        An admin names it (None: a global row); a tenant always creates in its own tenant, and naming
        another one is refused (`tenant_id_forbidden`, 400).
        """
        if self.all_tenants:
            return requested or None
        if requested not in (None, "", self.tenant_id):
            raise BadRequest("tenant_id_forbidden", tenant_id=requested)
        return self.tenant_id


ADMIN_SCOPE = TenantScope(tenant_id=None, all_tenants=True)
