"""Request bodies of `/api/tenants` and the dicts it answers with."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from vwed.db.base import RequestBody, ResponseBody, iso
from vwed.tenants.models import Tenant, TenantConfig

Code = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")]


class TenantCreate(RequestBody):
    """Body of `POST /api/tenants`."""

    tenant_id: Code
    tenant_name: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str | None, Field(default=None, max_length=255)]
    is_enabled: bool = True


class TenantUpdate(RequestBody):
    """Body of `PUT /api/tenants/{tenant_id}`."""

    tenant_name: Annotated[str | None, Field(default=None, min_length=1, max_length=100)]
    description: Annotated[str | None, Field(default=None, max_length=255)]
    is_enabled: bool | None = None


class ConfigSet(RequestBody):
    """Body of `PUT /api/tenants/{tenant_id}/configs`: one setting, created or replaced."""

    app_code: Code
    key: Annotated[str, Field(min_length=1, max_length=100)]
    value: Annotated[str | None, Field(default=None, max_length=65_000)]


def tenant_out(tenant: Tenant) -> dict[str, Any]:
    """A tenant as the API and `get_tenants()` show it."""
    return {
        "tenant_id": tenant.tenant_id,
        "tenant_name": tenant.tenant_name,
        "description": tenant.description,
        "is_enabled": tenant.is_enabled,
        "created_at": iso(tenant.created_at),
        "updated_at": iso(tenant.updated_at),
    }


def config_out(config: TenantConfig) -> dict[str, Any]:
    """A tenant setting."""
    return {
        "tenant_id": config.tenant_id,
        "app_code": config.app_code,
        "key": config.config_key,
        "value": config.config_value,
        "updated_at": iso(config.updated_at),
    }


class TenantOut(ResponseBody):
    """A tenant."""

    tenant_id: str
    tenant_name: str
    description: str | None
    is_enabled: bool
    created_at: str | None
    updated_at: str | None


class ConfigOut(ResponseBody):
    """A tenant setting."""

    tenant_id: str
    app_code: str
    key: str
    value: str | None
    updated_at: str | None
