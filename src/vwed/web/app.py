"""`create_app()`: the ASGI application, and the lifespan that owns the database and background services."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal, Protocol

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import text

import vwed
from vwed.auth import api as auth_api
from vwed.auth.service import bootstrap_admin
from vwed.bus import Bus, MemoryBus
from vwed.config import Settings
from vwed.db.base import ResponseBody
from vwed.db.engine import create_engine, session_factory, upgrade
from vwed.logs import api as logs_api
from vwed.logs.hub import LogHub
from vwed.logs.service import LogLimits, LogPipeline
from vwed.notify import api as notify_api
from vwed.projects import api as projects_api
from vwed.redaction import install_log_redaction
from vwed.scheduler import api as scheduler_api
from vwed.scheduler.engine import RunExecutor, Scheduler
from vwed.scheduler.service import RunReporter, RunSlots
from vwed.scripts import api as scripts_api
from vwed.scripts.service import ScriptSupervisor
from vwed.sdk.service import TaskScripts
from vwed.secrets import api as secrets_api
from vwed.tenants import api as tenants_api
from vwed.web import errors, schemas, ui
from vwed.web.boundary import RequestBoundary
from vwed.web.deps import SessionDep, SettingsDep, get_principal, ok
from vwed.web.headers import SecurityHeaders

log = logging.getLogger("vwed")

health = APIRouter(tags=["health"])


class Health(ResponseBody):
    """What `/api/health` reports."""

    status: Literal["ok"]
    version: str
    database: str
    sandbox: dict[str, Any] | None
    run_slots: dict[str, int] | None
    service_sandbox: dict[str, Any] | None


@health.get(
    "/api/health",
    summary="Liveness and back-end status (no token needed)",
    response_model=schemas.Envelope[Health],
    response_model_exclude_unset=True,
    responses=schemas.errors(),
)
async def health_check(request: Request, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Report whether the database answers and the sandbox levels of task runs (`sandbox`) and script
    services (`service_sandbox`); load balancers poll this."""
    await session.execute(text("SELECT 1"))
    dialect = settings.resolved_database_url.split("+", 1)[0].split(":", 1)[0]
    scripts: TaskScripts | None = getattr(request.app.state, "task_scripts", None)
    sandbox = scripts.health() if scripts is not None and scripts.started else None
    slots = {"busy": scripts.slots.busy, "capacity": scripts.slots.capacity} if scripts is not None else None
    services: ScriptSupervisor = request.app.state.scripts
    service_sandbox = services.health() if services.running else None
    return ok(
        {
            "status": "ok",
            "version": vwed.__version__,
            "database": dialect,
            "sandbox": sandbox,
            "run_slots": slots,
            "service_sandbox": service_sandbox,
        }
    )


def announce_token(token: str) -> None:
    """Print a freshly generated admin token once, where the operator starting the server sees it."""
    banner = (
        "\n" + "=" * 72 + "\n"
        "  VWED admin token (shown once; store it now, only its hash is kept):\n\n"
        f"    {token}\n\n"
        "  Use it as: Authorization: Bearer <token>\n" + "=" * 72 + "\n"
    )
    sys.stderr.write(banner)
    sys.stderr.flush()


class BackgroundService(Protocol):
    """A loop the host runs for its whole life (supervisor, scheduler, log writer, ...)."""

    async def start(self) -> None:
        """Begin work; return once running."""

    async def stop(self) -> None:
        """Finish or hand back in-flight work, then return."""


def background_services(app: FastAPI) -> list[BackgroundService]:
    """The services this node runs, in start order (they stop in reverse)."""
    settings: Settings = app.state.settings
    app.state.log_hub = LogHub(max_pending=settings.ws_max_pending)
    app.state.log_pipeline = LogPipeline(
        app.state.bus,
        app.state.sessions,
        app.state.log_hub,
        LogLimits(
            rate_per_second=settings.log_rate_per_second,
            burst=settings.log_burst,
            line_max_chars=settings.log_line_max_chars,
            retention_days=settings.log_retention_days,
            max_lines_per_script=settings.log_max_lines_per_script,
            max_lines_per_tenant=settings.log_max_lines_per_tenant,
            tenant_rate_per_second=settings.log_tenant_rate_per_second,
            tenant_burst=settings.log_tenant_burst,
        ),
    )
    app.state.scripts = ScriptSupervisor(settings, app.state.sessions, app.state.bus)
    # Logs first (to catch the first lines), scripts before the scheduler (so task events find listeners).
    services: list[BackgroundService] = [app.state.log_pipeline, app.state.scripts]
    if settings.executor_concurrency > 0:
        # The script runner registers itself when it starts, before the executor claims any run.
        slots = RunSlots(settings.executor_concurrency)
        app.state.task_scripts = TaskScripts(
            settings, app.state.engine, app.state.sessions, app.state.bus, slots
        )
        services.append(app.state.task_scripts)
        reporter = RunReporter(app.state.sessions, settings, app.state.bus)
        services.append(RunExecutor(app.state.engine, settings, app.state.bus, reporter, slots=slots))
    if settings.scheduler_enabled:
        services.append(Scheduler(app.state.engine, settings, app.state.bus))
    return services


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database and bus, make sure an admin can log in, run the background services."""
    settings: Settings = app.state.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    async with sessions() as session:
        generated = await bootstrap_admin(session, admin)
    if generated:
        announce_token(generated)
    bus: Bus = MemoryBus()
    await bus.start()
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.bus = bus
    started: list[BackgroundService] = []
    try:
        for service in background_services(app):
            await service.start()
            started.append(service)
        yield
    finally:
        for service in reversed(started):
            await service.stop()
        await bus.stop()
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; `settings` defaults to the `VWED_*` environment."""
    app = FastAPI(
        title="VWED Script Platform",
        version=vwed.__version__,
        lifespan=lifespan,
        # /docs is served by `ui` from the package's own Swagger UI copy (no CDN)
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings = settings or Settings()
    install_log_redaction()
    errors.install(app)
    schemas.install(app)
    # The last added is the outermost: even the boundary's refusals carry the security headers.
    app.add_middleware(RequestBoundary, settings=settings)
    app.add_middleware(SecurityHeaders)
    app.include_router(health)
    app.include_router(auth_api.router)
    authenticated = [Depends(get_principal)]
    app.include_router(projects_api.router, dependencies=authenticated)
    app.include_router(logs_api.router, dependencies=authenticated)
    app.include_router(logs_api.socket_router)
    # Before the task routes, so `/api/scheduled-tasks/{task_id}` does not take `/secrets`.
    app.include_router(secrets_api.router, dependencies=authenticated)
    app.include_router(scheduler_api.router, dependencies=authenticated)
    app.include_router(tenants_api.router, dependencies=authenticated)
    app.include_router(notify_api.router, dependencies=authenticated)
    app.include_router(scripts_api.router, dependencies=authenticated)
    app.include_router(scripts_api.custom, dependencies=authenticated)
    ui.install(app, app.state.settings.ui_dir)
    return app
