"""Routes of `/api/scheduled-tasks/secrets` (before the task routes, so `/{task_id}` does not take them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from vwed.db.base import RowId
from vwed.i18n import translate
from vwed.secrets import schemas
from vwed.secrets.service import SecretService
from vwed.web.deps import LangDep, PrincipalDep, SessionDep, SettingsDep, ok
from vwed.web.schemas import Done, answers

router = APIRouter(prefix="/api/scheduled-tasks/secrets", tags=["secrets"])


def secret_service(session: SessionDep, settings: SettingsDep, principal: PrincipalDep) -> SecretService:
    """The service bound to this request's session and caller."""
    return SecretService.for_principal(session, settings, principal)


Secrets = Annotated[SecretService, Depends(secret_service)]
Body = dict[str, Any]


@router.get(
    "",
    summary="Secrets in scope (names and descriptions; values are never shown)",
    **answers(list[schemas.SecretOut]),
)
async def list_secrets(service: Secrets) -> Body:
    return ok([schemas.secret_out(s) for s in await service.list_secrets()])


@router.post("", summary="Create a secret (global, or for a tenant)", **answers(schemas.SecretOut, 409))
async def create_secret(body: schemas.SecretCreate, service: Secrets, lang: LangDep) -> Body:
    secret = await service.create(body)
    return ok(schemas.secret_out(secret), translate("secret_created", lang, name=secret.secret_key))


@router.put(
    "/{secret_id}", summary="Replace a secret's value or description", **answers(schemas.SecretOut, 404)
)
async def update_secret(
    secret_id: RowId, body: schemas.SecretUpdate, service: Secrets, lang: LangDep
) -> Body:
    secret = await service.update(secret_id, body)
    return ok(schemas.secret_out(secret), translate("secret_updated", lang, name=secret.secret_key))


@router.delete("/{secret_id}", summary="Delete a secret", **answers(Done, 404))
async def delete_secret(secret_id: RowId, service: Secrets, lang: LangDep) -> Body:
    key = await service.delete(secret_id)
    return ok(message=translate("secret_deleted", lang, name=key))
