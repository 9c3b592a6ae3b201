"""Routes of `/api/notification-channels` (seed 004): channels, WeCom applications, deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from vwed.db.base import RowId
from vwed.errors import BadRequest
from vwed.i18n import translate
from vwed.notify import schemas
from vwed.notify.service import DeliveryOutcome, NotifyService, renders_of
from vwed.web.deps import LangDep, PrincipalDep, SessionDep, SettingsDep, ok
from vwed.web.schemas import Done, answers

router = APIRouter(prefix="/api/notification-channels", tags=["notification channels"])


def notify_service(
    session: SessionDep, settings: SettingsDep, principal: PrincipalDep, lang: LangDep
) -> NotifyService:
    """The service bound to this request's session and caller."""
    return NotifyService(session, settings, principal.scope, lang=lang)


Notify = Annotated[NotifyService, Depends(notify_service)]
Out = dict[str, Any]


def _outcome(outcome: DeliveryOutcome) -> dict[str, Any]:
    return {
        "target": outcome.target,
        "channel_type": outcome.channel_type,
        "ok": outcome.ok,
        "message": outcome.message,
        "converted_from": outcome.converted_from,
    }


def _tested(outcome: DeliveryOutcome, lang: LangDep) -> Out:
    if not outcome.ok:
        raise BadRequest("notify_test_failed", reason=outcome.message)
    return ok(_outcome(outcome), translate("notify_test_sent", lang, answer=outcome.message))


# -- static paths first ---------------------------------------------------------------------------


@router.get("/wecom-apps", summary="List WeCom applications", **answers(list[schemas.WecomAppOut]))
async def list_wecom_apps(service: Notify) -> Out:
    return ok([service.app_view(a) for a in await service.list_wecom_apps()])


@router.post(
    "/wecom-apps",
    summary="Register a WeCom application (secret encrypted at rest)",
    **answers(schemas.WecomAppOut),
)
async def create_wecom_app(body: schemas.WecomAppCreate, service: Notify, lang: LangDep) -> Out:
    app = await service.create_wecom_app(body)
    return ok(service.app_view(app), translate("notify_app_created", lang, name=app.app_name))


@router.put("/wecom-apps/{app_id}", summary="Change a WeCom application", **answers(schemas.WecomAppOut, 404))
async def update_wecom_app(
    app_id: RowId, body: schemas.WecomAppUpdate, service: Notify, lang: LangDep
) -> Out:
    app = await service.update_wecom_app(app_id, body)
    return ok(service.app_view(app), translate("notify_app_updated", lang, name=app.app_name))


@router.delete("/wecom-apps/{app_id}", summary="Delete a WeCom application", **answers(Done, 404))
async def delete_wecom_app(app_id: RowId, service: Notify, lang: LangDep) -> Out:
    name = await service.delete_wecom_app(app_id)
    return ok(message=translate("notify_app_deleted", lang, name=name))


@router.post(
    "/wecom-apps/{app_id}/test",
    summary="Send a test message with a WeCom application",
    **answers(schemas.Outcome, 404),
)
async def send_wecom_app_test(
    app_id: RowId, service: Notify, lang: LangDep, body: Annotated[schemas.AppTest | None, Body()] = None
) -> Out:
    return _tested(await service.test_wecom_app(app_id, body or schemas.AppTest()), lang)


@router.get(
    "/deliveries",
    summary="Recorded deliveries, newest first (filter by run trace_id or channel)",
    **answers(list[schemas.DeliveryOut]),
)
async def list_deliveries(
    service: Notify,
    trace_id: str | None = None,
    channel_id: RowId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Out:
    rows = await service.deliveries(trace_id, channel_id, limit)
    return ok([schemas.delivery_out(r) for r in rows])


@router.post(
    "/check-result",
    summary="Validate a result dict and show what each channel type receives",
    **answers(schemas.Renders),
)
async def check_result(body: schemas.ResultCheck) -> Out:
    return ok(renders_of(body.result))


# -- channels -------------------------------------------------------------------------------------


@router.get("", summary="List notification channels", **answers(list[schemas.ChannelOut]))
async def list_channels(service: Notify) -> Out:
    return ok([service.channel_view(c) for c in await service.list_channels()])


@router.post("", summary="Create a notification channel", **answers(schemas.ChannelOut, 409))
async def create_channel(body: schemas.ChannelCreate, service: Notify, lang: LangDep) -> Out:
    channel = await service.create_channel(body)
    return ok(
        service.channel_view(channel), translate("notify_channel_created", lang, name=channel.channel_name)
    )


@router.put("/{channel_id}", summary="Change a notification channel", **answers(schemas.ChannelOut, 404, 409))
async def update_channel(
    channel_id: RowId, body: schemas.ChannelUpdate, service: Notify, lang: LangDep
) -> Out:
    channel = await service.update_channel(channel_id, body)
    return ok(
        service.channel_view(channel), translate("notify_channel_updated", lang, name=channel.channel_name)
    )


@router.delete("/{channel_id}", summary="Delete a notification channel", **answers(Done, 404))
async def delete_channel(channel_id: RowId, service: Notify, lang: LangDep) -> Out:
    name = await service.delete_channel(channel_id)
    return ok(message=translate("notify_channel_deleted", lang, name=name))


@router.post(
    "/{channel_id}/test",
    summary="Send a real test message and report the robot's answer",
    **answers(schemas.Outcome, 404),
)
async def send_channel_test(
    channel_id: RowId, service: Notify, lang: LangDep, content: Annotated[str | None, Body(embed=True)] = None
) -> Out:
    return _tested(await service.test_channel(channel_id, content), lang)
