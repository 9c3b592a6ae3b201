"""Queries on `script_logs`: inserts in batches, filtered pages, and retention deletes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.db.base import TenantScope, contains_pattern
from vwed.logs.models import ScriptLog


async def insert_lines(session: AsyncSession, rows: Sequence[dict[str, object]]) -> None:
    """Insert many lines in one statement."""
    if rows:
        await session.execute(insert(ScriptLog), list(rows))


async def query_lines(
    session: AsyncSession,
    scope: TenantScope,
    script_id: str | None,
    *,
    levels: Sequence[str] = (),
    keyword: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_seq: int | None = None,
    max_seq: int | None = None,
    limit: int = 200,
    newest: bool = False,
) -> list[ScriptLog]:
    """Lines in scope matching the filters in `seq` order; `newest` takes the last `limit` instead."""
    stmt = scope.apply(select(ScriptLog), ScriptLog)
    if script_id is not None:
        stmt = stmt.where(ScriptLog.script_id == script_id)
    if levels:
        stmt = stmt.where(ScriptLog.level.in_(levels))
    if keyword:
        stmt = stmt.where(ScriptLog.message.ilike(contains_pattern(keyword), escape="\\"))
    if since is not None:
        stmt = stmt.where(ScriptLog.created_at >= since)
    if until is not None:
        stmt = stmt.where(ScriptLog.created_at <= until)
    if after_seq is not None:
        stmt = stmt.where(ScriptLog.seq > after_seq)
    if max_seq is not None:
        stmt = stmt.where(ScriptLog.seq <= max_seq)
    order = ScriptLog.seq.desc() if newest else ScriptLog.seq
    rows = list((await session.scalars(stmt.order_by(order).limit(limit))).all())
    return rows[::-1] if newest else rows


async def delete_older_than(session: AsyncSession, cutoff: datetime) -> int:
    """Delete lines logged before `cutoff`; return how many."""
    result = await session.execute(delete(ScriptLog).where(ScriptLog.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_beyond_count(session: AsyncSession, keep: int) -> int:
    """Keep only the newest `keep` lines of every script; return how many were deleted."""
    counts = await session.execute(
        select(ScriptLog.script_id, func.count()).group_by(ScriptLog.script_id).having(func.count() > keep)
    )
    deleted = 0
    for script_id, _count in counts.all():
        boundary = await session.scalar(
            select(ScriptLog.seq)
            .where(ScriptLog.script_id == script_id)
            .order_by(ScriptLog.seq.desc())
            .offset(keep)
            .limit(1)
        )
        if boundary is not None:
            result = await session.execute(
                delete(ScriptLog).where(ScriptLog.script_id == script_id, ScriptLog.seq <= boundary)
            )
            deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


async def delete_beyond_tenant_count(session: AsyncSession, keep: int) -> int:
    """Keep only the newest `keep` lines of every tenant (global scripts count as one); return how many
    were deleted. Each tenant's volume removes only its own lines."""
    counts = await session.execute(
        select(ScriptLog.tenant_id, func.count()).group_by(ScriptLog.tenant_id).having(func.count() > keep)
    )
    deleted = 0
    for tenant_id, _count in counts.all():
        owner = ScriptLog.tenant_id.is_(None) if tenant_id is None else ScriptLog.tenant_id == tenant_id
        boundary = await session.scalar(
            select(ScriptLog.seq).where(owner).order_by(ScriptLog.seq.desc()).offset(keep).limit(1)
        )
        if boundary is not None:
            result = await session.execute(delete(ScriptLog).where(owner, ScriptLog.seq <= boundary))
            deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted
