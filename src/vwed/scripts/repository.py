"""Queries on `script_services`. The supervisor acts for the platform, so these are not tenant-scoped:
the tenant of each row is the tenant of its file, checked when the service is started."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.scripts.models import ScriptServiceRecord


class ServiceRepository:
    """Reads and writes of `script_services`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> Sequence[ScriptServiceRecord]:
        """Every service that should be running, oldest first."""
        return (
            await self.session.scalars(select(ScriptServiceRecord).order_by(ScriptServiceRecord.id))
        ).all()

    async def get(self, script_id: str) -> ScriptServiceRecord | None:
        """The row of `script_id`, if that service should be running (on any node)."""
        stmt = select(ScriptServiceRecord).where(ScriptServiceRecord.script_id == script_id)
        return await self.session.scalar(stmt)

    async def add(self, record: ScriptServiceRecord) -> None:
        """Keep a started service."""
        self.session.add(record)
        await self.session.commit()

    async def remove(self, script_id: str) -> None:
        """Forget a service (stopped, or given up after a crash)."""
        await self.session.execute(
            delete(ScriptServiceRecord).where(ScriptServiceRecord.script_id == script_id)
        )
        await self.session.commit()
