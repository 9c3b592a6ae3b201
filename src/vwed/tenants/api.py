"""Routes of `/api/tenants`: tenants and their application settings (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from vwed.i18n import translate
from vwed.tenants import schemas
from vwed.tenants.service import TenantService
from vwed.web.deps import LangDep, PrincipalDep, SessionDep, ok
from vwed.web.schemas import Done, answers

router = APIRouter(prefix="/api/tenants", tags=["tenants"])


def tenant_service(session: SessionDep, principal: PrincipalDep) -> TenantService:
    """The service bound to this request's session and caller."""
    return TenantService(session, principal)


Tenants = Annotated[TenantService, Depends(tenant_service)]
Body = dict[str, Any]


@router.get("", summary="List tenants", **answers(list[schemas.TenantOut], 403))
async def list_tenants(service: Tenants) -> Body:
    return ok([schemas.tenant_out(t) for t in await service.list_tenants()])


@router.post("", summary="Create a tenant", **answers(schemas.TenantOut, 403, 409))
async def create_tenant(body: schemas.TenantCreate, service: Tenants, lang: LangDep) -> Body:
    tenant = await service.create(body)
    return ok(schemas.tenant_out(tenant), translate("tenant_created", lang, tenant_id=tenant.tenant_id))


@router.get("/{tenant_id}", summary="Get a tenant", **answers(schemas.TenantOut, 403, 404))
async def get_tenant(tenant_id: str, service: Tenants) -> Body:
    return ok(schemas.tenant_out(await service.get(tenant_id)))


@router.put("/{tenant_id}", summary="Update a tenant", **answers(schemas.TenantOut, 403, 404))
async def update_tenant(tenant_id: str, body: schemas.TenantUpdate, service: Tenants) -> Body:
    return ok(schemas.tenant_out(await service.update(tenant_id, body)))


@router.delete("/{tenant_id}", summary="Delete a tenant and its settings", **answers(Done, 403, 404))
async def delete_tenant(tenant_id: str, service: Tenants, lang: LangDep) -> Body:
    await service.delete(tenant_id)
    return ok(message=translate("tenant_deleted", lang, tenant_id=tenant_id))


@router.get(
    "/{tenant_id}/configs", summary="Settings of a tenant", **answers(list[schemas.ConfigOut], 403, 404)
)
async def list_configs(tenant_id: str, service: Tenants) -> Body:
    await service.get(tenant_id)
    return ok([schemas.config_out(c) for c in await service.configs(tenant_id)])


@router.put(
    "/{tenant_id}/configs",
    summary="Create or replace a setting (app_code, key, value)",
    **answers(schemas.ConfigOut, 403, 404),
)
async def set_config(tenant_id: str, body: schemas.ConfigSet, service: Tenants) -> Body:
    return ok(schemas.config_out(await service.set_config(tenant_id, body)))


@router.delete("/{tenant_id}/configs/{app_code}/{key}", summary="Delete a setting", **answers(Done, 403, 404))
async def delete_config(tenant_id: str, app_code: str, key: str, service: Tenants) -> Body:
    await service.delete_config(tenant_id, app_code, key)
    return ok()
