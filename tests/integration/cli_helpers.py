"""Running the `vwed` CLI in-process against a test server, as an operator with the admin token would."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from tests.conftest import ADMIN_TOKEN
from vwed.cli.main import app as cli


async def run_cli(*args: str) -> tuple[int, str]:
    """Exit code and output of `vwed <args>`, run in a thread so the test's server keeps serving."""
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        list(args),
        env={"VWED_TOKEN": ADMIN_TOKEN, "COLUMNS": "250"},
        catch_exceptions=False,
    )
    return result.exit_code, result.output
