"""The script supervisor: starts, stops, calls, restarts and restores script services.

It is the node's background service for seed 000 section 3. User code never runs here: every service is
a sandboxed child process (`vwed.runtime`), and this module keeps the registry of what each one
registered, routes calls to the owning child, dispatches events by priority, brokers `VWED.http`, and
reacts to crashes.

Tenancy (docs/scripts/process-model.md "Tenancy"): a script belongs to its project's tenant, or to the
platform (admin projects, tenant `None`). `VWED.function.call` reaches only functions of the same owner;
an event a script emits reaches only listeners of the same owner; a platform event (`task_completed`,
...) reaches listeners of its tenant and the platform's listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vwed.auth.service import Principal
from vwed.bus import Bus, Subscription
from vwed.config import Settings
from vwed.db.base import TenantScope, iso, utcnow
from vwed.errors import BadRequest, Conflict, Forbidden, NotFound, Unavailable, VwedError
from vwed.i18n import Text, rendered, translate
from vwed.net.egress import EgressPolicy, guarded_client
from vwed.projects.models import ScriptFile
from vwed.projects.service import ProjectService
from vwed.runtime.service import (
    BootFailed,
    CallResult,
    Counts,
    Function,
    Network,
    Owner,
    Registrations,
    Registry,
    Rlimits,
    Route,
    Runtime,
    ScriptProcess,
    ServiceSandbox,
    child_line,
    layers_wanted,
    level_of,
)
from vwed.scripts.http import ServiceHttp
from vwed.scripts.models import ScriptServiceRecord
from vwed.scripts.repository import ServiceRepository

log = logging.getLogger("vwed.scripts")


def utc_now() -> str:
    """Now in the API's one time format, for messages on the bus."""
    return iso(datetime.now(UTC)) or ""


def host_time(value: object) -> str:
    """A time a script process sent (a Unix time: the `ts` of its log lines) in the API's one format;
    now if it sent none or one that is not a time of this era."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < MAX_UNIX_TIME:
        return iso(datetime.fromtimestamp(value, UTC)) or ""
    return utc_now()


# The API's times end in the year 9000 (docs/api-conventions.md); a child's clock is not trusted further.
MAX_UNIX_TIME = datetime(9000, 1, 1, tzinfo=UTC).timestamp()
SYSTEM = Principal(token_id=0, name="system", role="admin", tenant_id=None)
# Bus channels of events: published by the platform (scheduler, ...) and emitted by scripts.
PLATFORM_EVENTS = "event."
SCRIPT_EVENTS = "emit."
# Landlock + seccomp (L2) or namespaces (L3): the data dir and the network are out of reach.
TENANT_LEVELS = ("L2", "L3")
PUBLISH_BACKLOG = 10_000
RESTORE_CONCURRENCY = 8
# Lines a booting script may log before its start is accepted; more are dropped.
BOOT_LOG_HOLD = 10_000
# A service is flagged unresponsive after this many heartbeat intervals without one.
MISSED_HEARTBEATS = 3
RESTART_BACKOFF_CAP = 30.0
# A service that ran this long before crashing starts its restart count afresh.
STABLE_SECONDS = 60.0


class MethodNotAllowed(VwedError):
    """The custom path exists, but not for this HTTP method (405); `Allow` names the methods it has."""

    status_code = 405
    default_key = "method_not_allowed"

    def __init__(self, method: str, allowed: Iterable[str]) -> None:
        super().__init__(method=method)
        self.allowed = sorted(set(allowed))

    def headers(self) -> dict[str, str]:
        """`Allow`: the methods scripts serve at the path."""
        return {"Allow": ", ".join(self.allowed)}


class ScriptCallError(VwedError):
    """A handler failed (500): it raised, timed out or its process went away."""

    status_code = 500
    default_key = "call_failed"


class ScriptGone(Unavailable):
    """The script's process exited while handling the call (503)."""

    default_key = "script_exited"


class FunctionNotRegistered(NotFound):
    """The function is not registered by that script (404)."""

    default_key = "function_not_registered"


class ScriptNotRunning(Unavailable):
    """The script is not running (503)."""

    default_key = "script_not_running"


class CallUnsendable(BadRequest):
    """The call's arguments break a wire cap (too large or nested too deep) and were never sent (400)."""

    default_key = "call_unsendable"


@dataclass
class ServiceState:
    """A script service this node runs (or ran and saw crash)."""

    script_id: str
    script_path: str
    file_id: int
    file_name: str
    tenant_id: str | None
    source: str
    start_params: dict[str, Any]
    restart_policy: str
    started_at: datetime
    status: str = "starting"
    message: str = ""
    process: ScriptProcess | None = None
    restarts: int = 0
    started_clock: float = field(default_factory=time.monotonic)
    restart_task: asyncio.Task[None] | None = None
    layers: dict[str, str] = field(default_factory=dict)

    @property
    def sandbox_level(self) -> str:
        """The level the service's process reported (`L0`-`L3`)."""
        return level_of(self.layers)

    def spec(self, heartbeat_seconds: float) -> dict[str, Any]:
        """What the child needs to boot."""
        return {
            "source": self.source,
            "start_params": self.start_params,
            "file_name": self.file_name,
            "heartbeat_seconds": heartbeat_seconds,
        }


@dataclass(frozen=True)
class Started:
    """The outcome of a start: the new id and what it registered."""

    script_id: str
    counts: Counts


@dataclass(frozen=True)
class ScriptOwner:
    """The tenant a script service belongs to (None: a global service)."""

    tenant_id: str | None


@dataclass(frozen=True)
class Stopped:
    """The outcome of a stop: the file name and what was removed."""

    file_name: str
    counts: Counts


def function_key(function: Function, viewer: str | None) -> str:
    """How the registry status names a function: by name in the viewer's own namespace, else prefixed
    with its owner (`tenant-a:calc`), since names repeat across tenants."""
    return function.name if function.owner == viewer else f"{function.owner}:{function.name}"


def visible(scope: TenantScope, state: ServiceState) -> bool:
    """Whether a caller with `scope` may see or control `state`."""
    return scope.all_tenants or state.tenant_id == scope.tenant_id


def new_script_id(file_name: str) -> str:
    """`<file_name>_<epoch ms>_<8 hex>`, as DESIGN.md fixes it."""
    return f"{file_name}_{int(time.time() * 1000)}_{secrets.token_hex(4)}"


class ScriptSupervisor:
    """The node's script services; started and stopped with the app."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], bus: Bus) -> None:
        self.settings = settings
        self.sessions = sessions
        self.bus = bus
        self.registry = Registry()
        self.runtime = Runtime(
            settings.script_launcher,
            settings.run_dir,
            ServiceSandbox(
                limits=Rlimits(
                    cpu_seconds=settings.script_cpu_seconds,
                    address_space=settings.script_memory_bytes,
                    open_files=settings.script_open_files,
                    file_size=settings.script_file_size_bytes,
                ),
                uid_base=settings.script_uid_base,
                max_threads=settings.script_max_threads,
                disk_bytes=settings.script_disk_bytes,
                hide=settings.hidden_paths,
                max_frame=settings.runtime_max_frame_bytes,
                layers=layers_wanted(settings.script_sandbox),
            ),
        )
        self.http = ServiceHttp(
            guarded_client(EgressPolicy.parse(settings.egress_allow), timeout=settings.sdk_http_timeout),
            settings.sdk_http_timeout,
            settings.sdk_http_max_bytes,
            settings.script_http_concurrency,
        )
        self.states: dict[str, ServiceState] = {}
        # The owner of each service from the start of its boot, so lines logged during boot keep it.
        self.owners: dict[str, str | None] = {}
        # Log lines of fresh starts still booting, published only if the start is accepted.
        self.booting: dict[str, list[dict[str, Any]]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.outbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(PUBLISH_BACKLOG)
        self.events: Subscription | None = None
        self.running = False

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the zygote, listen for platform events, and bring back the services that were running."""
        await self.runtime.start()
        self.running = True
        self.events = await self.bus.subscribe(f"{PLATFORM_EVENTS}*", f"{SCRIPT_EVENTS}*")
        self._spawn(self._publisher())
        self._spawn(self._event_loop(self.events))
        self._spawn(self._watchdog())
        await self.restore()

    async def stop(self) -> None:
        """Stop every service process (their rows stay, so the next start restores them)."""
        self.running = False
        if self.events is not None:
            await self.events.close()
        states = list(self.states.values())
        for state in states:
            if state.restart_task is not None:
                state.restart_task.cancel()
        await asyncio.gather(*(self._halt(state) for state in states), return_exceptions=True)
        self.states.clear()
        await self._drain_outbox()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.runtime.stop()
        await self.http.aclose()

    async def restore(self) -> None:
        """Start again every service the database says should be running, under its old `script_id`."""
        async with self.sessions() as session:
            records = list(await ServiceRepository(session).all())
            sources: dict[int, ScriptFile | None] = {}
            for record in records:
                sources[record.file_id] = await session.get(ScriptFile, record.file_id)
        # A few at a time: quick with hundreds of services, without starving request handling.
        gate = asyncio.Semaphore(RESTORE_CONCURRENCY)

        async def bring_back(record: ScriptServiceRecord) -> None:
            file = sources[record.file_id]
            if file is None:
                await self._forget(record.script_id)
                return
            state = ServiceState(
                script_id=record.script_id,
                script_path=record.script_path,
                file_id=file.id,
                file_name=file.file_name,
                tenant_id=record.tenant_id,
                source=file.content,
                start_params=json.loads(record.start_params or "{}"),
                restart_policy=record.restart_policy,
                started_at=record.started_at,
            )
            async with gate:
                try:
                    await self._launch(state)
                except VwedError as exc:
                    state.status = "error"
                    state.message = translate(exc.key, **exc.params)
                    log.warning("could not restore script %s: %s", record.script_id, state.message)
                    if state.restart_policy == "on-failure":
                        self.states[state.script_id] = state
                        self._schedule_restart(state)
                    else:
                        await self._forget(record.script_id)

        await asyncio.gather(*(bring_back(record) for record in records))

    # -- commands -------------------------------------------------------------------------------

    async def start_script(
        self,
        session: AsyncSession,
        principal: Principal,
        script_path: str,
        start_params: dict[str, Any] | None,
        restart_policy: str,
    ) -> Started:
        """Start the file `script_path` names as a new service; raises on load, boot or clash errors."""
        file = await ProjectService(session, self.settings, principal).find_script(script_path)
        state = ServiceState(
            script_id=new_script_id(file.file_name),
            script_path=script_path,
            file_id=file.id,
            file_name=file.file_name,
            tenant_id=file.tenant_id,
            source=file.content,
            start_params=dict(start_params or {}),
            restart_policy=restart_policy,
            started_at=utcnow(),
        )
        # Hand the pooled connection back while the service boots (up to the boot timeout).
        await session.commit()
        counts = await self._launch(state, fresh=True)
        try:
            await ServiceRepository(session).add(
                ScriptServiceRecord(
                    script_id=state.script_id,
                    tenant_id=state.tenant_id,
                    file_id=state.file_id,
                    script_path=state.script_path,
                    start_params=json.dumps(state.start_params, ensure_ascii=False, default=str),
                    restart_policy=state.restart_policy,
                    created_by=principal.name,
                    started_at=state.started_at,
                )
            )
        except BaseException:
            # Not recorded means not restorable: do not leave it running unrecorded.
            await self._halt(state)
            self.states.pop(state.script_id, None)
            raise
        return Started(state.script_id, counts)

    def network_for(self, tenant_id: str | None) -> Network:
        """Outbound network of its own for platform scripts and the tenants an operator named; none else."""
        if tenant_id is None:
            return Network.OUTBOUND if self.settings.service_raw_network_global else Network.NONE
        return Network.OUTBOUND if tenant_id in self.settings.raw_network_tenants else Network.NONE

    def _check_sandbox(self, tenant_id: str | None) -> None:
        """Tenant code needs L2 or L3, the levels that keep it from the data dir and the network (fail
        closed); an admin may opt in to weaker ones, which still apply every layer that works."""
        if tenant_id is None or self.settings.allow_l0_tenant_scripts:
            return
        if self.runtime.sandbox_level not in TENANT_LEVELS:
            raise Forbidden("script_sandbox_refused")

    def health(self) -> dict[str, Any]:
        """The services' sandbox level and layers, for `/api/health`."""
        return self.runtime.report.as_dict()

    async def stop_script(self, principal: Principal, script_id: str) -> Stopped:
        """Stop a service and remove its registrations and its row; `NotFound` if it is unknown."""
        state = self.states.get(script_id)
        if state is None or not visible(principal.scope, state):
            raise NotFound("script_not_found", script_id=script_id)
        if state.restart_task is not None:
            state.restart_task.cancel()
        counts = await self._halt(state)
        self.states.pop(script_id, None)
        await self._forget(script_id)
        self._status(state, "stopped", translate("script_stopped_status"))
        return Stopped(state.file_name, counts)

    def running_scripts(self, principal: Principal) -> list[dict[str, Any]]:
        """Seed 3.3: every service of this node the caller may see (crashed ones show `error`)."""
        return [
            {
                "script_id": s.script_id,
                "script_path": s.script_path,
                "started_at": iso(s.started_at),
                "status": s.status,
                "message": s.message,
                "pid": s.process.pid if s.process is not None else None,
                "restart_policy": s.restart_policy,
                "sandbox": s.sandbox_level if s.layers else self.runtime.sandbox_level,
                "sandbox_layers": s.layers,
                "network": str(self.network_for(s.tenant_id)),
                "restarts": s.restarts,
                "registrations": self.registry.counts(s.script_id).as_dict(),
            }
            for s in self.states.values()
            if visible(principal.scope, s)
        ]

    async def execute_function(
        self, principal: Principal, script_id: str, function_name: str, args: Any
    ) -> CallResult:
        """Seed 3.4: call `function_name` of `script_id`; raises with the seed's messages on failure."""
        state = self.states.get(script_id)
        if state is None or not visible(principal.scope, state) or state.process is None:
            raise ScriptNotRunning(script_id=script_id)
        function = self.registry.function(state.tenant_id, function_name)
        if function is None or function.script_id != script_id:
            raise FunctionNotRegistered(name=function_name)
        return await self.call_function(function, args)

    async def call_function(self, function: Function, args: Any) -> CallResult:
        """Run a registered function and record its statistics and outcome; raises if it failed."""
        state = self.states.get(function.script_id)
        if state is None or state.process is None:
            raise ScriptNotRunning(script_id=function.script_id)
        timeout = function.timeout or self.settings.script_call_timeout
        result = await state.process.call("function", function.handler, args, timeout, function.name)
        function.stats.record(result.ok, result.elapsed_ms)
        self._publish_outcome(function.script_id, function.name, result)
        raise_for(result, timeout, state)
        return result

    async def call_route(self, route: Route, request_data: dict[str, Any]) -> CallResult:
        """Run a custom route's handler and record its statistics; raises if it failed."""
        state = self.states.get(route.script_id)
        if state is None or state.process is None:
            raise ScriptNotRunning(script_id=route.script_id)
        timeout = route.timeout or self.settings.script_call_timeout
        label = f"{route.method} {route.path}"
        result = await state.process.call("route", route.handler, request_data, timeout, label)
        route.stats.record(result.ok, result.elapsed_ms)
        self._publish_outcome(route.script_id, label, result)
        raise_for(result, timeout, state)
        return result

    async def owner_of(self, script_id: str, scope: TenantScope) -> ScriptOwner | None:
        """The owner of service `script_id` (on this node or any) if `scope` may see it, else None."""
        state = self.states.get(script_id)
        if state is not None:
            return ScriptOwner(state.tenant_id) if visible(scope, state) else None
        async with self.sessions() as session:
            record = await ServiceRepository(session).get(script_id)
        if record is None or not scope.allows(record):
            return None
        return ScriptOwner(record.tenant_id)

    def may_call(self, script_id: str, scope: TenantScope) -> bool:
        """Whether a caller with `scope` may call what script `script_id` registered."""
        state = self.states.get(script_id)
        return state is not None and visible(scope, state)

    def registry_status(self, principal: Principal) -> dict[str, Any]:
        """Seed 3.5: routes, functions, listeners, timers and active scripts the caller may see."""
        mine = {s.script_id for s in self.states.values() if visible(principal.scope, s)}
        registry = self.registry
        return {
            "api_routes": {
                key: {
                    "path": route.path,
                    "method": route.method,
                    "script_id": route.script_id,
                    "description": route.description,
                    "call_count": route.stats.call_count,
                    "average_response_time_ms": route.stats.average_ms,
                    "registered_at": route.registered_at,
                }
                for key, route in registry.routes.items()
                if route.script_id in mine
            },
            "registered_functions": {
                function_key(function, principal.tenant_id): {
                    "script_id": function.script_id,
                    "tenant_id": function.owner,
                    "description": function.description,
                    "is_async": function.is_async,
                    "call_count": function.stats.call_count,
                    "success_count": function.stats.success_count,
                    "error_count": function.stats.error_count,
                    "average_execution_time_ms": function.stats.average_ms,
                }
                for function in registry.functions.values()
                if function.script_id in mine
            },
            "event_listeners": {
                event: [
                    {
                        "script_id": item.script_id,
                        "priority": item.priority,
                        "registered_at": item.registered_at,
                    }
                    for item in items
                    if item.script_id in mine
                ]
                for event, items in registry.listeners.items()
                if any(item.script_id in mine for item in items)
            },
            "timers": {
                key: timer.as_dict() for key, timer in registry.timers.items() if timer.script_id in mine
            },
            "active_scripts": {
                s.script_id: {
                    "script_path": s.script_path,
                    "started_at": iso(s.started_at),
                    "status": s.status,
                    "heartbeat": s.process.heartbeat if s.process is not None else None,
                }
                for s in self.states.values()
                if s.script_id in mine
            },
        }

    def available_functions(self, principal: Principal, tags: set[str]) -> list[dict[str, Any]]:
        """Seed 6.2: registered functions (optionally having any of `tags`) for the task editor."""
        out = []
        for function in self.registry.functions.values():
            state = self.states.get(function.script_id)
            if state is None or not visible(principal.scope, state):
                continue
            if tags and not tags.intersection(function.tags):
                continue
            out.append(
                {
                    "function_name": function.name,
                    "script_id": function.script_id,
                    "tenant_id": function.owner,
                    "description": function.description,
                    "parameters": function.parameters,
                    "return_schema": function.return_schema,
                    "is_async": function.is_async,
                    "tags": function.tags,
                    "is_running": state.status == "running",
                    "stats": {
                        "call_count": function.stats.call_count,
                        "success_count": function.stats.success_count,
                        "error_count": function.stats.error_count,
                        "average_execution_time_ms": function.stats.average_ms,
                    },
                }
            )
        return out

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        """Publish a platform event: listeners of `data["tenant_id"]` and platform listeners receive it,
        on every node."""
        await self.bus.publish(f"{PLATFORM_EVENTS}{event}", data)

    # -- process observer -----------------------------------------------------------------------

    def on_log(self, script_id: str, message: dict[str, Any]) -> None:
        """Forward a script's log line to the bus (`script.log.<id>`), or hold it while a new start boots."""
        held = self.booting.get(script_id)
        if held is not None:
            if len(held) < BOOT_LOG_HOLD:
                held.append(message)
            return
        self._publish_script(
            "log",
            script_id,
            {
                "level": message.get("level", "INFO"),
                "message": child_line(message.get("message")),
                "timestamp": host_time(message.get("ts")),
                "data": message.get("data") or {},
                "source": message.get("source") or "log",
            },
        )

    def on_emit(self, script_id: str, event: str, data: Any) -> None:
        """A script emitted an event: it goes on the bus, to the listeners of the same owner only."""
        state = self.states.get(script_id)
        if state is None:
            return
        payload = data if isinstance(data, dict) else {"value": data}
        self._publish(f"{SCRIPT_EVENTS}{event}", {"owner": state.tenant_id, "data": payload})

    def on_register(self, script_id: str, kind: str, entry: Registrations) -> None:
        """A registration made after boot: accepted unless another script owns the name."""
        state = self.states.get(script_id)
        if state is None:
            return
        clash = self.registry.clash(script_id, state.tenant_id, entry)
        if clash is not None:
            key = "route_taken" if clash.kind == "route" else "function_taken"
            self.on_log(
                script_id, {"level": "ERROR", "message": translate(key, name=clash.key, owner=clash.owner)}
            )
            return
        self.registry.add(script_id, state.tenant_id, entry, iso(utcnow()) or "")

    def on_timer_ended(self, script_id: str, timer: int) -> None:
        """A one-shot timer has run: it leaves the registry (a child can only end its own timers)."""
        self.registry.end_timer(script_id, timer)

    def on_invoke(self, script_id: str, request_id: int, name: str, args: Any) -> None:
        """A script called `VWED.function.call(name, args)`: run it in the caller's owner's namespace."""
        self._spawn(self._invoke(script_id, request_id, name, args))

    async def _invoke(self, script_id: str, request_id: int, name: str, args: Any) -> None:
        caller = self.states.get(script_id)
        if caller is None:
            return
        function = self.registry.function(caller.tenant_id, name)
        try:
            if function is None:
                raise FunctionNotRegistered(name=name)
            result = await self.call_function(function, args)
        except VwedError as exc:
            if caller.process is not None:
                caller.process.answer(request_id, False, error=translate(exc.key, **exc.params))
            return
        if caller.process is not None:
            caller.process.answer(request_id, True, result.value)

    def on_http(self, script_id: str, request_id: int, request: dict[str, Any]) -> None:
        """A script called `VWED.http`: the host does the request through the egress guard."""
        self._spawn(self._http(script_id, request_id, request))

    async def _http(self, script_id: str, request_id: int, request: dict[str, Any]) -> None:
        try:
            value = await self.http.answer(script_id, request)
        except VwedError as exc:
            ok, value, error = False, None, translate(exc.key, **exc.params)
        except Exception as exc:
            log.exception("VWED.http of %s failed", script_id)
            ok, value, error = False, None, f"{type(exc).__name__}: {exc}"
        else:
            ok, error = True, ""
        state = self.states.get(script_id)
        if state is not None and state.process is not None:
            state.process.answer(request_id, ok, value, error)

    def on_exit(self, script_id: str, reason: Text, expected: bool) -> None:
        """A process ended; unless we stopped it, that is a crash: clean up and maybe restart."""
        state = self.states.get(script_id)
        if expected or state is None or state.status not in ("running", "unresponsive"):
            return
        self.registry.remove(script_id)
        self.runtime.cleanup(script_id)
        state.process = None
        state.status = "error"
        state.message = translate("script_exited", reason=reason)
        log.warning("script %s exited: %s", script_id, reason.render("en"))
        self._status(state, "error", state.message)
        if time.monotonic() - state.started_clock >= STABLE_SECONDS:
            state.restarts = 0
        if self.running and state.restart_policy == "on-failure":
            self._schedule_restart(state)
        else:
            self._spawn(self._forget(script_id))

    # -- internals ------------------------------------------------------------------------------

    async def _launch(self, state: ServiceState, *, fresh: bool = False) -> Counts:
        """Boot `state`'s script, claim its registrations and mark it running (or raise).

        A `fresh` start holds back what the script logs while booting until the start is accepted: a
        start refused (a clash, a failing boot) gives the caller no script id, so nothing may appear
        under it. Restarts and restores publish at once; their id is known.
        """
        self._check_sandbox(state.tenant_id)
        self.owners[state.script_id] = state.tenant_id
        if fresh:
            self.booting[state.script_id] = []
        try:
            try:
                process, booted = await self.runtime.launch(
                    state.script_id,
                    state.spec(self.settings.script_heartbeat_seconds),
                    self,
                    self.settings.script_boot_timeout,
                    self.network_for(state.tenant_id),
                )
            except BootFailed as failure:
                self._unowned(state)
                raise boot_error(failure) from None
            registrations = booted.registrations
            state.layers = booted.layers
            clash = self.registry.clash(state.script_id, state.tenant_id, registrations)
            if clash is not None:
                await process.stop(self.settings.script_stop_grace)
                self.runtime.cleanup(state.script_id)
                self._unowned(state)
                key = "route_taken" if clash.kind == "route" else "function_taken"
                raise Conflict(key, name=clash.key, owner=clash.owner)
        finally:
            held = self.booting.pop(state.script_id, [])
        self.registry.add(state.script_id, state.tenant_id, registrations, iso(utcnow()) or "")
        state.process = process
        state.status = "running"
        state.message = ""
        state.started_clock = time.monotonic()
        self.states[state.script_id] = state
        for message in held:
            self.on_log(state.script_id, message)
        process.go()
        self._status(state, "running", translate("script_running_status"))
        return self.registry.counts(state.script_id)

    def _unowned(self, state: ServiceState) -> None:
        """A boot that failed: forget its owner unless the service is known (it will be restarted)."""
        if state.script_id not in self.states:
            self.owners.pop(state.script_id, None)

    async def _halt(self, state: ServiceState) -> Counts:
        """Stop `state`'s process if it has one and drop its registrations."""
        counts = self.registry.remove(state.script_id)
        process, state.process = state.process, None
        if process is not None:
            await process.stop(self.settings.script_stop_grace)
        self.runtime.cleanup(state.script_id)
        state.status = "stopped"
        return counts

    def _schedule_restart(self, state: ServiceState) -> None:
        if state.restarts >= self.settings.script_restart_max:
            self._spawn(self._forget(state.script_id))
            return
        delay = min(self.settings.script_restart_backoff * 2**state.restarts, RESTART_BACKOFF_CAP)
        state.restarts += 1
        state.status = "restarting"
        self._status(
            state, "restarting", translate("script_restarting", seconds=delay, attempt=state.restarts)
        )
        state.restart_task = self._spawn(self._restart(state, delay))

    async def _restart(self, state: ServiceState, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.states.get(state.script_id) is not state:
            return
        try:
            await self._launch(state)
        except VwedError as exc:
            state.status = "error"
            state.message = translate(exc.key, **exc.params)
            self._status(state, "error", state.message)
            self._schedule_restart(state)

    async def _watchdog(self) -> None:
        """Flag services whose heartbeats stopped (a blocked event loop) and clear the flag on recovery."""
        interval = self.settings.script_heartbeat_seconds
        limit = interval * MISSED_HEARTBEATS
        while True:
            await asyncio.sleep(interval)
            now = time.time()
            for state in list(self.states.values()):
                if state.process is None:
                    continue
                silent = now - state.process.heartbeat
                if state.status == "running" and silent > limit:
                    state.status = "unresponsive"
                    state.message = translate("script_unresponsive", seconds=round(silent, 1))
                    log.warning("script %s: %s", state.script_id, state.message)
                    self._status(state, state.status, state.message)
                elif state.status == "unresponsive" and silent <= limit:
                    state.status, state.message = "running", ""
                    self._status(state, "running", translate("script_responsive"))

    async def _forget(self, script_id: str) -> None:
        self.owners.pop(script_id, None)
        async with self.sessions() as session:
            await ServiceRepository(session).remove(script_id)

    def _status(self, state: ServiceState, status: str, message: str) -> None:
        self._publish_script(
            "status", state.script_id, {"status": status, "message": message, "timestamp": utc_now()}
        )

    def _publish_outcome(self, script_id: str, name: str, result: CallResult) -> None:
        """A function or custom-route call's outcome, for `function_execution` messages."""
        outcome = "success" if result.ok else ("timeout" if result.timed_out else "error")
        self._publish_script(
            "function",
            script_id,
            {
                "function_name": name,
                "execution_type": outcome,
                "timestamp": utc_now(),
                "result": {
                    "success": result.ok,
                    "data" if result.ok else "error": result.value if result.ok else rendered(result.error),
                    "execution_time_ms": round(result.elapsed_ms, 2),
                },
            },
        )

    def _publish_script(self, kind: str, script_id: str, data: dict[str, Any]) -> None:
        """Publish on `script.<kind>.<script_id>`, tagged with the owning tenant for scoped delivery."""
        state = self.states.get(script_id)
        tenant_id = state.tenant_id if state else self.owners.get(script_id)
        self._publish(f"script.{kind}.{script_id}", {**data, "tenant_id": tenant_id})

    def _publish(self, channel: str, data: dict[str, Any]) -> None:
        # Callbacks from a child's frames are synchronous; one queue keeps their order on the bus.
        with contextlib.suppress(asyncio.QueueFull):
            self.outbox.put_nowait((channel, data))

    async def _publisher(self) -> None:
        while True:
            channel, data = await self.outbox.get()
            try:
                await self.bus.publish(channel, data)
            except Exception:
                log.exception("could not publish on %s", channel)
            finally:
                self.outbox.task_done()

    async def _drain_outbox(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.outbox.join(), 2)

    async def _event_loop(self, subscription: Subscription) -> None:
        async for message in subscription:
            if message.channel.startswith(SCRIPT_EVENTS):
                # A script's event stays with its owner (a tenant, or the platform).
                event = message.channel.removeprefix(SCRIPT_EVENTS)
                owners: frozenset[Owner] = frozenset({message.data.get("owner")})
                data = message.data.get("data")
            else:
                # A platform event goes to its tenant's listeners and to the platform's.
                event = message.channel.removeprefix(PLATFORM_EVENTS)
                data = message.data
                owners = frozenset({None, data.get("tenant_id")})
            self._spawn(self._dispatch(event, data if isinstance(data, dict) else {}, owners))

    async def _dispatch(self, event: str, data: dict[str, Any], owners: frozenset[Owner]) -> None:
        """Call the listeners of `event` among `owners`' scripts, lowest priority first, one at a time."""
        for listener in self.registry.listeners_of(event, owners):
            state = self.states.get(listener.script_id)
            if state is None or state.process is None:
                continue
            timeout = listener.timeout or self.settings.script_call_timeout
            label = translate("event_label", event=event)
            result = await state.process.call("event", listener.handler, data, timeout, label)
            if result.timed_out:
                error = translate("call_timeout", seconds=timeout)
                message = translate("event_call_timeout", event=event, error=error)
                self.on_log(listener.script_id, {"level": "ERROR", "message": message})

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task


def boot_error(failure: BootFailed) -> VwedError:
    """The seed's error for a script that could not start: the script's own fault (it does not load,
    has no `boot()`, `boot()` raised or hung) is a 400 with its error; a process that died is a 500."""
    if failure.kind == "load":
        return BadRequest("script_load_failed", error=failure.error)
    if failure.kind == "no_boot":
        return BadRequest("script_no_boot")
    if failure.kind == "timeout":
        return BadRequest("script_boot_timeout", seconds=failure.error)
    if failure.kind == "exited":
        return VwedError("script_exited", reason=failure.error)
    if failure.kind == "sandbox":
        return VwedError("script_sandbox_failed", error=failure.error)
    return BadRequest("script_boot_failed", error=failure.error)


def raise_for(result: CallResult, timeout: float, state: ServiceState) -> None:
    """Turn a failed call into the error its caller reports."""
    if result.ok:
        return
    if result.unsendable:
        raise CallUnsendable(error=result.error)
    if result.timed_out:
        raise ScriptCallError("call_timeout", seconds=timeout, elapsed_ms=result.elapsed_ms)
    if state.process is None or state.process.closed.is_set():
        raise ScriptGone(reason=result.error, elapsed_ms=result.elapsed_ms)
    raise ScriptCallError("call_failed", error=result.error, elapsed_ms=result.elapsed_ms)
