"""Queries on channels, WeCom applications and deliveries; each restricted to the caller's `TenantScope`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.db.base import TenantScope
from vwed.notify.models import NotifyChannel, NotifyDelivery, WecomApp


class NotifyRepository:
    """Reads of `platform_task_notify_*` tables in one tenant scope."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def channels(self) -> Sequence[NotifyChannel]:
        """Channels in scope, oldest first."""
        stmt = self.scope.apply(select(NotifyChannel), NotifyChannel).order_by(NotifyChannel.id)
        return (await self.session.scalars(stmt)).all()

    async def channel(self, channel_id: int) -> NotifyChannel | None:
        """Channel `channel_id` if it is in scope."""
        stmt = select(NotifyChannel).where(NotifyChannel.id == channel_id)
        return await self.session.scalar(self.scope.apply(stmt, NotifyChannel))

    async def channel_named(self, name: str, tenant_id: str | None) -> NotifyChannel | None:
        """The channel called `name` of `tenant_id` (names are unique per tenant)."""
        owner = (
            NotifyChannel.tenant_id.is_(None) if tenant_id is None else NotifyChannel.tenant_id == tenant_id
        )
        return await self.session.scalar(
            select(NotifyChannel).where(NotifyChannel.channel_name == name, owner).limit(1)
        )

    async def wecom_apps(self) -> Sequence[WecomApp]:
        """WeCom applications in scope, oldest first."""
        stmt = self.scope.apply(select(WecomApp), WecomApp).order_by(WecomApp.id)
        return (await self.session.scalars(stmt)).all()

    async def wecom_app(self, app_id: int) -> WecomApp | None:
        """WeCom application `app_id` if it is in scope."""
        stmt = select(WecomApp).where(WecomApp.id == app_id)
        return await self.session.scalar(self.scope.apply(stmt, WecomApp))

    async def deliveries(
        self, trace_id: str | None, channel_id: int | None, limit: int
    ) -> Sequence[NotifyDelivery]:
        """Recorded deliveries in scope, newest first, optionally of one run or one channel."""
        stmt = self.scope.apply(select(NotifyDelivery), NotifyDelivery)
        if trace_id is not None:
            stmt = stmt.where(NotifyDelivery.trace_id == trace_id)
        if channel_id is not None:
            stmt = stmt.where(NotifyDelivery.channel_id == channel_id)
        return (await self.session.scalars(stmt.order_by(NotifyDelivery.id.desc()).limit(limit))).all()
