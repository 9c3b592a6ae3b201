"""Tables of notification channels, WeCom applications and delivery attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vwed.db.base import NEVER_REUSED, Base, TenantOwned, Timestamped, utcnow


class NotifyChannel(TenantOwned, Timestamped, Base):
    """A robot or Apprise target that scheduled tasks push their `result` to (seed 004's table).

    `sign_secret` holds the DingTalk signing key sealed by `vwed.crypto`, never the plain value.
    """

    __tablename__ = "platform_task_notify_channels"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_name: Mapped[str] = mapped_column(String(100))
    channel_type: Mapped[str] = mapped_column(String(20))
    webhook_url: Mapped[str] = mapped_column(String(500))
    sign_secret: Mapped[str | None] = mapped_column(String(500), default=None)
    description: Mapped[str | None] = mapped_column(String(255), default=None)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class WecomApp(TenantOwned, Timestamped, Base):
    """A WeCom self-built application that sends messages to people and departments (`message/send`).

    `secret` is sealed by `vwed.crypto`. `api_base` is WeCom's API root, changeable for proxies.
    """

    __tablename__ = "platform_task_notify_wecom_apps"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_name: Mapped[str] = mapped_column(String(100))
    corp_id: Mapped[str] = mapped_column(String(100))
    agent_id: Mapped[int] = mapped_column(Integer)
    secret: Mapped[str] = mapped_column(String(500))
    default_touser: Mapped[str | None] = mapped_column(String(500), default=None)
    default_toparty: Mapped[str | None] = mapped_column(String(500), default=None)
    api_base: Mapped[str] = mapped_column(String(255), default="https://qyapi.weixin.qq.com")
    description: Mapped[str | None] = mapped_column(String(255), default=None)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class NotifyDelivery(TenantOwned, Base):
    """One delivery of one message to one target, with the target's answer and how many tries it took."""

    __tablename__ = "platform_task_notify_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    wecom_app_id: Mapped[int | None] = mapped_column(Integer, default=None)
    target: Mapped[str] = mapped_column(String(500))
    channel_type: Mapped[str] = mapped_column(String(20))
    msg_type: Mapped[str] = mapped_column(String(30))
    converted_from: Mapped[str | None] = mapped_column(String(30), default=None)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    response: Mapped[str | None] = mapped_column(Text, default=None)
    trace_id: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
