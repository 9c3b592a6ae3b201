"""Rules of scheduled tasks: validation, schedule timers, run-now, and the report of a final outcome."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vwed.auth.service import Principal
from vwed.bus import Bus
from vwed.config import Settings
from vwed.db.base import TenantScope, iso, utcnow
from vwed.errors import BadRequest, FieldProblem, InvalidFields, NotFound
from vwed.i18n import Lang, translate
from vwed.notify.service import NotifyService
from vwed.projects.service import syntax_of
from vwed.scheduler.engine import CHANGED, RUNS_QUEUED, naive
from vwed.scheduler.models import ScheduledTask, ScheduleTimer, TaskLog
from vwed.scheduler.repository import TaskRepository
from vwed.scheduler.runners import RunOutcome, register_runner
from vwed.scheduler.schedule import MAX_PREVIEW, Schedule, ScheduleError, parse_schedule, zone
from vwed.scheduler.schemas import SchedulePreview, TaskCreate, TaskUpdate, activation_time, next_run_of
from vwed.scheduler.slots import RunSlots, RunSlotsBusy

__all__ = ["RunReporter", "RunSlots", "RunSlotsBusy", "TaskService", "preview", "register_runner"]

log = logging.getLogger("vwed.scheduler")

SCHEDULE_FIELDS = ("schedule_type", "cron_expression", "time_points", "timezone")


def _schedule_of(values: dict[str, Any], default_timezone: str) -> Schedule:
    try:
        return parse_schedule(
            values["schedule_type"],
            values.get("cron_expression"),
            values.get("time_points"),
            values.get("timezone") or default_timezone,
        )
    except ScheduleError as exc:
        raise BadRequest(exc.key, **exc.params) from exc


def _check_url(field: str, url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("task_bad_url", field=field, url=url)


async def _check_execution(values: dict[str, Any]) -> None:
    if values["execution_type"] == "webhook":
        if not (values.get("webhook_url") or "").strip():
            raise BadRequest("task_webhook_required")
        _check_url("webhook_url", values["webhook_url"])
    elif not (values.get("script_content") or "").strip():
        raise BadRequest("task_script_required")
    else:
        # Compiled in a child process: a large script must not stall the event loop.
        report = await syntax_of(values["script_content"])
        if not report.valid:
            raise InvalidFields(
                [
                    FieldProblem(
                        "script_content", "task_script_syntax", {"msg": report.message, "line": report.line}
                    )
                ],
                "task_script_syntax",
                msg=report.message,
                line=report.line,
            )
    if values.get("alert_on_failure") and not (values.get("alert_webhook") or "").strip():
        raise BadRequest("task_alert_webhook_required")
    _check_url("alert_webhook", values.get("alert_webhook") or None)


def preview(body: SchedulePreview, default_timezone: str, lang: Lang) -> dict[str, Any]:
    """Next fire times of an unsaved schedule, as ISO 8601 with offset, and its description."""
    schedule = _schedule_of(body.model_dump(), default_timezone)
    after = body.after or datetime.now(UTC)
    if after.tzinfo is None:
        after = after.replace(tzinfo=zone(schedule.timezone))
    return {
        "schedule_type": schedule.schedule_type,
        "timezone": schedule.timezone,
        "description": schedule.describe(lang),
        "descriptions": {"zh": schedule.describe("zh"), "en": schedule.describe("en")},
        "next_runs": [iso(t) for t in schedule.upcoming(after, min(body.count, MAX_PREVIEW))],
    }


class TaskService:
    """Everything a caller may do with scheduled tasks, within the caller's tenant scope."""

    def __init__(self, session: AsyncSession, settings: Settings, principal: Principal, bus: Bus) -> None:
        self.session = session
        self.settings = settings
        self.principal = principal
        self.bus = bus
        self.repo = TaskRepository(session, principal.scope)

    async def list_tasks(
        self,
        *,
        tenant_id: str | None,
        enabled: bool | None,
        execution_type: str | None,
        keyword: str | None,
        page: int,
        page_size: int,
        last_run_status: str | None = None,
    ) -> tuple[Sequence[ScheduledTask], int]:
        """One page of tasks in scope matching the filters, and the total."""
        return await self.repo.page(
            tenant_id=tenant_id,
            enabled=enabled,
            execution_type=execution_type,
            keyword=keyword,
            last_run_status=last_run_status,
            offset=(page - 1) * page_size,
            limit=page_size,
        )

    async def get(self, task_id: int) -> ScheduledTask:
        """A task in scope, or `NotFound`."""
        task = await self.repo.task(task_id)
        if task is None:
            raise NotFound("task_not_found", task_id=task_id)
        return task

    async def create(self, body: TaskCreate) -> ScheduledTask:
        """Validate and store a task; an enabled task gets its first `next_run_at`."""
        values = body.model_dump()
        tenant_id = self.principal.scope.owner_for(values.pop("tenant_id"))
        schedule = _schedule_of(values, self.settings.default_timezone)
        await _check_execution(values)
        await self._check_targets(values, tenant_id)
        task = ScheduledTask(**values, tenant_id=tenant_id)
        await self._apply_schedule(task, schedule, restart=True)
        self.session.add(task)
        return await self._saved(task)

    async def update(self, task_id: int, body: TaskUpdate) -> ScheduledTask:
        """Change any fields; a changed schedule or re-enabling moves `next_run_at`."""
        task = await self.get(task_id)
        changes = body.model_dump(exclude_unset=True)
        nullable = {"task_desc", "webhook_url", "script_content", "script_deps", "input_params"}
        nullable |= {
            "alert_webhook",
            "notify_channels",
            "notify_wecom_app_id",
            "cron_expression",
            "time_points",
        }
        changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
        values = {
            column: getattr(task, column) for column in TaskCreate.model_fields if hasattr(task, column)
        }
        values.update(changes)
        schedule = _schedule_of(values, self.settings.default_timezone)
        await _check_execution(values)
        await self._check_targets(values, task.tenant_id)
        reschedule = any(f in changes for f in SCHEDULE_FIELDS) or (
            changes.get("is_enabled") is True and not task.is_enabled
        )
        for column, value in changes.items():
            setattr(task, column, value)
        await self._apply_schedule(task, schedule, restart=reschedule)
        return await self._saved(task)

    async def toggle(self, task_id: int, wanted: bool | None) -> ScheduledTask:
        """Enable or disable a task (flip when `wanted` is None)."""
        task = await self.get(task_id)
        enabled = (not task.is_enabled) if wanted is None else wanted
        restart = enabled and not task.is_enabled
        task.is_enabled = enabled
        schedule = _schedule_of(self._values(task), self.settings.default_timezone)
        await self._apply_schedule(task, schedule, restart=restart)
        return await self._saved(task)

    async def delete(self, task_id: int) -> str:
        """Delete a task and its queued runs; a run in progress finishes and is then removed."""
        task = await self.get(task_id)
        name = task.task_name
        await self.repo.delete_idle_logs(task.id)
        await self.session.delete(task)
        await self.session.commit()
        await self.bus.publish(CHANGED, {"task_id": task_id})
        return name

    async def run_now(self, task_id: int, params: dict[str, Any] | None = None) -> TaskLog:
        """Queue a run of the task at once (even when disabled); return its log row with the trace id.

        `params` override the task's `input_params` for this run only.
        """
        task = await self.get(task_id)
        now = utcnow()
        run = TaskLog(
            task_id=task.id,
            tenant_id=task.tenant_id,
            trace_id=uuid.uuid4().hex,
            status="queued",
            trigger="manual",
            scheduled_at=now,
            created_at=now,
            input_params=params,
        )
        self.session.add(run)
        await self.session.commit()
        await self.bus.publish(RUNS_QUEUED, {"runs": 1})
        return run

    async def logs(
        self, task_id: int, status: str | None, page: int, page_size: int
    ) -> tuple[Sequence[TaskLog], int]:
        """One page of a task's run logs."""
        task = await self.get(task_id)
        return await self.repo.logs(task.id, status, (page - 1) * page_size, page_size)

    async def next_runs(self, task_id: int, count: int) -> dict[str, Any]:
        """The task's next `count` fire times in its timezone, with its description."""
        task = await self.get(task_id)
        schedule = _schedule_of(self._values(task), self.settings.default_timezone)
        first = next_run_of(task)
        start = first.replace(tzinfo=UTC) if first else datetime.now(UTC)
        times = [start.astimezone(zone(schedule.timezone))] if first else []
        times += schedule.upcoming(start, count - len(times))
        return {
            "task_id": task.id,
            "timezone": schedule.timezone,
            "is_enabled": task.is_enabled,
            "descriptions": {"zh": schedule.describe("zh"), "en": schedule.describe("en")},
            "next_runs": [iso(t) for t in times],
        }

    async def _check_targets(self, values: dict[str, Any], tenant_id: str | None) -> None:
        """Every notification channel and the WeCom application must exist for the task's tenant."""
        notify = NotifyService(self.session, self.settings, TenantScope(tenant_id=tenant_id))
        problems = [
            FieldProblem(f"notify_channels[{index}]", "notify_channel_not_found", {"channel_id": channel_id})
            for index, channel_id in enumerate(values.get("notify_channels") or [])
            if not await notify.has_channel(channel_id)
        ]
        app_id = values.get("notify_wecom_app_id")
        if app_id is not None and not await notify.has_wecom_app(app_id):
            problems.append(FieldProblem("notify_wecom_app_id", "notify_app_not_found", {"app_id": app_id}))
        if problems:
            raise InvalidFields(problems)

    def _values(self, task: ScheduledTask) -> dict[str, Any]:
        return {f: getattr(task, f) for f in SCHEDULE_FIELDS}

    async def _saved(self, task: ScheduledTask) -> ScheduledTask:
        await self.session.commit()
        await self.session.refresh(task, attribute_names=["timer"])
        await self.bus.publish(CHANGED, {"task_id": task.id})
        return task

    async def _apply_schedule(self, task: ScheduledTask, schedule: Schedule, *, restart: bool) -> None:
        """Store the normalised schedule; on `restart`, the task takes part in due times from now on."""
        task.schedule_type = schedule.schedule_type
        task.cron_expression = schedule.cron_expression
        task.time_points = list(schedule.time_points) if schedule.schedule_type == "simple" else None
        task.timezone = schedule.timezone
        task.schedule_key = schedule.key
        if restart or task.active_from is None:
            task.active_from = activation_time(datetime.now(UTC))
        if task.is_enabled is not False:
            await self._ensure_timer(schedule)

    async def _ensure_timer(self, schedule: Schedule) -> None:
        """Create the schedule's timer unless it exists (concurrent creators are ignored, not failed)."""
        if await self.session.get(ScheduleTimer, schedule.key) is not None:
            return
        values = {
            "schedule_key": schedule.key,
            "schedule_type": schedule.schedule_type,
            "cron_expression": schedule.cron_expression,
            "time_points": list(schedule.time_points) or None,
            "timezone": schedule.timezone,
            "next_run_at": naive(schedule.next_after(datetime.now(UTC))),
        }
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(ScheduleTimer).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(ScheduleTimer).values(values).on_conflict_do_nothing()
        else:
            stmt = insert(ScheduleTimer).values(values).prefix_with("IGNORE")
        await self.session.execute(stmt)


class RunReporter:
    """Tells the world how a run ended for good: platform events on the bus, and the failure alert."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings, bus: Bus) -> None:
        self.sessions = sessions
        self.settings = settings
        self.bus = bus

    async def __call__(
        self, task: dict[str, Any], run: dict[str, Any], outcome: RunOutcome, finished_at: datetime
    ) -> None:
        """Publish `event.task_completed` / `event.task_failed`, and alert on a failure."""
        status = "success" if outcome.ok else "failed"
        error = outcome.error
        kind = "task_completed" if outcome.ok else "task_failed"
        event = {
            "task_id": task["id"],
            "task_name": task["task_name"],
            "trace_id": run["trace_id"],
            "status": status,
            "error": error,
            "tenant_id": task["tenant_id"],
            "finished_at": iso(finished_at),
        }
        await self.bus.publish(f"event.{kind}", event)
        if not outcome.ok and task["alert_on_failure"] and task["alert_webhook"]:
            await self.alert(task, run, error)

    async def deliver(self, task: dict[str, Any], run: dict[str, Any], result: dict[str, Any]) -> str:
        """Send a successful run's `result` to the task's channels and WeCom app; the summary for its log.

        Each delivery is also recorded by the notification layer under the run's trace id.
        """
        channels = list(task["notify_channels"] or [])
        app_id = task["notify_wecom_app_id"]
        if not channels and app_id is None:
            return ""
        try:
            async with self.sessions() as session:
                notify = NotifyService(session, self.settings, TenantScope(tenant_id=task["tenant_id"]))
                outcomes = await notify.send_result(
                    channels, result, wecom_app_id=app_id, trace_id=run["trace_id"]
                )
        except Exception as exc:
            # The run itself succeeded; a delivery that broke must not leave it `running`.
            log.exception("delivering the result of task %s failed", task["id"])
            return "\n" + translate("notify_deliver_failed", "zh", error=type(exc).__name__) + "\n"
        lines = [
            translate(
                "delivery_line", "zh", target=o.target, state="OK" if o.ok else "FAILED", message=o.message
            )
            for o in outcomes
        ]
        return "\n" + "\n".join(lines) + "\n"

    async def alert(self, task: dict[str, Any], run: dict[str, Any], error: str | None) -> None:
        """Send the failure alert to the task's `alert_webhook` through the notification layer."""
        title = translate("alert_title", "zh", name=task["task_name"])
        text = translate(
            "alert_text",
            "zh",
            name=task["task_name"],
            task_id=task["id"],
            retries=run["retry_count"],
            error=error or "",
            trace_id=run["trace_id"],
        )
        async with self.sessions() as session:
            notify = NotifyService(session, self.settings, TenantScope(tenant_id=task["tenant_id"]))
            outcome = await notify.send_alert(task["alert_webhook"], title, text, trace_id=run["trace_id"])
        if not outcome.ok:
            log.warning("alert of task %s failed: %s", task["id"], outcome.message)
