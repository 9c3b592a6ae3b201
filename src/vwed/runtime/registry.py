"""The registry: which running script owns each custom route, function, event listener and timer.

One registry per node. A route key (`GET:/api/custom/x`) or a function name has one owner; a second
script claiming it is refused with the owner's id. Call statistics live here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CUSTOM_PREFIX = "/api/custom"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


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
    """A function registered by a script."""

    script_id: str
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
    event: str
    handler: int
    priority: int
    timeout: float | None
    registered_at: str
    order: int


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
        self.functions: dict[str, Function] = {}
        self.listeners: dict[str, list[Listener]] = {}
        self.timers: dict[str, dict[str, Any]] = {}
        self._order = 0

    # changes ----------------------------------------------------------------------------------

    def clash(self, script_id: str, registrations: dict[str, list[dict[str, Any]]]) -> Clash | None:
        """The first route or function in `registrations` that another script owns, if any."""
        for entry in registrations.get("routes", []):
            key = f"{entry['method']}:{route_path(entry['path'])}"
            owner = self.routes.get(key)
            if owner is not None and owner.script_id != script_id:
                return Clash("route", key, owner.script_id)
        for entry in registrations.get("functions", []):
            function = self.functions.get(entry["name"])
            if function is not None and function.script_id != script_id:
                return Clash("function", entry["name"], function.script_id)
        return None

    def add(self, script_id: str, registrations: dict[str, list[dict[str, Any]]], now: str) -> None:
        """Record everything a script registered (check `clash` first)."""
        for kind, entries in registrations.items():
            for entry in entries:
                self.add_one(script_id, kind, entry, now)

    def add_one(self, script_id: str, kind: str, entry: dict[str, Any], now: str) -> None:
        """Record one registration of `kind` (`routes`, `functions`, `listeners`, `timers`)."""
        if kind == "routes":
            path = route_path(entry["path"])
            route = Route(
                script_id=script_id,
                method=entry["method"],
                path=path,
                handler=entry["handler"],
                description=entry.get("description") or "",
                timeout=entry.get("timeout"),
                registered_at=now,
                pattern=_pattern(path),
            )
            self.routes[route.key] = route
        elif kind == "functions":
            self.functions[entry["name"]] = Function(
                script_id=script_id,
                name=entry["name"],
                handler=entry["handler"],
                description=entry.get("description") or "",
                parameters=entry.get("parameters") or [],
                return_schema=entry.get("return_schema") or {},
                tags=entry.get("tags") or [],
                is_async=bool(entry.get("is_async")),
                timeout=entry.get("timeout"),
                registered_at=now,
            )
        elif kind == "listeners":
            self._order += 1
            listeners = self.listeners.setdefault(entry["event"], [])
            listeners.append(
                Listener(
                    script_id=script_id,
                    event=entry["event"],
                    handler=entry["handler"],
                    priority=int(entry.get("priority", 1)),
                    timeout=entry.get("timeout"),
                    registered_at=now,
                    order=self._order,
                )
            )
            listeners.sort(key=lambda item: (item.priority, item.order))
        elif kind == "timers":
            self.timers[entry["timer_id"]] = {**entry, "script_id": script_id}

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
        self.timers = {k: t for k, t in self.timers.items() if t["script_id"] != script_id}
        return counts

    # reads ------------------------------------------------------------------------------------

    def counts(self, script_id: str) -> Counts:
        """What `script_id` has registered right now."""
        return Counts(
            apis=sum(1 for r in self.routes.values() if r.script_id == script_id),
            functions=sum(1 for f in self.functions.values() if f.script_id == script_id),
            events=sum(1 for items in self.listeners.values() for i in items if i.script_id == script_id),
            timers=sum(1 for t in self.timers.values() if t["script_id"] == script_id),
        )

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route for `method path` with its path parameters, and whether the path exists at all."""
        route = self.routes.get(f"{method}:{path}")
        if route is not None:
            return route, {}, True
        path_known = False
        for candidate in self.routes.values():
            if candidate.pattern is None:
                found = candidate.path == path
                params: dict[str, str] = {}
            else:
                matched = candidate.pattern.match(path)
                found = matched is not None
                params = matched.groupdict() if matched else {}
            if found:
                if candidate.method == method:
                    return candidate, params, True
                path_known = True
        return None, {}, path_known

    def listeners_of(self, event: str) -> list[Listener]:
        """Listeners of `event` in calling order."""
        return list(self.listeners.get(event, []))
