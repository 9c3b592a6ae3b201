"""Request bodies of the script-service API (seed 000 section 3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from vwed.db.base import RequestBody, ResponseBody

RestartPolicy = Literal["never", "on-failure"]


_Input = RequestBody


class StartRequest(_Input):
    """Body of `POST /api/script/scripts/start`."""

    script_path: Annotated[str, Field(min_length=1, max_length=700)]
    start_params: dict[str, Any] | None = None
    restart_policy: RestartPolicy = "never"


class ExecuteRequest(_Input):
    """Body of `POST /api/script/scripts/execute-function`."""

    script_id: Annotated[str, Field(min_length=1, max_length=400)]
    function_name: Annotated[str, Field(min_length=1, max_length=200)]
    # Omitted arguments reach the function as `{}`, so the seed's `args.get(...)` style just works.
    function_args: Any = Field(default_factory=dict)


# -- answers --------------------------------------------------------------------------------------


class Registrations(ResponseBody):
    """How many things a script registered, in the seed's words."""

    apis: int
    functions: int
    events: int
    timers: int


class StartAnswer(ResponseBody):
    """Seed 3.1: the new script id and what it registered (top level, as the seed shows it)."""

    success: Literal[True]
    message: str
    script_id: str
    registrations: Registrations


class StopAnswer(ResponseBody):
    """Seed 3.2: what was removed."""

    success: Literal[True]
    message: str
    registrations: Registrations


class RunningScript(ResponseBody):
    """Seed 3.3: one service of this node."""

    script_id: str
    script_path: str
    started_at: str | None
    status: str
    message: str
    pid: int | None
    restart_policy: str
    sandbox: str
    sandbox_layers: dict[str, str]
    network: str
    restarts: int
    registrations: Registrations


class FunctionAnswer(ResponseBody):
    """Seed 3.4: what the function returned and how long it took (failures add `execution_time_ms`)."""

    success: Literal[True]
    result: Any = None
    execution_time_ms: float


class CallStats(ResponseBody):
    """Calls of a function and their outcome."""

    call_count: int
    success_count: int
    error_count: int
    average_execution_time_ms: float


class RouteInfo(ResponseBody):
    """A custom route in the registry."""

    path: str
    method: str
    script_id: str
    description: str
    call_count: int
    average_response_time_ms: float
    registered_at: str


class FunctionInfo(CallStats):
    """A registered function in the registry."""

    script_id: str
    tenant_id: str | None
    description: str
    is_async: bool


class ListenerInfo(ResponseBody):
    """An event listener in the registry."""

    script_id: str
    priority: int
    registered_at: str


class ActiveScript(ResponseBody):
    """A script in the registry status."""

    script_path: str
    started_at: str | None
    status: str
    heartbeat: float | None


class RegistryStatus(ResponseBody):
    """Seed 3.5."""

    api_routes: dict[str, RouteInfo]
    registered_functions: dict[str, FunctionInfo]
    event_listeners: dict[str, list[ListenerInfo]]
    timers: dict[str, dict[str, Any]]
    active_scripts: dict[str, ActiveScript]


class AvailableFunction(ResponseBody):
    """Seed 6.2: a function the task editor may call."""

    function_name: str
    script_id: str
    tenant_id: str | None
    description: str
    parameters: list[dict[str, Any]]
    return_schema: dict[str, Any]
    is_async: bool
    tags: list[str]
    is_running: bool
    stats: CallStats
