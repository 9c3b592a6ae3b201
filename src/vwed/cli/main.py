"""`vwed`: serve the platform, migrate its database, and administer it from a shell.

Every option falls back to its `VWED_*` environment variable; flags override.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.auth import service as auth
from vwed.cli.client import console
from vwed.cli.scripts import script_app
from vwed.cli.tasks import task_app
from vwed.config import Settings
from vwed.db.base import iso
from vwed.db.engine import current_revision, open_database, session_factory

app = typer.Typer(
    help="VWED Script Platform: Python scripts as services and scheduled tasks.", no_args_is_help=True
)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(script_app, name="script")
app.add_typer(task_app, name="task")

T = TypeVar("T")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory [env: VWED_DATA_DIR]")]


def settings_for(data_dir: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment, with the flags that were given taking precedence."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


def with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` with a session on the migrated database of `settings`."""

    async def run() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with (
            open_database(settings.resolved_database_url) as engine,
            session_factory(engine)() as session,
        ):
            return await work(session)

    return asyncio.run(run())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [env: VWED_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env: VWED_PORT]")] = None,
    data_dir: DataDir = None,
) -> None:
    """Start the server (migrates the database first)."""
    import uvicorn

    from vwed.web.app import create_app

    settings = settings_for(data_dir, host=host, port=port)
    console.print(
        f"[bold]VWED[/] serving on http://{settings.host}:{settings.port}  (data: {settings.data_dir})"
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None) -> None:
    """Apply pending migrations to the configured database."""
    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> str | None:
        async with open_database(settings.resolved_database_url) as engine:
            return await current_revision(engine)

    with console.status("Applying migrations..."):
        revision = asyncio.run(run())
    console.print(f"Database is at revision [bold]{revision}[/].")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what the token is for")],
    role: Annotated[str, typer.Option(help="admin or user")] = "user",
    tenant: Annotated[str | None, typer.Option(help="Tenant of a user token")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a token and print it once."""
    if role not in auth.ROLES:
        raise typer.BadParameter("role must be admin or user", param_hint="--role")
    if role == "user" and not tenant:
        raise typer.BadParameter("a user token needs --tenant", param_hint="--tenant")
    issued = with_session(settings_for(data_dir), lambda s: auth.create_token(s, name, role, tenant))
    console.print(f"Token {issued.id} ({issued.role}, tenant {issued.tenant_id or '-'}); shown once:")
    console.print(issued.token, highlight=False, soft_wrap=True)


@token_app.command("ls")
def token_ls(data_dir: DataDir = None) -> None:
    """List tokens (never their values)."""
    rows = with_session(settings_for(data_dir), auth.list_tokens)
    table = Table("id", "name", "role", "tenant", "created", "last used", "revoked")
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            row.role,
            row.tenant_id or "-",
            iso(row.created_at) or "",
            iso(row.last_used_at) or "-",
            iso(row.revoked_at) or "-",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: int, data_dir: DataDir = None) -> None:
    """Revoke a token by id."""
    from vwed.errors import NotFound

    try:
        with_session(settings_for(data_dir), lambda s: auth.revoke_token(s, token_id))
    except NotFound:
        console.print(f"[red]No token with id {token_id}.[/]")
        raise typer.Exit(1) from None
    console.print(f"Token {token_id} revoked.")


def main() -> None:
    """Entry point of the `vwed` console script."""
    app()
