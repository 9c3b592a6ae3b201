"""Routes of seed 000 sections 3 and 6.2, and `/api/custom/*`: the routes scripts register."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from vwed.errors import NotFound, VwedError
from vwed.i18n import negotiate, translate
from vwed.scripts import schemas
from vwed.scripts.docs import vwed_docs
from vwed.scripts.service import MethodNotAllowed, ScriptCallError, ScriptSupervisor
from vwed.web.deps import LangDep, PrincipalDep, SessionDep, json_body, ok
from vwed.web.schemas import answers, with_errors

router = APIRouter(prefix="/api/script", tags=["script services"])
custom = APIRouter(tags=["custom routes (registered by scripts)"])

# Never hand the caller's credentials to user code.
PRIVATE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def get_supervisor(request: Request) -> ScriptSupervisor:
    """The node's script supervisor (async, so FastAPI does not hop to a thread to resolve it)."""
    supervisor: ScriptSupervisor = request.app.state.scripts
    return supervisor


Supervisor = Annotated[ScriptSupervisor, Depends(get_supervisor)]
Body = dict[str, Any]


@router.post(
    "/scripts/start",
    summary="Start a script service (runs its boot() in a process of its own)",
    **answers(schemas.StartAnswer, 403, 404, 409, 503),
)
async def start_script(
    body: schemas.StartRequest,
    supervisor: Supervisor,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
) -> Body:
    started = await supervisor.start_script(
        session, principal, body.script_path, body.start_params, body.restart_policy
    )
    counts = started.counts.as_dict()
    return ok(
        message=translate("script_started", lang, **counts),
        script_id=started.script_id,
        registrations=counts,
    )


@router.post(
    "/scripts/{script_id}/stop",
    summary="Stop a script service and remove its registrations",
    **answers(schemas.StopAnswer, 404),
)
async def stop_script(script_id: str, supervisor: Supervisor, principal: PrincipalDep, lang: LangDep) -> Body:
    stopped = await supervisor.stop_script(principal, script_id)
    counts = stopped.counts.as_dict()
    return ok(
        message=translate("script_stopped", lang, name=stopped.file_name, **counts),
        registrations=counts,
    )


@router.get(
    "/scripts/running", summary="Script services of this node", **answers(list[schemas.RunningScript])
)
async def running_scripts(supervisor: Supervisor, principal: PrincipalDep) -> Body:
    return ok(supervisor.running_scripts(principal))


@router.post(
    "/scripts/execute-function",
    summary="Call a function a running script registered",
    response_class=JSONResponse,
    responses=with_errors(
        {"model": schemas.FunctionAnswer, "description": "The function's result"}, 404, 503
    ),
)
async def execute_function(
    body: schemas.ExecuteRequest, supervisor: Supervisor, principal: PrincipalDep, request: Request
) -> Response:
    started = time.perf_counter()
    try:
        result = await supervisor.execute_function(
            principal, body.script_id, body.function_name, body.function_args
        )
    except VwedError as exc:
        elapsed = exc.params.get("elapsed_ms", (time.perf_counter() - started) * 1000)
        lang = negotiate(request.headers.get("accept-language"))
        return JSONResponse(
            {
                "success": False,
                "error": translate(exc.key, lang, **exc.params),
                "execution_time_ms": round(elapsed, 2),
            },
            status_code=exc.status_code,
        )
    return json_response(
        {"success": True, "result": result.value, "execution_time_ms": round(result.elapsed_ms, 2)}
    )


@router.get(
    "/registry/status",
    summary="Routes, functions, listeners, timers and active scripts",
    **answers(schemas.RegistryStatus),
)
async def registry_status(supervisor: Supervisor, principal: PrincipalDep) -> Body:
    return ok(supervisor.registry_status(principal))


@router.get("/vwed-docs", summary="The VWED object a service script sees: modules, methods, docstrings")
async def get_vwed_docs() -> Body:
    return ok(vwed_docs())


@router.get(
    "/integration/functions",
    summary="Functions available to the task editor",
    **answers(list[schemas.AvailableFunction]),
)
async def integration_functions(
    supervisor: Supervisor, principal: PrincipalDep, tags: str | None = None
) -> Body:
    wanted = {tag.strip() for tag in (tags or "").split(",") if tag.strip()}
    return ok(supervisor.available_functions(principal, wanted))


# -- /api/custom ------------------------------------------------------------------------------------


def json_response(value: Any, status: int = 200) -> Response:
    """`value` as JSON; anything JSON cannot carry becomes its `str()`.

    orjson is fast but stops at 254 levels and 64-bit integers; what a script returns may exceed both,
    so such a value is encoded by the standard library instead, and one too deep even for that is the
    script's error.
    """
    try:
        body = orjson.dumps(value, default=str)
    except TypeError:
        try:
            body = json.dumps(value, default=str, ensure_ascii=False).encode()
        except (RecursionError, ValueError) as exc:
            raise ScriptCallError("call_failed", error=f"{type(exc).__name__}: {exc}") from None
    return Response(body, status_code=status, media_type="application/json")


def query_params(request: Request) -> dict[str, Any]:
    """Query parameters; a repeated key gives a list."""
    out: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        out[key] = values[0] if len(values) == 1 else values
    return out


async def request_body(request: Request) -> Any:
    """The body as a handler sees it: JSON decoded, a form as a dict, other text as a string.

    Its size and, for JSON, its depth and numbers were checked at the boundary (`vwed.web.boundary`),
    which also parsed the JSON already.
    """
    found, value = json_body(request)
    if found:
        return value
    raw = await request.body()
    if not raw:
        return {}
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in FORM_TYPES:
        form = await request.form()
        return {key: value if isinstance(value, str) else value.filename for key, value in form.items()}
    return raw.decode("utf-8", "replace")


async def custom_route(
    path: str, request: Request, supervisor: Supervisor, principal: PrincipalDep
) -> Response:
    full_path = request.url.path.rstrip("/") or request.url.path
    route, path_params = supervisor.registry.match(request.method, full_path)
    if route is None or not supervisor.may_call(route.script_id, principal.scope):
        # Another tenant's route reads exactly like one that does not exist, for any method.
        allowed = [
            other.method
            for other in supervisor.registry.routes_at(full_path)
            if supervisor.may_call(other.script_id, principal.scope)
        ]
        if allowed:
            raise MethodNotAllowed(request.method, allowed)
        raise NotFound("route_not_found", path=full_path)
    request_data = {
        "method": request.method,
        "path": full_path,
        "query_params": query_params(request),
        "path_params": path_params,
        "body": await request_body(request),
        "headers": {k: v for k, v in request.headers.items() if k.lower() not in PRIVATE_HEADERS},
        "client": request.client.host if request.client else None,
    }
    result = await supervisor.call_route(route, request_data)
    status = result.status or 200
    if isinstance(result.value, str):
        return PlainTextResponse(result.value, status_code=status)
    return json_response(result.value, status)


# One operation per method, so each has its own operation id in the OpenAPI schema.
for _method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
    custom.add_api_route(
        "/api/custom/{path:path}",
        custom_route,
        methods=[_method],
        name=f"custom_route_{_method.lower()}",
        summary=f"A {_method} route registered by a running script (VWED.api)",
        response_class=JSONResponse,
        responses=with_errors(
            {"description": "Whatever the script's handler returns (JSON or text)"}, 404, 405, 503
        ),
    )
