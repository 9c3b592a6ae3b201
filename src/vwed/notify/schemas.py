"""Request bodies of the notification API, and the dicts it answers with (secrets always masked)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from vwed.db.base import RequestBody, ResponseBody, RowId, TenantRef, iso
from vwed.notify.models import NotifyChannel, NotifyDelivery, WecomApp

ChannelKind = Literal["dingtalk_bot", "wecom_bot", "apprise"]
WECOM_API = "https://qyapi.weixin.qq.com"


class ChannelCreate(RequestBody):
    """A new channel; `sign_secret` only for DingTalk robots that use signing."""

    channel_name: str = Field(min_length=1, max_length=100)
    channel_type: ChannelKind
    webhook_url: str = Field(min_length=1, max_length=500)
    sign_secret: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=255)
    is_enabled: bool = True
    tenant_id: TenantRef = Field(default=None, description="The owning tenant; only admins name one")


class ChannelUpdate(RequestBody):
    """Changes to a channel; omitted fields, and masked values sent back as shown, stay as they are."""

    channel_name: str | None = Field(default=None, min_length=1, max_length=100)
    channel_type: ChannelKind | None = None
    webhook_url: str | None = Field(default=None, min_length=1, max_length=500)
    sign_secret: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=255)
    is_enabled: bool | None = None


class WecomAppCreate(RequestBody):
    """A WeCom self-built application: corp id, agent id, secret, and default receivers."""

    app_name: str = Field(min_length=1, max_length=100)
    corp_id: str = Field(min_length=1, max_length=100)
    agent_id: RowId
    secret: str = Field(min_length=1, max_length=200)
    default_touser: str | None = Field(default=None, max_length=500)
    default_toparty: str | None = Field(default=None, max_length=500)
    api_base: str = Field(default=WECOM_API, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    is_enabled: bool = True
    tenant_id: TenantRef = Field(default=None, description="The owning tenant; only admins name one")


class WecomAppUpdate(RequestBody):
    """Changes to a WeCom application; omitted fields and a masked `secret` stay as they are."""

    app_name: str | None = Field(default=None, min_length=1, max_length=100)
    corp_id: str | None = Field(default=None, min_length=1, max_length=100)
    agent_id: RowId | None = None
    secret: str | None = Field(default=None, max_length=200)
    default_touser: str | None = Field(default=None, max_length=500)
    default_toparty: str | None = Field(default=None, max_length=500)
    api_base: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    is_enabled: bool | None = None


class AppTest(RequestBody):
    """Receivers of a WeCom application test message; the application's defaults when omitted."""

    touser: str | None = Field(default=None, max_length=500)
    toparty: str | None = Field(default=None, max_length=500)


class ResultCheck(RequestBody):
    """A `result` dict to check without sending."""

    result: dict[str, Any]


def channel_out(channel: NotifyChannel, shown_url: str, shown_secret: str | None) -> dict[str, Any]:
    """A channel as the API shows it: URL token and signing secret masked."""
    return {
        "id": channel.id,
        "tenant_id": channel.tenant_id,
        "channel_name": channel.channel_name,
        "channel_type": channel.channel_type,
        "webhook_url": shown_url,
        "sign_secret": shown_secret,
        "has_sign_secret": channel.sign_secret is not None,
        "description": channel.description,
        "is_enabled": channel.is_enabled,
        "created_at": iso(channel.created_at),
        "updated_at": iso(channel.updated_at),
    }


def wecom_app_out(app: WecomApp, shown_secret: str) -> dict[str, Any]:
    """A WeCom application as the API shows it: secret masked."""
    return {
        "id": app.id,
        "tenant_id": app.tenant_id,
        "app_name": app.app_name,
        "corp_id": app.corp_id,
        "agent_id": app.agent_id,
        "secret": shown_secret,
        "default_touser": app.default_touser,
        "default_toparty": app.default_toparty,
        "api_base": app.api_base,
        "description": app.description,
        "is_enabled": app.is_enabled,
        "created_at": iso(app.created_at),
        "updated_at": iso(app.updated_at),
    }


def delivery_out(row: NotifyDelivery) -> dict[str, Any]:
    """One recorded delivery."""
    return {
        "id": row.id,
        "channel_id": row.channel_id,
        "wecom_app_id": row.wecom_app_id,
        "target": row.target,
        "channel_type": row.channel_type,
        "msg_type": row.msg_type,
        "converted_from": row.converted_from,
        "status": row.status,
        "attempts": row.attempts,
        "response": row.response,
        "trace_id": row.trace_id,
        "tenant_id": row.tenant_id,
        "created_at": iso(row.created_at),
    }


# -- answers --------------------------------------------------------------------------------------


class ChannelOut(ResponseBody):
    """A channel as the API shows it (URL token and signing secret masked)."""

    id: int
    tenant_id: str | None
    channel_name: str
    channel_type: str
    webhook_url: str
    sign_secret: str | None
    has_sign_secret: bool
    description: str | None
    is_enabled: bool
    created_at: str | None
    updated_at: str | None


class WecomAppOut(ResponseBody):
    """A WeCom application as the API shows it (secret masked)."""

    id: int
    tenant_id: str | None
    app_name: str
    corp_id: str
    agent_id: int
    secret: str
    default_touser: str | None
    default_toparty: str | None
    api_base: str
    description: str | None
    is_enabled: bool
    created_at: str | None
    updated_at: str | None


class DeliveryOut(ResponseBody):
    """One recorded delivery."""

    id: int
    channel_id: int | None
    wecom_app_id: int | None
    target: str
    channel_type: str
    msg_type: str
    converted_from: str | None
    status: str
    attempts: int
    response: str | None
    trace_id: str | None
    tenant_id: str | None
    created_at: str | None


class Outcome(ResponseBody):
    """What a test message did."""

    target: str
    channel_type: str
    ok: bool
    message: str
    converted_from: str | None


class Render(ResponseBody):
    """What one kind of channel receives: its msgtype, the format it was converted from, the payload."""

    msg_type: str
    converted_from: str | None
    payload: dict[str, Any] | None = None
    title: str | None = None
    body: str | None = None


class Renders(ResponseBody):
    """A `result` as each kind of channel receives it."""

    dingtalk_bot: Render
    wecom_bot: Render
    wecom_app: Render
    apprise: Render
