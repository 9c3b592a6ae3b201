"""The seed's envelope as OpenAPI types, the error responses every operation declares, and the schema
clean-up (no 422: validation errors are 400 here).

Routes declare `**answers(DataModel, 404, 409)`: a typed 200 (`{"success": true, "message"?, "data": ...}`)
and the failures they can send, each with the failure envelope. The web UI's TypeScript client is
generated from this schema, so it must say what the server really sends.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar, get_args

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from vwed.db.base import ResponseBody

T = TypeVar("T")

# Every authenticated operation can answer these; routes add the others they send.
COMMON_ERRORS = (400, 401, 500)
DESCRIPTIONS = {
    400: "Bad input (also every validation error), with `detail` naming the fields",
    401: "Missing or invalid bearer token",
    403: "The token may not do this",
    404: "No such resource (or it belongs to another tenant)",
    405: "The path exists, but not for this method",
    409: "Conflict with existing state",
    500: "Internal error (or the script's handler failed)",
    503: "A needed service is not running, or the system is busy",
}


class FieldError(ResponseBody):
    """One invalid field: its path (`notify_channels[0]`) and what is wrong, in the caller's language."""

    field: str
    message: str


class Failure(ResponseBody):
    """The seed's failure envelope."""

    success: Literal[False]
    error: str
    detail: list[FieldError] | None = None


class Envelope(ResponseBody, Generic[T]):
    """The seed's success envelope around typed `data`."""

    success: Literal[True]
    message: str | None = None
    data: T | None = None


class Done(ResponseBody):
    """A success envelope with a message and no data."""

    success: Literal[True]
    message: str | None = None


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for failure `codes` (and the common ones), each with the failure envelope."""
    return {
        code: {"model": Failure, "description": DESCRIPTIONS[code]}
        for code in sorted({*COMMON_ERRORS, *codes})
    }


def with_errors(ok: dict[str, Any], *codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses: `ok` (an untyped 200: text, HTML, a script's own answer) and failure `codes`."""
    return {200: ok, **errors(*codes)}


def answers(data: Any, *codes: int) -> dict[str, Any]:
    """Route options: a 200 of `Envelope[data]` (or `data` itself when it has `success`) and the failures
    `codes`. Fields a handler leaves out stay out of the answer (`message` among them)."""
    # A model with its own `success` is a whole answer already (the seed puts some fields top level).
    whole = (
        isinstance(data, type)
        and issubclass(data, BaseModel)
        and "success" in data.model_fields
        and get_args(data.model_fields["success"].annotation) == (True,)
    )
    model = data if whole else Envelope[data]
    return {"response_model": model, "response_model_exclude_unset": True, "responses": errors(*codes)}


def install(app: FastAPI) -> None:
    """Serve the schema without FastAPI's 422 responses and their models (validation answers 400)."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            for path in document.get("paths", {}).values():
                for operation in path.values():
                    responses = operation.get("responses", {})
                    responses.pop("422", None)
                    for status, response in responses.items():
                        content = response.get("content", {})
                        # Failures are JSON even where success is text or HTML (FastAPI assumes not).
                        if status[0] in "45" and content and "application/json" not in content:
                            response["content"] = {"application/json": next(iter(content.values()))}
            models = document.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                models.pop(name, None)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]
