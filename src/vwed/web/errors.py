"""Exception handlers: every failure leaves as `{"success": false, "error": ...}`, never a stack trace.

Field errors add `"detail": [{"field": "<path>", "message": "..."}]`, with the path naming the field
(`notify_channels[0]`) and the message in the caller's language, whether pydantic or a rule of ours
found the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from vwed.errors import FieldProblem, InvalidFields, VwedError
from vwed.i18n import Lang, field_message, field_path, negotiate, translate

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def failure(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """The seed's failure envelope."""
    return JSONResponse({"success": False, "error": message, **extra}, status_code=status, headers=headers)


def problems_detail(problems: Sequence[FieldProblem], lang: Lang) -> list[dict[str, str]]:
    """The envelope's `detail` list for field problems found by our own rules."""
    return [{"field": p.field, "message": translate(p.key, lang, **p.params)} for p in problems]


def failure_content(exc: VwedError, lang: Lang) -> dict[str, Any]:
    """The envelope of a `VwedError` in `lang` (with `detail` for invalid fields)."""
    content: dict[str, Any] = {"success": False, "error": translate(exc.key, lang, **exc.params)}
    if isinstance(exc, InvalidFields):
        content["detail"] = problems_detail(exc.problems, lang)
    return content


def failure_body(exc: VwedError, lang: Lang) -> bytes:
    """`failure_content` as JSON bytes, for code that answers below the framework (middleware)."""
    return orjson.dumps(failure_content(exc, lang))


def allowed_methods(request: Request) -> str:
    """The `Allow` header of a 405: each method some route of the app serves at the request's path
    (Starlette's own names only the first route it found there)."""
    routes = request.app.routes
    served = [
        method
        for method in METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    return ", ".join(served)


def _lang(request: Request) -> Lang:
    return negotiate(request.headers.get("accept-language"))


def install(app: FastAPI) -> None:
    """Register the handlers on `app` (unhandled errors are answered by `vwed.web.boundary`)."""

    @app.exception_handler(VwedError)
    async def vwed_error(request: Request, exc: VwedError) -> Response:
        content = failure_content(exc, _lang(request))
        return JSONResponse(content, status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        lang = _lang(request)
        detail = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            # A JSON syntax error is located by character offset, which names no field.
            name = "body" if error["type"] == "json_invalid" else field_path(loc)
            detail.append({"field": name, "message": field_message(error, lang)})
        return failure(400, translate("validation_failed", lang), detail=detail)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        lang = _lang(request)
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            message = translate("route_not_found", lang, path=request.url.path)
        elif exc.status_code == 405:
            message = translate("method_not_allowed", lang, method=request.method)
            headers["Allow"] = allowed_methods(request)
        elif exc.status_code == 400:
            message = translate("invalid_body", lang)
        else:
            message = translate("http_error", lang, status=exc.status_code)
        return failure(exc.status_code, message, headers)
