"""Queries of scheduled tasks and run logs: the tenant-scoped ones of the API, and the run queue's.

The run queue works on a bare `AsyncConnection` with SQLAlchemy Core, because it moves thousands of rows
per second in a few statements and must choose its isolation level per back end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from vwed.db.base import TenantScope, contains_pattern
from vwed.scheduler.models import ACTIVE_STATUSES, ScheduledTask, SchedulerLease, ScheduleTimer, TaskLog

Tasks = cast(Table, ScheduledTask.__table__)
Timers = cast(Table, ScheduleTimer.__table__)
Logs = cast(Table, TaskLog.__table__)
Leases = cast(Table, SchedulerLease.__table__)
LEASE_NAME = "scheduler"
# Schedule keys per statement (an IN list).
_KEYS_PER_STATEMENT = 500

# A fresh 32-hex trace id per inserted row, computed by the database inside INSERT ... SELECT.
_RANDOM_HEX = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
    "mysql": "md5(concat(rand(), uuid()))",
}


class TaskRepository:
    """Reads and writes of tasks and their logs within one caller's `TenantScope`."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def page(
        self,
        *,
        tenant_id: str | None,
        enabled: bool | None,
        execution_type: str | None,
        keyword: str | None,
        offset: int,
        limit: int,
        last_run_status: str | None = None,
    ) -> tuple[Sequence[ScheduledTask], int]:
        """One page of tasks matching the filters, newest first, and the total count."""
        stmt = self.scope.apply(select(ScheduledTask), ScheduledTask)
        if tenant_id is not None:
            stmt = stmt.where(ScheduledTask.tenant_id == tenant_id)
        if enabled is not None:
            stmt = stmt.where(ScheduledTask.is_enabled.is_(enabled))
        if execution_type is not None:
            stmt = stmt.where(ScheduledTask.execution_type == execution_type)
        if last_run_status == "never":
            stmt = stmt.where(ScheduledTask.last_run_status.is_(None))
        elif last_run_status is not None:
            stmt = stmt.where(ScheduledTask.last_run_status == last_run_status)
        if keyword:
            pattern = contains_pattern(keyword)
            stmt = stmt.where(
                or_(
                    ScheduledTask.task_name.ilike(pattern, escape="\\"),
                    ScheduledTask.task_desc.ilike(pattern, escape="\\"),
                )
            )
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(stmt.order_by(ScheduledTask.id.desc()).offset(offset).limit(limit))
        return rows.all(), int(total or 0)

    async def task(self, task_id: int) -> ScheduledTask | None:
        """The task `task_id` if it is in scope."""
        stmt = select(ScheduledTask).where(ScheduledTask.id == task_id)
        return await self.session.scalar(self.scope.apply(stmt, ScheduledTask))

    async def logs(
        self, task_id: int, status: str | None, offset: int, limit: int
    ) -> tuple[Sequence[TaskLog], int]:
        """One page of a task's run logs, newest first, and the total count."""
        stmt = select(TaskLog).where(TaskLog.task_id == task_id)
        if status is not None:
            stmt = stmt.where(TaskLog.status == status)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(stmt.order_by(TaskLog.id.desc()).offset(offset).limit(limit))
        return rows.all(), int(total or 0)

    async def delete_idle_logs(self, task_id: int) -> None:
        """Delete a task's logs except runs in progress, whose executor removes them when it finishes."""
        await self.session.execute(
            delete(TaskLog).where(TaskLog.task_id == task_id, TaskLog.status != "running")
        )


@dataclass
class Enqueued:
    """What one enqueue pass did: runs written per due time, and whether more are due already."""

    runs: int = 0
    due: dict[datetime, int] = field(default_factory=dict)
    behind: bool = False


@dataclass(frozen=True)
class ClaimedRun:
    """A run an executor now owns, with the task row it runs (None when the task was deleted)."""

    run: dict[str, Any]
    task: dict[str, Any] | None


NextTime = Callable[[dict[str, Any], datetime], datetime]


class RunQueue:
    """The engine's statements: the leader lease, enqueueing due runs, claiming and finishing runs."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.conn = connection
        self.dialect = connection.dialect.name

    async def take_lease(self, holder: str, now: datetime, until: datetime) -> bool:
        """Take or renew the leader lease for `holder` until `until`; False while another holds it."""
        stmt = (
            update(Leases)
            .where(
                Leases.c.name == LEASE_NAME,
                or_(Leases.c.holder == holder, Leases.c.expires_at < now, Leases.c.holder.is_(None)),
            )
            .values(holder=holder, expires_at=until)
        )
        if (await self.conn.execute(stmt)).rowcount == 1:
            return True
        present = await self.conn.scalar(select(Leases.c.name).where(Leases.c.name == LEASE_NAME))
        if present is None:
            await self.conn.execute(insert(Leases).values(name=LEASE_NAME, holder=holder, expires_at=until))
            return True
        return False

    async def release_lease(self, holder: str) -> None:
        """Give the lease up at once, so another node need not wait for it to expire."""
        await self.conn.execute(
            update(Leases).where(Leases.c.name == LEASE_NAME, Leases.c.holder == holder).values(holder=None)
        )

    async def next_due_at(self) -> datetime | None:
        """The earliest `next_run_at` of any schedule."""
        value: datetime | None = await self.conn.scalar(select(func.min(Timers.c.next_run_at)))
        return value

    async def enqueue_due(
        self, now: datetime, grace_cutoff: datetime, next_time: NextTime, notes: dict[str, str]
    ) -> Enqueued:
        """Write one run row per enabled task of every due schedule, and advance each schedule's timer.

        All in the caller's transaction. A schedule due before `grace_cutoff` writes `missed` runs and
        jumps to its first fire time at or after the cutoff; a run whose task still has one queued or
        running is `skipped` when the task's overlap policy is `skip`. A task takes part in due times
        from its `active_from` on. `next_time(timer_row, after)` computes fire times.
        """
        due_timers = select(Timers).where(Timers.c.next_run_at <= now).order_by(Timers.c.next_run_at)
        if self.dialect != "sqlite":
            due_timers = due_timers.with_for_update()
        timers = [dict(row) for row in (await self.conn.execute(due_timers)).mappings()]
        result = Enqueued()
        by_due: dict[datetime, list[str]] = {}
        for timer in timers:
            by_due.setdefault(timer["next_run_at"], []).append(timer["schedule_key"])
        for due_at, keys in by_due.items():
            for start in range(0, len(keys), _KEYS_PER_STATEMENT):
                batch = keys[start : start + _KEYS_PER_STATEMENT]
                written = (
                    await self.conn.execute(self._insert_runs(now, due_at, batch, grace_cutoff, notes))
                ).rowcount
                result.runs += written
                result.due[due_at] = result.due.get(due_at, 0) + written
        moves: dict[datetime, list[str]] = {}
        for timer in timers:
            due_at = timer["next_run_at"]
            after = grace_cutoff - timedelta(seconds=1) if due_at < grace_cutoff else due_at
            following = next_time(timer, after)
            result.behind = result.behind or following <= now
            moves.setdefault(following, []).append(timer["schedule_key"])
        for following, keys in moves.items():
            for start in range(0, len(keys), _KEYS_PER_STATEMENT):
                batch = keys[start : start + _KEYS_PER_STATEMENT]
                await self.conn.execute(
                    update(Timers).where(Timers.c.schedule_key.in_(batch)).values(next_run_at=following)
                )
        return result

    def _insert_runs(
        self, now: datetime, due_at: datetime, keys: list[str], grace_cutoff: datetime, notes: dict[str, str]
    ) -> Any:
        # Tasks with a run in progress, computed once for the whole statement rather than per row.
        active = (
            select(Logs.c.task_id.label("busy_id"))
            .where(Logs.c.status.in_(ACTIVE_STATUSES))
            .distinct()
            .subquery()
        )
        stamp = now.replace(microsecond=0)
        if due_at < grace_cutoff:
            status: Any = literal("missed")
            done: Any = literal(stamp)
            error: Any = literal(notes["missed"])
        else:
            skipped = and_(Tasks.c.overlap_policy == "skip", active.c.busy_id.is_not(None))
            status = case((skipped, literal("skipped")), else_=literal("queued"))
            done = case((skipped, literal(stamp)), else_=None)
            error = case((skipped, literal(notes["skipped"])), else_=None)
        columns = [
            "task_id",
            "tenant_id",
            "trace_id",
            "status",
            "retry_count",
            "created_at",
            "trigger",
            "scheduled_at",
            "finished_at",
            "error",
        ]
        source = (
            select(
                Tasks.c.id,
                Tasks.c.tenant_id,
                literal_column(_RANDOM_HEX[self.dialect]),
                status,
                literal(0),
                literal(stamp),
                literal("schedule"),
                literal(due_at),
                done,
                error,
            )
            .select_from(Tasks.outerjoin(active, active.c.busy_id == Tasks.c.id))
            .where(
                Tasks.c.schedule_key.in_(keys),
                Tasks.c.is_enabled.is_(True),
                Tasks.c.active_from <= due_at,
            )
        )
        return insert(Logs).from_select(columns, source)

    async def claim_runs(self, now: datetime, token: str, limit: int) -> list[ClaimedRun]:
        """Mark up to `limit` runs that may start now as `running` by `token`, and return them.

        A run may start when it is queued, its `not_before` has passed, no other run of its task is
        running and no older run of its task is still queued (runs of one task keep their order).
        """
        mine = aliased(TaskLog)
        other = aliased(TaskLog)
        ahead = exists().where(
            other.task_id == mine.task_id,
            or_(other.status == "running", and_(other.status == "queued", other.id < mine.id)),
        )
        ready = (
            select(mine.id)
            .where(
                mine.status == "queued",
                or_(mine.not_before.is_(None), mine.not_before <= now),
                ~ahead,
            )
            .order_by(mine.id)
            .limit(limit)
        )
        stamp = now.replace(microsecond=0)
        values = {"status": "running", "started_at": stamp, "heartbeat_at": stamp, "claimed_by": token}
        if self.dialect == "sqlite":
            await self.conn.execute(update(Logs).where(Logs.c.id.in_(ready.scalar_subquery())).values(values))
        else:
            ids = list(await self.conn.scalars(ready.with_for_update(skip_locked=True, of=mine)))
            if not ids:
                return []
            await self.conn.execute(update(Logs).where(Logs.c.id.in_(ids)).values(values))
        runs = [
            dict(row)
            for row in (
                await self.conn.execute(
                    select(Logs).where(Logs.c.claimed_by == token, Logs.c.status == "running")
                )
            ).mappings()
        ]
        if not runs:
            return []
        task_ids = sorted({r["task_id"] for r in runs})
        await self.conn.execute(
            update(Tasks)
            .where(Tasks.c.id.in_(task_ids))
            .values(last_run_at=stamp, last_run_status="running", updated_at=Tasks.c.updated_at)
        )
        tasks = {
            row["id"]: dict(row)
            for row in (await self.conn.execute(select(Tasks).where(Tasks.c.id.in_(task_ids)))).mappings()
        }
        return [ClaimedRun(run, tasks.get(run["task_id"])) for run in runs]

    async def finish_run(
        self,
        run: dict[str, Any],
        *,
        status: str,
        finished_at: datetime,
        duration_ms: int,
        output: str | None,
        error: str | None,
        message: str,
    ) -> None:
        """Record the outcome of a run on its log row and on its task's `last_run_*`."""
        await self.conn.execute(
            update(Logs)
            .where(Logs.c.id == run["id"])
            .values(
                status=status,
                finished_at=finished_at,
                duration_ms=duration_ms,
                output=output,
                error=error,
                heartbeat_at=None,
            )
        )
        await self.conn.execute(
            update(Tasks)
            .where(Tasks.c.id == run["task_id"])
            .values(last_run_status=status, last_run_message=message, updated_at=Tasks.c.updated_at)
        )

    async def queue_retry(self, run: dict[str, Any], not_before: datetime, now: datetime) -> None:
        """Queue the next attempt of a failed run, sharing its trace id."""
        await self.conn.execute(
            insert(Logs).values(
                task_id=run["task_id"],
                tenant_id=run["tenant_id"],
                trace_id=run["trace_id"],
                status="queued",
                retry_count=run["retry_count"] + 1,
                created_at=now,
                trigger="retry",
                scheduled_at=run["scheduled_at"],
                not_before=not_before,
            )
        )

    async def task_exists(self, task_id: int) -> bool:
        """Whether the task still exists (it may be deleted while its run is in flight)."""
        return await self.conn.scalar(select(Tasks.c.id).where(Tasks.c.id == task_id)) is not None

    async def drop_runs_of(self, task_id: int) -> None:
        """Remove the run rows of a deleted task."""
        await self.conn.execute(delete(Logs).where(Logs.c.task_id == task_id))

    async def heartbeat(self, run_ids: Sequence[int], now: datetime) -> None:
        """Show that these runs are still in progress."""
        if run_ids:
            await self.conn.execute(
                update(Logs)
                .where(Logs.c.id.in_(run_ids), Logs.c.status == "running")
                .values(heartbeat_at=now)
            )

    async def reap_stale(self, stale_before: datetime, now: datetime, reason: str) -> int:
        """Fail runs whose executor stopped beating before `stale_before` (it crashed or was killed)."""
        stale = and_(
            Logs.c.status == "running",
            or_(Logs.c.heartbeat_at < stale_before, Logs.c.heartbeat_at.is_(None)),
        )
        task_ids = list(await self.conn.scalars(select(Logs.c.task_id).where(stale).distinct()))
        if not task_ids:
            return 0
        reaped = (
            await self.conn.execute(
                update(Logs).where(stale).values(status="failed", finished_at=now, error=reason)
            )
        ).rowcount
        await self.conn.execute(
            update(Tasks)
            .where(Tasks.c.id.in_(task_ids), Tasks.c.last_run_status == "running")
            .values(last_run_status="failed", last_run_message=reason, updated_at=Tasks.c.updated_at)
        )
        return int(reaped)

    async def earliest_retry(self, now: datetime) -> datetime | None:
        """When the next queued run that must wait (a retry) becomes ready."""
        stmt = select(func.min(Logs.c.not_before)).where(Logs.c.status == "queued", Logs.c.not_before > now)
        value: datetime | None = await self.conn.scalar(stmt)
        return value

    async def prune_logs(self, before: datetime) -> int:
        """Delete finished run logs created before `before` (log retention)."""
        result = await self.conn.execute(
            delete(Logs).where(Logs.c.created_at < before, Logs.c.status.not_in(ACTIVE_STATUSES))
        )
        return int(result.rowcount)
