"""The HTTP client the operator commands (`vwed script`, `vwed task`) use against a running server."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from vwed.config import Settings


def _width() -> int | None:
    """Rich's width: the terminal's when there is one; else `COLUMNS` or wide enough for any row, so a
    table piped to a file or another program is never cut at 80 columns."""
    if sys.stdout.isatty():
        return None
    return int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else 4000


console = Console(width=_width())

Url = Annotated[
    str | None,
    typer.Option("--url", envvar="VWED_URL", help="Server base URL [default: http://VWED_HOST:VWED_PORT]"),
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="VWED_TOKEN", help="Bearer token [default: VWED_ADMIN_TOKEN]"),
]


def request(method: str, path: str, url: str | None, token: str | None, body: Any = None) -> dict[str, Any]:
    """Call the server; print its error and exit 1 when it answers `success: false`."""
    settings = Settings()
    base = url or f"http://{settings.host}:{settings.port}"
    secret = token or (settings.admin_token.get_secret_value() if settings.admin_token else None)
    if not secret:
        console.print("[red]No token: pass --token or set VWED_TOKEN / VWED_ADMIN_TOKEN.[/]")
        raise typer.Exit(2)
    try:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=120
        ) as client:
            response = client.request(method, path, json=body)
    except httpx.HTTPError as exc:
        console.print(f"[red]Cannot reach {base}: {exc}[/]")
        raise typer.Exit(2) from None
    try:
        payload: dict[str, Any] = response.json()
    except ValueError:
        payload = {"success": False, "error": response.text}
    if not payload.get("success"):
        console.print(f"[red]{payload.get('error', response.status_code)}[/]")
        raise typer.Exit(1)
    return payload


def parse_json(text: str, what: str) -> Any:
    """`text` as JSON, or a clear usage error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"{what} is not valid JSON: {exc}") from None
