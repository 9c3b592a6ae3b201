"""What a run does, by `execution_type`: a registry of runners, with the webhook runner built in.

The script runner is registered by the sandboxed script runtime (`register_runner("script", ...)`);
until it is, a script run fails with a message saying so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from vwed.db.base import iso
from vwed.errors import VwedError
from vwed.i18n import translate

BODY_EXCERPT = 500


@dataclass(frozen=True)
class RunContext:
    """Everything a runner may use: the task row, the run's identity, a shared HTTP client, and the
    parameters a run-now passed (they override the task's `input_params`)."""

    task: dict[str, Any]
    trace_id: str
    retry_count: int
    scheduled_at: datetime | None
    http: httpx.AsyncClient
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: `ok`, its output (shown in the log), on failure the error, and a script's `result`."""

    ok: bool
    output: str | None = None
    error: str | None = None
    result: dict[str, Any] | None = None


Runner = Callable[[RunContext], Awaitable[RunOutcome]]
_RUNNERS: dict[str, Runner] = {}


def register_runner(execution_type: str, runner: Runner) -> None:
    """Make `runner` execute tasks of `execution_type` (replacing any earlier one)."""
    _RUNNERS[execution_type] = runner


def unregister_runner(execution_type: str, runner: Runner) -> None:
    """Remove `runner` for `execution_type` if it is still the registered one (its owner is stopping)."""
    if _RUNNERS.get(execution_type) == runner:
        del _RUNNERS[execution_type]


def runner_for(execution_type: str) -> Runner | None:
    """The runner of `execution_type`, if one is registered."""
    return _RUNNERS.get(execution_type)


def excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    """The first `limit` characters of `text`, marked when cut."""
    return text if len(text) <= limit else text[:limit] + "..."


async def run_webhook(context: RunContext) -> RunOutcome:
    """POST the task's `input_params`, id and trace id as JSON to its `webhook_url`; 2xx is success."""
    task = context.task
    payload = {
        "task_id": task["id"],
        "task_name": task["task_name"],
        "trace_id": context.trace_id,
        "retry_count": context.retry_count,
        "scheduled_at": iso(context.scheduled_at),
        "input_params": task["input_params"] or {},
    }
    try:
        response = await context.http.post(
            task["webhook_url"] or "",
            json=payload,
            headers={"X-VWED-Trace-Id": context.trace_id},
            timeout=float(task["timeout_seconds"]),
        )
    except VwedError as exc:
        return RunOutcome(ok=False, error=translate(exc.key, "zh", **exc.params))
    except httpx.TimeoutException:
        seconds = task["timeout_seconds"]
        return RunOutcome(ok=False, error=translate("run_webhook_timeout", "zh", seconds=seconds))
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return RunOutcome(ok=False, error=translate("run_webhook_network", "zh", reason=reason))
    body = excerpt(response.text)
    output = f"HTTP {response.status_code}\n{body}"
    if response.is_success:
        return RunOutcome(ok=True, output=output)
    error = translate("run_webhook_status", "zh", status=response.status_code, body=body)
    return RunOutcome(ok=False, output=output, error=error)


register_runner("webhook", run_webhook)
