"""Request bodies of `/api/scheduled-tasks` and the dicts it answers with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from annotated_types import MaxLen
from pydantic import Field

from vwed.db.base import Moment, RequestBody, ResponseBody, RowId, TenantRef, iso
from vwed.scheduler.models import ScheduledTask, TaskLog
from vwed.scheduler.schedule import parse_schedule

ExecutionType = Literal["webhook", "script"]
OverlapPolicy = Literal["skip", "queue"]
Url = Annotated[str | None, Field(default=None, max_length=500)]


_Input = RequestBody


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


# -- answers (OpenAPI types of the dicts above and of the service's answers) ----------------------


class TaskOut(ResponseBody):
    """A task: every seed column and the engine's visible fields."""

    id: int
    tenant_id: str | None
    task_name: str
    task_desc: str | None
    schedule_type: str
    time_points: list[str] | None
    cron_expression: str | None
    timezone: str
    execution_type: str
    webhook_url: str | None
    script_content: str | None
    script_deps: str | None
    input_params: dict[str, Any] | None
    retry_count: int
    retry_interval: int
    alert_on_failure: bool
    alert_webhook: str | None
    notify_channels: list[int] | None
    notify_wecom_app_id: int | None
    is_enabled: bool
    overlap_policy: str
    timeout_seconds: int
    next_run_at: str | None
    last_run_at: str | None
    last_run_status: str | None
    last_run_message: str | None
    created_at: str | None
    updated_at: str | None


class TaskPage(ResponseBody):
    """One page of tasks."""

    items: list[TaskOut]
    total: int
    page: int
    page_size: int


class LogOut(ResponseBody):
    """A run log row (seed 004 `platform_task_logs`) with its trigger and due time."""

    id: int
    task_id: int
    tenant_id: str | None
    trace_id: str | None
    status: str
    trigger: str
    scheduled_at: str | None
    started_at: str | None
    finished_at: str | None
    duration_ms: int | None
    output: str | None
    error: str | None
    retry_count: int
    created_at: str | None


class LogPage(ResponseBody):
    """One page of run logs."""

    items: list[LogOut]
    total: int
    page: int
    page_size: int


class RunQueued(ResponseBody):
    """A queued run-now."""

    task_id: int
    log_id: int
    trace_id: str


class Descriptions(ResponseBody):
    """A schedule in words, in both languages."""

    zh: str
    en: str


class NextRuns(ResponseBody):
    """A task's next fire times (UTC, the API's time format) and its timezone."""

    task_id: int
    timezone: str
    is_enabled: bool
    descriptions: Descriptions
    next_runs: list[str]


class Preview(ResponseBody):
    """An unsaved schedule's next fire times (UTC) and description."""

    schedule_type: str
    timezone: str
    description: str
    descriptions: Descriptions
    next_runs: list[str]


class DbTables(ResponseBody):
    """Tables `db_query` may read, and those it never may."""

    exposed: list[str]
    never: list[str]


class TrialDelivery(ResponseBody):
    """One delivery of a test run's result."""

    target: str
    channel_type: str
    ok: bool
    message: str


class ScriptTrial(ResponseBody):
    """What a test run did: output, error with its line, duration, result and what channels get."""

    success: bool
    output: str
    error: str | None
    line: int | None
    duration_ms: int
    trace_id: str
    result: Any = None
    sandbox: Any = None
    messages: dict[str, Any] | None
    deliveries: list[TrialDelivery]
