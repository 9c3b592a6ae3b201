"""Routes of seed 004 under `/api/scheduled-tasks`; static paths come before `/{task_id}` (seed commit)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from vwed.config import Settings
from vwed.db.base import PageNumber, RowId, iso
from vwed.errors import Forbidden, NotFound, PayloadTooLarge, Unavailable
from vwed.i18n import translate
from vwed.scheduler import schemas
from vwed.scheduler.service import TaskService, preview
from vwed.sdk.service import (
    NEVER_EXPOSED,
    TaskScripts,
    TaskVariables,
    check_deps_allowed,
    exposed_tables,
    sdk_docs,
)
from vwed.web.deps import BusDep, LangDep, PrincipalDep, SessionDep, SettingsDep, ok
from vwed.web.schemas import Done, answers

router = APIRouter(prefix="/api/scheduled-tasks", tags=["scheduled tasks"])


def task_service(
    session: SessionDep, settings: SettingsDep, principal: PrincipalDep, bus: BusDep
) -> TaskService:
    """The service bound to this request's session and caller."""
    return TaskService(session, settings, principal, bus)


def task_scripts(request: Request) -> TaskScripts:
    """The node's sandboxed script executor, or 503 when this node does not run one."""
    scripts: TaskScripts | None = getattr(request.app.state, "task_scripts", None)
    if scripts is None or not scripts.started:
        raise Unavailable("script_runtime_unavailable")
    return scripts


def check_script_size(settings: Settings, script_content: str | None) -> None:
    """Refuse a `script_content` above `VWED_MAX_UPLOAD_BYTES`, the cap every script source shares."""
    size = len((script_content or "").encode())
    if size > settings.max_upload_bytes:
        raise PayloadTooLarge(size=size, limit=settings.max_upload_bytes)


Tasks = Annotated[TaskService, Depends(task_service)]
Scripts = Annotated[TaskScripts, Depends(task_scripts)]
Body = dict[str, Any]
Page = Annotated[PageNumber, Query()]
PageSize = Annotated[int, Query(ge=1, le=200)]
RunStatus = Literal["queued", "running", "success", "failed", "skipped", "missed"]
LastRunStatus = Literal["success", "failed", "running", "never"]


# -- static paths (before /{task_id}) ---------------------------------------------------------------


@router.get(
    "/sdk-docs",
    summary="The script SDK (zh and en): functions, variables, modules, result formats",
    **answers(dict[str, Any]),
)
async def get_sdk_docs() -> Body:
    return ok(sdk_docs())


@router.post(
    "/test-script",
    summary="Run a script once in the sandbox without saving it",
    **answers(schemas.ScriptTrial, 404, 503),
)
async def test_script(
    body: schemas.TestScript, scripts: Scripts, principal: PrincipalDep, settings: SettingsDep
) -> Body:
    tenant_id = principal.scope.owner_for(body.tenant_id)
    check_script_size(settings, body.script_content)
    check_deps_allowed(settings, tenant_id, body.script_deps)
    answer = await scripts.test_script(
        source=body.script_content,
        params=body.input_params or {},
        script_deps=body.script_deps,
        tenant_id=tenant_id,
        timeout_seconds=float(body.timeout_seconds),
        send=body.send,
        channels=body.notify_channels or [],
        wecom_app_id=body.notify_wecom_app_id,
    )
    return ok(answer)


@router.get(
    "/db-tables",
    summary="Tables scripts may read with db_query (VWED_DB_QUERY_TABLES; admins)",
    **answers(schemas.DbTables, 403),
)
async def db_tables(settings: SettingsDep, principal: PrincipalDep) -> Body:
    if not principal.is_admin:
        raise Forbidden("tenant_admin_only")
    return ok({"exposed": sorted(exposed_tables(settings.db_query_tables)), "never": sorted(NEVER_EXPOSED)})


@router.post(
    "/schedule-preview",
    summary="Next fire times and a description of an unsaved schedule",
    **answers(schemas.Preview),
)
async def schedule_preview(body: schemas.SchedulePreview, settings: SettingsDep, lang: LangDep) -> Body:
    return ok(preview(body, settings.default_timezone, lang))


@router.get(
    "",
    summary="List tasks (filters: tenant, enabled, type, last status, keyword; paginated)",
    **answers(schemas.TaskPage),
)
async def list_tasks(
    service: Tasks,
    tenant_id: str | None = None,
    is_enabled: bool | None = None,
    execution_type: schemas.ExecutionType | None = None,
    last_run_status: LastRunStatus | None = None,
    keyword: Annotated[str | None, Query(max_length=100)] = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> Body:
    tasks, total = await service.list_tasks(
        tenant_id=tenant_id,
        enabled=is_enabled,
        execution_type=execution_type,
        keyword=keyword,
        page=page,
        page_size=page_size,
        last_run_status=last_run_status,
    )
    items = [schemas.task_out(t) for t in tasks]
    return ok({"items": items, "total": total, "page": page, "page_size": page_size})


@router.post("", summary="Create a task", **answers(schemas.TaskOut))
async def create_task(body: schemas.TaskCreate, service: Tasks, lang: LangDep) -> Body:
    check_script_size(service.settings, body.script_content)
    tenant_id = service.principal.scope.owner_for(body.tenant_id)
    check_deps_allowed(service.settings, tenant_id, body.script_deps)
    task = await service.create(body)
    return ok(schemas.task_out(task), translate("task_created", lang, name=task.task_name))


# -- one task ---------------------------------------------------------------------------------------


@router.get("/{task_id}", summary="Get a task", **answers(schemas.TaskOut, 404))
async def get_task(task_id: RowId, service: Tasks) -> Body:
    return ok(schemas.task_out(await service.get(task_id)))


@router.put(
    "/{task_id}",
    summary="Update a task (a changed schedule moves next_run_at)",
    **answers(schemas.TaskOut, 404),
)
async def update_task(task_id: RowId, body: schemas.TaskUpdate, service: Tasks, lang: LangDep) -> Body:
    check_script_size(service.settings, body.script_content)
    if body.script_deps:
        check_deps_allowed(service.settings, (await service.get(task_id)).tenant_id, body.script_deps)
    task = await service.update(task_id, body)
    return ok(schemas.task_out(task), translate("task_updated", lang, name=task.task_name))


@router.delete("/{task_id}", summary="Delete a task and its queued runs", **answers(Done, 404))
async def delete_task(task_id: RowId, service: Tasks, lang: LangDep) -> Body:
    name = await service.delete(task_id)
    return ok(message=translate("task_deleted", lang, name=name))


@router.post("/{task_id}/toggle", summary="Enable or disable a task", **answers(schemas.TaskOut, 404))
async def toggle_task(
    task_id: RowId, service: Tasks, lang: LangDep, body: schemas.ToggleBody | None = None
) -> Body:
    task = await service.toggle(task_id, body.is_enabled if body else None)
    key = "task_enabled" if task.is_enabled else "task_disabled"
    return ok(schemas.task_out(task), translate(key, lang, name=task.task_name))


@router.post(
    "/{task_id}/run",
    summary="Run now (optional `params` override input_params); answers the trace_id",
    **answers(schemas.RunQueued, 404),
)
async def run_task(
    task_id: RowId, service: Tasks, lang: LangDep, body: schemas.RunNowBody | None = None
) -> Body:
    run = await service.run_now(task_id, body.params if body else None)
    return ok(
        {"task_id": task_id, "log_id": run.id, "trace_id": run.trace_id}, translate("task_run_queued", lang)
    )


@router.get(
    "/{task_id}/logs",
    summary="Run logs of a task (paginated, status filter)",
    **answers(schemas.LogPage, 404),
)
async def task_logs(
    task_id: RowId, service: Tasks, status: RunStatus | None = None, page: Page = 1, page_size: PageSize = 20
) -> Body:
    logs, total = await service.logs(task_id, status, page, page_size)
    items = [schemas.log_out(entry) for entry in logs]
    return ok({"items": items, "total": total, "page": page, "page_size": page_size})


@router.get(
    "/{task_id}/next-runs",
    summary="The task's next fire times (UTC) and its timezone",
    **answers(schemas.NextRuns, 404),
)
async def next_runs(task_id: RowId, service: Tasks, count: Annotated[int, Query(ge=1, le=100)] = 5) -> Body:
    return ok(await service.next_runs(task_id, count))


@router.get("/{task_id}/vars", summary="Variables the task's runs keep with set_var")
async def task_vars(task_id: int, service: Tasks, session: SessionDep, principal: PrincipalDep) -> Body:
    task = await service.get(task_id)
    rows = await TaskVariables(session, principal.scope).of_task(task.id)
    return ok([{"key": r.var_key, "value": r.var_value, "updated_at": iso(r.updated_at)} for r in rows])


@router.delete("/{task_id}/vars/{key}", summary="Delete one variable of the task")
async def delete_task_var(
    task_id: int, key: str, service: Tasks, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Body:
    task = await service.get(task_id)
    if not await TaskVariables(session, principal.scope).delete(task.id, key):
        raise NotFound("task_var_not_found", name=key)
    return ok(message=translate("task_var_deleted", lang, name=key))
