"""`vwed task ...`: list, run, toggle scheduled tasks and read their run logs on a running server."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from vwed.cli.client import Token, Url, console, parse_json, request

task_app = typer.Typer(
    help="Scheduled tasks on a running server: ls, run, toggle, logs, next.", no_args_is_help=True
)


@task_app.command("ls")
def ls(
    keyword: Annotated[str | None, typer.Option(help="Match the task name or description")] = None,
    enabled: Annotated[
        bool | None, typer.Option("--enabled/--disabled", help="Only enabled or disabled")
    ] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    url: Url = None,
    token: Token = None,
) -> None:
    """List tasks with their schedule, next run and last outcome."""
    query: dict[str, str | int] = {"page": page, "page_size": 50}
    if keyword:
        query["keyword"] = keyword
    if enabled is not None:
        query["is_enabled"] = str(enabled).lower()
    body = request("GET", "/api/scheduled-tasks?" + urlencode(query), url, token)
    table = Table("id", "name", "type", "schedule", "timezone", "enabled", "next run", "last run", "status")
    for task in body["data"]["items"]:
        schedule = task["cron_expression"] or ", ".join(task["time_points"] or [])
        table.add_row(
            str(task["id"]),
            task["task_name"],
            task["execution_type"],
            schedule,
            task["timezone"],
            "yes" if task["is_enabled"] else "no",
            task["next_run_at"] or "-",
            task["last_run_at"] or "-",
            task["last_run_status"] or "-",
        )
    console.print(table)
    data = body["data"]
    console.print(f"[dim]page {data['page']}, {data['total']} tasks in all[/]")


@task_app.command("run")
def run(
    task_id: int,
    params: Annotated[
        str | None, typer.Option("--params", help="Override input_params (JSON object)")
    ] = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Queue a run now and print its trace_id."""
    body = {"params": parse_json(params, "--params")} if params else None
    answer = request("POST", f"/api/scheduled-tasks/{task_id}/run", url, token, body)
    console.print(answer["message"])
    console.print(answer["data"]["trace_id"], highlight=False)


@task_app.command("toggle")
def toggle(
    task_id: int,
    enable: Annotated[bool | None, typer.Option("--enable/--disable", help="Set instead of flipping")] = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Enable or disable a task (flips it unless --enable or --disable is given)."""
    body = {"is_enabled": enable} if enable is not None else None
    console.print(request("POST", f"/api/scheduled-tasks/{task_id}/toggle", url, token, body)["message"])


@task_app.command("logs")
def logs(
    task_id: int,
    status: Annotated[
        str | None, typer.Option(help="queued, running, success, failed, skipped or missed")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    url: Url = None,
    token: Token = None,
) -> None:
    """The newest runs of a task."""
    query: dict[str, str | int] = {"page": 1, "page_size": limit}
    if status:
        query["status"] = status
    body = request("GET", f"/api/scheduled-tasks/{task_id}/logs?{urlencode(query)}", url, token)
    table = Table("id", "trace_id", "status", "trigger", "started", "ms", "retry", "error")
    for run_log in body["data"]["items"]:
        table.add_row(
            str(run_log["id"]),
            run_log["trace_id"] or "",
            run_log["status"] or "",
            run_log["trigger"] or "",
            run_log["started_at"] or "-",
            str(run_log["duration_ms"] if run_log["duration_ms"] is not None else "-"),
            str(run_log["retry_count"]),
            (run_log["error"] or "")[:80],
        )
    console.print(table)


@task_app.command("next")
def next_runs(
    task_id: int,
    count: Annotated[int, typer.Option(min=1, max=100)] = 5,
    url: Url = None,
    token: Token = None,
) -> None:
    """The task's next fire times in its timezone."""
    data = request("GET", f"/api/scheduled-tasks/{task_id}/next-runs?count={count}", url, token)["data"]
    console.print(data["descriptions"]["en"])
    zone = ZoneInfo(data["timezone"])
    for moment in data["next_runs"]:
        local = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(zone)
        console.print(local.isoformat(), highlight=False)
