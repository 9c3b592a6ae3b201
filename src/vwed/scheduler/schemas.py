"""Request bodies of `/api/scheduled-tasks` and the dicts it answers with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from annotated_types import MaxLen
from pydantic import BaseModel, ConfigDict, Field

from vwed.db.base import Moment, RowId, TenantRef, iso
from vwed.scheduler.models import ScheduledTask, TaskLog
from vwed.scheduler.schedule import parse_schedule

ExecutionType = Literal["webhook", "script"]
OverlapPolicy = Literal["skip", "queue"]
Url = Annotated[str | None, Field(default=None, max_length=500)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TaskCreate(_Input):
    """Body of `POST /api/scheduled-tasks`."""

    task_name: Annotated[str, Field(min_length=1, max_length=100)]
    task_desc: Annotated[str | None, Field(default=None, max_length=500)]
    schedule_type: Literal["simple", "cron"] = "simple"
    time_points: list[Annotated[str, Field(max_length=8)]] | None = None
    cron_expression: Annotated[str | None, Field(default=None, max_length=100)]
    timezone: Annotated[str | None, Field(default=None, max_length=50)]
    execution_type: ExecutionType = "script"
    webhook_url: Url
    script_content: str | None = None
    script_deps: str | None = None
    input_params: dict[str, Any] | None = None
    retry_count: Annotated[int, Field(ge=0, le=10)] = 0
    retry_interval: Annotated[int, Field(ge=1, le=86_400)] = 60
    alert_on_failure: bool = False
    alert_webhook: Url
    notify_channels: Annotated[list[RowId], MaxLen(50)] | None = None
    notify_wecom_app_id: RowId | None = None
    is_enabled: bool = True
    overlap_policy: OverlapPolicy = "skip"
    timeout_seconds: Annotated[int, Field(ge=1, le=3600)] = 300
    tenant_id: TenantRef = Field(default=None, description="The owning tenant; only admins name one")


class TaskUpdate(_Input):
    """Body of `PUT /api/scheduled-tasks/{id}`: any subset of the fields of a task."""

    task_name: Annotated[str | None, Field(default=None, min_length=1, max_length=100)]
    task_desc: Annotated[str | None, Field(default=None, max_length=500)]
    schedule_type: Literal["simple", "cron"] | None = None
    time_points: list[Annotated[str, Field(max_length=8)]] | None = None
    cron_expression: Annotated[str | None, Field(default=None, max_length=100)]
    timezone: Annotated[str | None, Field(default=None, max_length=50)]
    execution_type: ExecutionType | None = None
    webhook_url: Url
    script_content: str | None = None
    script_deps: str | None = None
    input_params: dict[str, Any] | None = None
    retry_count: Annotated[int | None, Field(default=None, ge=0, le=10)]
    retry_interval: Annotated[int | None, Field(default=None, ge=1, le=86_400)]
    alert_on_failure: bool | None = None
    alert_webhook: Url
    notify_channels: Annotated[list[RowId], MaxLen(50)] | None = None
    notify_wecom_app_id: RowId | None = None
    is_enabled: bool | None = None
    overlap_policy: OverlapPolicy | None = None
    timeout_seconds: Annotated[int | None, Field(default=None, ge=1, le=3600)]


class SchedulePreview(_Input):
    """Body of `POST /api/scheduled-tasks/schedule-preview`."""

    schedule_type: Literal["simple", "cron"] = "cron"
    cron_expression: Annotated[str | None, Field(default=None, max_length=100)]
    time_points: list[Annotated[str, Field(max_length=8)]] | None = None
    timezone: Annotated[str | None, Field(default=None, max_length=50)]
    after: Moment | None = None
    count: Annotated[int, Field(ge=1, le=100)] = 5


class RunNowBody(_Input):
    """Optional body of `POST /{id}/run`: parameters overriding the task's `input_params` for this run."""

    params: dict[str, Any] | None = None


class TestScript(_Input):
    """Body of `POST /test-script`: a script run once in the sandbox, not saved."""

    script_content: Annotated[str, Field(min_length=1)]
    input_params: dict[str, Any] | None = None
    script_deps: str | None = None
    tenant_id: TenantRef = Field(default=None, description="Run as this tenant; only admins name one")
    timeout_seconds: Annotated[int, Field(ge=1, le=3600)] = 60
    send: bool = False
    notify_channels: Annotated[list[RowId], MaxLen(50)] | None = None
    notify_wecom_app_id: RowId | None = None


class ToggleBody(_Input):
    """Optional body of `POST /{id}/toggle`: the wanted state; without it the state flips."""

    is_enabled: bool | None = None


def task_out(task: ScheduledTask) -> dict[str, Any]:
    """A task with every seed column and the engine's visible fields."""
    return {
        "id": task.id,
        "tenant_id": task.tenant_id,
        "task_name": task.task_name,
        "task_desc": task.task_desc,
        "schedule_type": task.schedule_type,
        "time_points": task.time_points,
        "cron_expression": task.cron_expression,
        "timezone": task.timezone,
        "execution_type": task.execution_type,
        "webhook_url": task.webhook_url,
        "script_content": task.script_content,
        "script_deps": task.script_deps,
        "input_params": task.input_params,
        "retry_count": task.retry_count,
        "retry_interval": task.retry_interval,
        "alert_on_failure": task.alert_on_failure,
        "alert_webhook": task.alert_webhook,
        "notify_channels": task.notify_channels,
        "notify_wecom_app_id": task.notify_wecom_app_id,
        "is_enabled": task.is_enabled,
        "overlap_policy": task.overlap_policy,
        "timeout_seconds": task.timeout_seconds,
        "next_run_at": iso(next_run_of(task)),
        "last_run_at": iso(task.last_run_at),
        "last_run_status": task.last_run_status,
        "last_run_message": task.last_run_message,
        "created_at": iso(task.created_at),
        "updated_at": iso(task.updated_at),
    }


def activation_time(now: datetime) -> datetime:
    """When a task saved at `now` (aware) starts taking part: the second after the next whole second.

    The margin keeps a save that commits while its schedule falls due from racing the leader: such a
    task starts with the following due time.
    """
    moment = now.astimezone(UTC).replace(tzinfo=None)
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=2 if moment > whole else 1)


def next_run_of(task: ScheduledTask) -> datetime | None:
    """When an enabled task runs next (naive UTC): its schedule's timer, or its first due time after
    it became active when the timer is still before that."""
    if not task.is_enabled:
        return None
    timer = task.timer
    active = task.active_from
    if timer is not None and (active is None or timer.next_run_at >= active):
        return timer.next_run_at
    schedule = parse_schedule(task.schedule_type, task.cron_expression, task.time_points, task.timezone)
    start = (active or datetime.now(UTC).replace(tzinfo=None)) - timedelta(microseconds=1)
    return schedule.next_after(start.replace(tzinfo=UTC)).replace(tzinfo=None)


def log_out(log: TaskLog) -> dict[str, Any]:
    """A run log row (seed 004 `platform_task_logs`) with its trigger and due time."""
    return {
        "id": log.id,
        "task_id": log.task_id,
        "tenant_id": log.tenant_id,
        "trace_id": log.trace_id,
        "status": log.status,
        "trigger": log.trigger,
        "scheduled_at": iso(log.scheduled_at),
        "started_at": iso(log.started_at),
        "finished_at": iso(log.finished_at),
        "duration_ms": log.duration_ms,
        "output": log.output,
        "error": log.error,
        "retry_count": log.retry_count,
        "created_at": iso(log.created_at),
    }
