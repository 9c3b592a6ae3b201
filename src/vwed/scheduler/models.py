"""Tables of seed 004: scheduled tasks and their run logs, plus the engine's columns and the leader lease.

A row of `platform_task_logs` is one run attempt and doubles as the durable queue: the leader inserts it
as `queued`, an executor claims it (`running`) and finishes it (`success` / `failed`). Runs that never
start are recorded too: `skipped` (overlap) and `missed` (beyond the misfire grace).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vwed.db.base import NEVER_REUSED, Base, LongText, TenantOwned, Timestamped, utcnow

RUN_STATUSES = ("queued", "running", "success", "failed", "skipped", "missed")
ACTIVE_STATUSES = ("queued", "running")
LogId = BigInteger().with_variant(Integer, "sqlite")


class ScheduleTimer(Base):
    """When a schedule fires next (`next_run_at`, UTC), shared by every task with that schedule and timezone.

    The leader advances one row per schedule instead of one per task, so thousands of tasks falling due
    in the same second cost one small UPDATE. A task takes part from its `active_from` on.
    """

    __tablename__ = "platform_schedule_timers"

    schedule_key: Mapped[str] = mapped_column(String(24), primary_key=True)
    schedule_type: Mapped[str] = mapped_column(String(10))
    cron_expression: Mapped[str | None] = mapped_column(String(100), default=None)
    time_points: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    timezone: Mapped[str] = mapped_column(String(50))
    next_run_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ScheduledTask(TenantOwned, Timestamped, Base):
    """A task of seed 004; its schedule's timer says when it fires next."""

    __tablename__ = "platform_scheduled_tasks"
    # Covers everything the leader reads of a task when its schedule falls due, so a burst of runs
    # reads only this index, not the (wide) task rows.
    __table_args__ = (
        Index(
            "ix_platform_scheduled_tasks_schedule",
            "schedule_key",
            "is_enabled",
            "active_from",
            "overlap_policy",
            "tenant_id",
        ),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_name: Mapped[str] = mapped_column(String(100))
    task_desc: Mapped[str | None] = mapped_column(String(500), default=None)
    schedule_type: Mapped[str] = mapped_column(String(10), default="simple")
    time_points: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    cron_expression: Mapped[str | None] = mapped_column(String(100), default=None)
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Shanghai")
    execution_type: Mapped[str] = mapped_column(String(10), default="script")
    webhook_url: Mapped[str | None] = mapped_column(String(500), default=None)
    script_content: Mapped[str | None] = mapped_column(LongText, default=None)
    script_deps: Mapped[str | None] = mapped_column(Text, default=None)
    input_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    retry_interval: Mapped[int] = mapped_column(Integer, default=60)
    alert_on_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_webhook: Mapped[str | None] = mapped_column(String(500), default=None)
    notify_channels: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    notify_wecom_app_id: Mapped[int | None] = mapped_column(Integer, default=None)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_run_status: Mapped[str | None] = mapped_column(String(10), default=None)
    last_run_message: Mapped[str | None] = mapped_column(Text, default=None)

    schedule_key: Mapped[str] = mapped_column(String(24), default="")
    active_from: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    overlap_policy: Mapped[str] = mapped_column(String(10), default="skip")
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=300)

    timer: Mapped[ScheduleTimer | None] = relationship(
        primaryjoin="foreign(ScheduledTask.schedule_key) == ScheduleTimer.schedule_key",
        viewonly=True,
        lazy="selectin",
    )


class TaskLog(Base):
    """One run attempt of a task (seed 004 `platform_task_logs`), and its place in the run queue."""

    __tablename__ = "platform_task_logs"
    # Few indexes on purpose: every due run is an insert into each of them at the due second.
    __table_args__ = (
        Index("ix_platform_task_logs_queue", "status", "not_before"),
        Index("ix_platform_task_logs_task_status", "task_id", "status"),
    )

    id: Mapped[int] = mapped_column(LogId, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(Integer)
    tenant_id: Mapped[str | None] = mapped_column(String(50), default=None)
    trace_id: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    started_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    duration_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    output: Mapped[str | None] = mapped_column(LongText, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    trigger: Mapped[str] = mapped_column(String(10), default="schedule")
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    not_before: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    input_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class SchedulerLease(Base):
    """The cluster's leader lease: whoever holds an unexpired row enqueues due runs."""

    __tablename__ = "platform_scheduler_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64), default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
