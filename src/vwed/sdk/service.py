"""Task scripts as other features use them: the `script` runner, test runs, the SDK docs, the sandbox level.

`TaskScripts` is a background service of the host: it starts the task zygote, probes the sandbox layers,
and registers itself as the scheduler's runner of `execution_type == "script"`. A run installs the task's
`script_deps` (cached), runs the script in a fresh sandboxed child whose SDK calls `SdkBroker` answers,
streams output lines on the bus (`task.output.<trace_id>`), masks the secrets the run read, and turns the
outcome into a `RunOutcome` whose `result` the executor pushes to the task's channels.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import openai
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vwed.bus import Bus
from vwed.config import Settings
from vwed.db.base import TenantScope
from vwed.errors import BadRequest, InvalidFields, Unavailable, VwedError
from vwed.i18n import Lang, rendered, translate
from vwed.net.egress import EgressPolicy, guarded_client
from vwed.notify.service import NotifyService, renders_of
from vwed.runtime.service import RunSpec, TaskLimits, TaskRunResult, TaskRuntime
from vwed.scheduler.runners import RunContext, RunOutcome, register_runner, unregister_runner
from vwed.scheduler.service import RunSlots
from vwed.sdk.broker import RunIdentity, SdkBroker, SharedClients
from vwed.sdk.dbquery import NEVER_EXPOSED, ReadOnlyQueries, exposed_tables
from vwed.sdk.deps import DepsCache, check_deps_allowed
from vwed.sdk.docs import sdk_docs, sdk_markdown
from vwed.sdk.variables import TaskVariables
from vwed.secrets.service import mask_values

__all__ = [
    "NEVER_EXPOSED",
    "TaskScripts",
    "TaskVariables",
    "check_deps_allowed",
    "exposed_tables",
    "sdk_docs",
    "sdk_markdown",
]

OUTPUT_CHANNEL = "task.output.{trace_id}"


def describe_failure(result: TaskRunResult, limits: TaskLimits, lang: Lang = "zh") -> str:
    """The run's error as the log shows it: which limit stopped it, or the script's error and line."""
    if result.kind == "timeout":
        return translate("task_run_timeout", lang, seconds=f"{limits.timeout_seconds:g}")
    if result.kind == "memory":
        return translate("task_run_memory", lang, mb=limits.memory_bytes // (1024 * 1024))
    if result.kind == "output":
        return translate("task_run_output", lang, kb=limits.output_bytes // 1024)
    if result.kind == "cpu":
        return translate("task_run_cpu", lang)
    if result.kind == "sandbox":
        return translate("task_run_sandbox", lang, reason=result.error or "")
    if result.kind == "crash":
        return translate("task_run_crash", lang, reason=result.error or "")
    if result.kind == "deps":
        return rendered(result.error or "", lang)
    if result.line is not None:
        return translate("task_run_error_line", lang, line=result.line, error=result.error or "")
    return rendered(result.error or "", lang)


class TaskScripts:
    """The node's sandboxed script executor (a background service)."""

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        bus: Bus,
        slots: RunSlots | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.bus = bus
        # The executor's slots: a test run takes one like a scheduled run, or is refused (503).
        self.slots = slots or RunSlots(settings.executor_concurrency)
        self.runtime = TaskRuntime(
            settings.task_launcher,
            settings.task_run_dir,
            settings.task_run_uid_base,
            settings.task_sandbox,
            hide=settings.hidden_paths,
            max_frame=settings.runtime_max_frame_bytes,
        )
        self.deps = DepsCache(settings)
        ai = None
        if settings.ai_base_url:
            key = settings.ai_api_key.get_secret_value() if settings.ai_api_key else "none"
            ai = openai.AsyncOpenAI(
                base_url=settings.ai_base_url, api_key=key, timeout=settings.ai_timeout, max_retries=1
            )
        self.clients = SharedClients(
            http=guarded_client(EgressPolicy.from_settings(settings), timeout=settings.sdk_http_timeout),
            ai=ai,
            queries=ReadOnlyQueries(
                engine,
                exposed_tables(settings.db_query_tables),
                settings.db_query_timeout,
                settings.db_query_max_rows,
                settings.db_query_max_bytes,
            ),
        )
        self.pending: set[asyncio.Task[None]] = set()
        self.started = False

    async def start(self) -> None:
        """Start the task zygote, probe the sandbox, and become the `script` runner."""
        await self.runtime.start()
        self.started = True
        register_runner("script", self.run_task)

    async def stop(self) -> None:
        """Stop being the `script` runner, stop the zygote and close the shared clients."""
        self.started = False
        unregister_runner("script", self.run_task)
        await self.runtime.stop()
        await self.clients.http.aclose()
        if self.clients.ai is not None:
            await self.clients.ai.close()

    def health(self) -> dict[str, Any]:
        """The sandbox level and layers, for `/api/health`."""
        return self.runtime.report.as_dict()

    def limits(self, timeout_seconds: float) -> TaskLimits:
        """Limits of a run from the settings and the task's timeout."""
        return TaskLimits(
            timeout_seconds=timeout_seconds,
            memory_bytes=self.settings.task_memory_bytes,
            output_bytes=self.settings.task_output_bytes,
            disk_bytes=self.settings.task_disk_bytes,
            max_threads=self.settings.task_max_threads,
        )

    def _refuse_weak_sandbox(self, tenant_id: str | None) -> str | None:
        # DESIGN.md: tenant scripts fail closed on L0 alone unless an admin opted in.
        if tenant_id is None or self.runtime.report.level != "L0" or self.settings.task_allow_l0_for_tenants:
            return None
        return translate("task_sandbox_too_weak", "zh")

    async def execute(
        self,
        source: str,
        params: dict[str, Any],
        who: RunIdentity,
        script_deps: str | None,
        timeout_seconds: float,
    ) -> tuple[TaskRunResult, str, str | None, set[str]]:
        """Install deps, run, mask: the raw result, the masked output, the masked error, secrets read."""
        try:
            # Checked again here: a task saved before these rules, or since turned off by the operator.
            requirements = check_deps_allowed(self.settings, who.tenant_id, script_deps)
        except VwedError as exc:
            refused = translate(exc.key, "zh", **exc.params)
            return TaskRunResult(False, "deps", "", error=refused), "", refused, set()
        deps = await self.deps.ensure(requirements)
        if not deps.ok:
            failure = translate("task_deps_failed", "zh", log=deps.log.strip()[-2000:])
            return TaskRunResult(False, "deps", deps.log, error=failure), deps.log, failure, set()
        broker = SdkBroker(self.settings, self.sessions, self.clients, who)
        channel = OUTPUT_CHANNEL.format(trace_id=who.trace_id)

        def stream(text: str) -> None:
            line = mask_values(text, broker.secrets_seen)
            task = asyncio.get_running_loop().create_task(self.bus.publish(channel, {"text": line}))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)

        limits = self.limits(timeout_seconds)
        spec = RunSpec(source, params, who.task_id, who.tenant_id, who.trace_id, deps.path)
        result = await self.runtime.run(spec, limits, broker, stream)
        output = mask_values(deps.log + result.output, broker.secrets_seen)
        error: str | None = None
        if not result.ok:
            error = mask_values(describe_failure(result, limits), broker.secrets_seen)
        if result.ok and result.result is not None:
            result.result = _masked(result.result, broker.secrets_seen)
        return result, output, error, broker.secrets_seen

    async def run_task(self, context: RunContext) -> RunOutcome:
        """The scheduler's runner for `script` tasks."""
        task = context.task
        refused = self._refuse_weak_sandbox(task["tenant_id"])
        if refused:
            return RunOutcome(ok=False, error=refused)
        params = {**(task["input_params"] or {}), **(context.params or {})}
        who = RunIdentity(task["id"], task["tenant_id"], context.trace_id)
        result, output, error, _seen = await self.execute(
            task["script_content"] or "", params, who, task["script_deps"], float(task["timeout_seconds"])
        )
        value = result.result if isinstance(result.result, dict) else None
        if result.ok and result.result is not None and value is None:
            kind = type(result.result).__name__
            return RunOutcome(
                ok=False, output=output, error=translate("task_result_not_dict", "zh", kind=kind)
            )
        return RunOutcome(ok=result.ok, output=output, error=error, result=value)

    async def test_script(
        self,
        *,
        source: str,
        params: dict[str, Any],
        script_deps: str | None,
        tenant_id: str | None,
        timeout_seconds: float,
        send: bool,
        channels: list[int],
        wecom_app_id: int | None,
    ) -> dict[str, Any]:
        """`POST /test-script`: run without saving; answer output, error with line, duration and renders."""
        if not self.started:
            raise Unavailable("script_runtime_unavailable")
        refused = self._refuse_weak_sandbox(tenant_id)
        if refused:
            raise BadRequest("task_sandbox_too_weak")
        trace_id = uuid.uuid4().hex
        started = time.perf_counter()
        with self.slots.one():
            result, output, error, _seen = await self.execute(
                source, params, RunIdentity(None, tenant_id, trace_id), script_deps, timeout_seconds
            )
        answer: dict[str, Any] = {
            "success": result.ok,
            "output": output,
            "error": error,
            "line": result.line,
            "duration_ms": int((time.perf_counter() - started) * 1000),
            "trace_id": trace_id,
            "result": result.result,
            "sandbox": result.layers,
            "messages": None,
            "deliveries": [],
        }
        if result.ok and result.result is not None:
            answer["messages"] = self._messages(
                result.result, send or bool(channels) or wecom_app_id is not None
            )
            if send and (channels or wecom_app_id is not None):
                async with self.sessions() as session:
                    notify = NotifyService(session, self.settings, TenantScope(tenant_id=tenant_id))
                    outcomes = await notify.send_result(
                        channels, result.result, wecom_app_id=wecom_app_id, trace_id=trace_id
                    )
                answer["deliveries"] = [
                    {"target": o.target, "channel_type": o.channel_type, "ok": o.ok, "message": o.message}
                    for o in outcomes
                ]
        return answer

    @staticmethod
    def _messages(result: Any, delivering: bool) -> dict[str, Any]:
        """What each kind of channel would receive of a test run's `result`.

        A result that is not a dict, one that says it is a message (`msg_type`) and one about to be
        sent must render for every kind of channel, else the test run is a 400 naming the field; a
        plain data dict that is no message is shown with the reason instead.
        """
        if not isinstance(result, dict) or delivering or "msg_type" in result:
            return renders_of(result)
        try:
            return renders_of(result)
        except InvalidFields as exc:
            return {"error": translate(exc.key, "zh", **exc.params)}


def _masked(value: Any, secrets: set[str]) -> Any:
    if isinstance(value, str):
        return mask_values(value, secrets)
    if isinstance(value, dict):
        return {k: _masked(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, secrets) for v in value]
    return value
