"""`vwed script ...`: start, stop, list and call script services of a running server over its HTTP API."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from vwed.cli.client import Token, Url, console, parse_json, request

script_app = typer.Typer(
    help="Script services on a running server: start, stop, ls, call.", no_args_is_help=True
)


@script_app.command("start")
def start(
    script_path: Annotated[str, typer.Argument(help="projects/<project>/<file> or a unique file path")],
    params: Annotated[str, typer.Option("--params", help="start_params as a JSON object")] = "{}",
    restart_policy: Annotated[str, typer.Option("--restart-policy", help="never or on-failure")] = "never",
    url: Url = None,
    token: Token = None,
) -> None:
    """Start a script service and print its script_id."""
    start_params = parse_json(params, "--params")
    with console.status(f"Starting {script_path}..."):
        body = request(
            "POST",
            "/api/script/scripts/start",
            url,
            token,
            {"script_path": script_path, "start_params": start_params, "restart_policy": restart_policy},
        )
    console.print(body["message"])
    console.print(body["script_id"], highlight=False, soft_wrap=True)


@script_app.command("stop")
def stop(script_id: str, url: Url = None, token: Token = None) -> None:
    """Stop a script service."""
    with console.status(f"Stopping {script_id}..."):
        body = request("POST", f"/api/script/scripts/{script_id}/stop", url, token)
    console.print(body["message"])


@script_app.command("ls")
def ls(url: Url = None, token: Token = None) -> None:
    """List the script services of the server."""
    body = request("GET", "/api/script/scripts/running", url, token)
    table = Table(
        "script_id", "path", "status", "started", "apis", "functions", "events", "timers", "message"
    )
    for row in body["data"]:
        counts = row["registrations"]
        table.add_row(
            row["script_id"],
            row["script_path"],
            row["status"],
            row["started_at"] or "",
            *(str(counts[k]) for k in ("apis", "functions", "events", "timers")),
            row.get("message") or "",
        )
    console.print(table)


@script_app.command("call")
def call(
    script_id: str,
    function_name: str,
    args: Annotated[str, typer.Argument(help="function_args as JSON")] = "null",
    url: Url = None,
    token: Token = None,
) -> None:
    """Call a function a running script registered and print its result as JSON."""
    body = request(
        "POST",
        "/api/script/scripts/execute-function",
        url,
        token,
        {"script_id": script_id, "function_name": function_name, "function_args": parse_json(args, "args")},
    )
    typer.echo(json.dumps(body["result"], ensure_ascii=False, indent=2))
    console.print(f"[dim]{body['execution_time_ms']} ms[/]")
