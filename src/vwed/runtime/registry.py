"""The registry: which running script owns each custom route, function, event listener and timer.

One registry per node. Registrations arrive in frames from children, so they are validated here
(`Registrations.parse`) before anything uses them.

Tenancy (docs/scripts/process-model.md "Tenancy"): every function and listener belongs to the owner of
its script, a tenant or the platform (`None`, scripts in admin projects). Function names are a namespace
per owner, so a tenant can neither take nor probe another owner's names, and `VWED.function.call` looks
only in the caller's own namespace. Route keys (`GET:/api/custom/x`) are still one namespace per node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vwed.i18n import Text, field_path, field_text

CUSTOM_PREFIX = "/api/custom"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_ENTRIES = 1000
Owner = str | None
FunctionKey = tuple[Owner, str]

__all__ = ["Owner", "RegistrationError", "Registrations", "Registry", "ValidationError"]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    handler: int = Field(ge=1)
    timeout: float | None = Field(default=None, gt=0, le=86_400)


class RouteEntry(_Entry):
    """`VWED.api.register(path, method)` as the child reports it."""

    method: Literal["GET", "POST", "PUT", "DELETE", "PATCH"]
    path: str = Field(max_length=1000)
    description: str = Field(default="", max_length=2000)


class FunctionEntry(_Entry):
    """`VWED.function.register(name, ...)` as the child reports it."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    parameters: list[dict[str, Any]] = Field(default_factory=list, max_length=100)
    return_schema: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, max_length=50)
    is_async: bool = False


class ListenerEntry(_Entry):
    """`VWED.event.listen(event, priority)` as the child reports it."""

    event: str = Field(min_length=1, max_length=200)
    priority: int = Field(default=1, ge=-1_000_000, le=1_000_000)


class TimerEntry(BaseModel):
    """A `VWED.timer` timer as the child reports it (timers run inside the child), numbered by it."""

    model_config = ConfigDict(extra="ignore")

    timer: int = Field(ge=1)
    name: str = Field(max_length=200)
    kind: Literal["interval", "once"]
    interval_seconds: float = Field(ge=0)
    delay_seconds: float = Field(ge=0)


class RegistrationError(ValueError):
    """A child reported registrations that are not well formed; `text` says how."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.key)
        self.text = reason

    def __str__(self) -> str:
        return self.text.render("en")


class Registrations(BaseModel):
    """Everything one script registered, as reported in its `ready` frame."""

    model_config = ConfigDict(extra="ignore")

    routes: list[RouteEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    functions: list[FunctionEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    listeners: list[ListenerEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    timers: list[TimerEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)

    @classmethod
    def parse(cls, raw: Any) -> Registrations:
        """Validate registrations from a child, or raise `RegistrationError` with the first problem."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = field_path(first["loc"], "registrations")
            reason = Text("runtime_registration_malformed", {"field": where, "error": field_text(first)})
            raise RegistrationError(reason) from None

    @classmethod
    def one(cls, kind: str, raw: Any) -> Registrations:
        """A single registration of `kind` made after boot."""
        if kind not in cls.model_fields:
            raise RegistrationError(Text("runtime_registration_kind", {"kind": repr(kind[:40])}))
        return cls.parse({kind: [raw]})


@dataclass
class Stats:
    """Calls of one route or function and their total time."""

    call_count: int = 0
    success_count: int = 0
    error_count: int = 0
    total_ms: float = 0.0

    def record(self, ok: bool, elapsed_ms: float) -> None:
        """Count one call."""
        self.call_count += 1
        self.total_ms += elapsed_ms
        if ok:
            self.success_count += 1
        else:
            self.error_count += 1

    @property
    def average_ms(self) -> float:
        """Mean duration in milliseconds, rounded to 0.01."""
        return round(self.total_ms / self.call_count, 2) if self.call_count else 0


@dataclass
class Route:
    """A custom route served by a script."""

    script_id: str
    owner: Owner
    method: str
    path: str
    handler: int
    description: str
    timeout: float | None
    registered_at: str
    pattern: re.Pattern[str] | None = None
    stats: Stats = field(default_factory=Stats)

    @property
    def key(self) -> str:
        """`METHOD:/api/custom/path`, as the registry status lists it."""
        return f"{self.method}:{self.path}"


@dataclass
class Function:
    """A function registered by a script, in its owner's namespace."""

    script_id: str
    owner: Owner
    name: str
    handler: int
    description: str
    parameters: list[dict[str, Any]]
    return_schema: dict[str, Any]
    tags: list[str]
    is_async: bool
    timeout: float | None
    registered_at: str
    stats: Stats = field(default_factory=Stats)


@dataclass
class Listener:
    """An event listener; lower `priority` runs first, ties in registration order."""

    script_id: str
    owner: Owner
    event: str
    handler: int
    priority: int
    timeout: float | None
    registered_at: str
    order: int


@dataclass
class Timer:
    """A timer running in a script; a one-shot one is listed until its callback has run."""

    script_id: str
    number: int
    name: str
    kind: str
    interval_seconds: float
    delay_seconds: float
    registered_at: str

    @property
    def timer_id(self) -> str:
        """`<script_id>:timer:<n>`: named by the host, so no script can name another's timer."""
        return timer_key(self.script_id, self.number)

    def as_dict(self) -> dict[str, Any]:
        """The timer as the registry status lists it."""
        return {
            "timer_id": self.timer_id,
            "name": self.name,
            "kind": self.kind,
            "interval_seconds": self.interval_seconds,
            "delay_seconds": self.delay_seconds,
            "registered_at": self.registered_at,
            "script_id": self.script_id,
        }


def timer_key(script_id: str, number: int) -> str:
    """The registry key of timer `number` of `script_id`."""
    return f"{script_id}:timer:{number}"


@dataclass(frozen=True)
class Clash:
    """A registration another running script already owns."""

    kind: str
    key: str
    owner: str


@dataclass
class Counts:
    """How many things a script registered, in the seed's vocabulary."""

    apis: int = 0
    functions: int = 0
    events: int = 0
    timers: int = 0

    def as_dict(self) -> dict[str, int]:
        """`{"apis", "functions", "events", "timers"}`."""
        return {"apis": self.apis, "functions": self.functions, "events": self.events, "timers": self.timers}


def route_path(path: str) -> str:
    """The full path of a script route: `/hello` -> `/api/custom/hello`."""
    return CUSTOM_PREFIX + "/" + path.strip("/") if path.strip("/") else CUSTOM_PREFIX


def _pattern(path: str) -> re.Pattern[str] | None:
    if "{" not in path:
        return None
    parts = _PARAM.split(path)
    regex = "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


class Registry:
    """Routes, functions, listeners and timers of every running script on this node."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.functions: dict[FunctionKey, Function] = {}
        self.listeners: dict[str, list[Listener]] = {}
        self.timers: dict[str, Timer] = {}
        self._order = 0

    # changes ----------------------------------------------------------------------------------

    def clash(self, script_id: str, owner: Owner, registrations: Registrations) -> Clash | None:
        """The first route (any owner) or function (same owner) in `registrations` another script owns."""
        for route_entry in registrations.routes:
            key = f"{route_entry.method}:{route_path(route_entry.path)}"
            route = self.routes.get(key)
            if route is not None and route.script_id != script_id:
                return Clash("route", key, route.script_id)
        for function_entry in registrations.functions:
            function = self.functions.get((owner, function_entry.name))
            if function is not None and function.script_id != script_id:
                return Clash("function", function_entry.name, function.script_id)
        return None

    def add(self, script_id: str, owner: Owner, registrations: Registrations, now: str) -> None:
        """Record everything a script registered (check `clash` first)."""
        for entry in registrations.routes:
            path = route_path(entry.path)
            route = Route(
                script_id=script_id,
                owner=owner,
                method=entry.method,
                path=path,
                handler=entry.handler,
                description=entry.description,
                timeout=entry.timeout,
                registered_at=now,
                pattern=_pattern(path),
            )
            self.routes[route.key] = route
        for function in registrations.functions:
            self.functions[(owner, function.name)] = Function(
                script_id=script_id,
                owner=owner,
                name=function.name,
                handler=function.handler,
                description=function.description,
                parameters=function.parameters,
                return_schema=function.return_schema,
                tags=function.tags,
                is_async=function.is_async,
                timeout=function.timeout,
                registered_at=now,
            )
        for listener in registrations.listeners:
            self._order += 1
            listeners = self.listeners.setdefault(listener.event, [])
            listeners.append(
                Listener(
                    script_id=script_id,
                    owner=owner,
                    event=listener.event,
                    handler=listener.handler,
                    priority=listener.priority,
                    timeout=listener.timeout,
                    registered_at=now,
                    order=self._order,
                )
            )
            listeners.sort(key=lambda item: (item.priority, item.order))
        for timer_entry in registrations.timers:
            timer = Timer(
                script_id=script_id,
                number=timer_entry.timer,
                name=timer_entry.name,
                kind=timer_entry.kind,
                interval_seconds=timer_entry.interval_seconds,
                delay_seconds=timer_entry.delay_seconds,
                registered_at=now,
            )
            self.timers[timer.timer_id] = timer

    def remove(self, script_id: str) -> Counts:
        """Forget everything `script_id` registered; return how much that was."""
        counts = self.counts(script_id)
        self.routes = {k: r for k, r in self.routes.items() if r.script_id != script_id}
        self.functions = {k: f for k, f in self.functions.items() if f.script_id != script_id}
        for event in list(self.listeners):
            kept = [item for item in self.listeners[event] if item.script_id != script_id]
            if kept:
                self.listeners[event] = kept
            else:
                del self.listeners[event]
        self.timers = {k: t for k, t in self.timers.items() if t.script_id != script_id}
        return counts

    def end_timer(self, script_id: str, number: int) -> bool:
        """Forget timer `number` of `script_id` (its last run is over); whether it was registered."""
        return self.timers.pop(timer_key(script_id, number), None) is not None

    # reads ------------------------------------------------------------------------------------

    def counts(self, script_id: str) -> Counts:
        """What `script_id` has registered right now."""
        return Counts(
            apis=sum(1 for r in self.routes.values() if r.script_id == script_id),
            functions=sum(1 for f in self.functions.values() if f.script_id == script_id),
            events=sum(1 for items in self.listeners.values() for i in items if i.script_id == script_id),
            timers=sum(1 for t in self.timers.values() if t.script_id == script_id),
        )

    def function(self, owner: Owner, name: str) -> Function | None:
        """The function `name` in `owner`'s namespace."""
        return self.functions.get((owner, name))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        """The route for `method path` with its path parameters."""
        route = self.routes.get(f"{method}:{path}")
        if route is not None:
            return route, {}
        for candidate, params in self._at(path):
            if candidate.method == method:
                return candidate, params
        return None, {}

    def routes_at(self, path: str) -> list[Route]:
        """Every route serving `path`, whatever its method (for a 405's `Allow`)."""
        return [route for route, _params in self._at(path)]

    def _at(self, path: str) -> Iterator[tuple[Route, dict[str, str]]]:
        for candidate in self.routes.values():
            if candidate.pattern is None:
                if candidate.path == path:
                    yield candidate, {}
            else:
                matched = candidate.pattern.match(path)
                if matched is not None:
                    yield candidate, matched.groupdict()

    def listeners_of(self, event: str, owners: frozenset[Owner]) -> list[Listener]:
        """Listeners of `event` whose script belongs to one of `owners`, in calling order."""
        return [item for item in self.listeners.get(event, []) if item.owner in owners]
