"""Request bodies of `/api/scheduled-tasks/secrets`; values are accepted, never answered."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from vwed.db.base import RequestBody, ResponseBody, TenantRef, iso
from vwed.secrets.models import Secret

Key = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")]


class SecretCreate(RequestBody):
    """Body of `POST /api/scheduled-tasks/secrets`."""

    key: Key
    value: Annotated[str, Field(min_length=1, max_length=10_000)]
    description: Annotated[str | None, Field(default=None, max_length=255)]
    tenant_id: TenantRef = Field(default=None, description="The owning tenant; only admins name one")
    shared: bool = Field(
        default=False, description="A global secret only: tenants' tasks may read it too (admins only)."
    )


class SecretUpdate(RequestBody):
    """Body of `PUT /api/scheduled-tasks/secrets/{id}`: a new value and/or description."""

    value: Annotated[str | None, Field(default=None, min_length=1, max_length=10_000)]
    description: Annotated[str | None, Field(default=None, max_length=255)]
    shared: bool | None = None


def secret_out(secret: Secret) -> dict[str, Any]:
    """A secret without its value (values are write-only)."""
    return {
        "id": secret.id,
        "key": secret.secret_key,
        "tenant_id": secret.tenant_id,
        "description": secret.description,
        "shared": secret.shared,
        "has_value": True,
        "created_at": iso(secret.created_at),
        "updated_at": iso(secret.updated_at),
    }


class SecretOut(ResponseBody):
    """A secret without its value (values are write-only)."""

    id: int
    key: str
    tenant_id: str | None
    description: str | None
    shared: bool
    has_value: bool
    created_at: str | None
    updated_at: str | None
