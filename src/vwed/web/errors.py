"""Exception handlers: every failure leaves as `{"success": false, "error": ...}`, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from vwed.errors import Unauthorized, VwedError
from vwed.i18n import MESSAGES, Lang, negotiate, translate

log = logging.getLogger("vwed.web")

# pydantic error types -> our message keys, with the context value each message needs
_PYDANTIC_KEYS = {
    "missing": "field_required",
    "string_too_long": "field_too_long",
    "json_invalid": "invalid_json",
}


def failure(status: int, message: str, **extra: Any) -> JSONResponse:
    """The seed's failure envelope."""
    return JSONResponse({"success": False, "error": message, **extra}, status_code=status)


def _lang(request: Request) -> Lang:
    return negotiate(request.headers.get("accept-language"))


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or str(loc[0] if loc else "body")


def _field_message(error: dict[str, Any], lang: Lang) -> str:
    key = _PYDANTIC_KEYS.get(error["type"], error["type"])
    if key in MESSAGES:
        ctx = error.get("ctx") or {}
        return translate(key, lang, limit=ctx.get("max_length"))
    return str(error["msg"])


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(VwedError)
    async def vwed_error(request: Request, exc: VwedError) -> JSONResponse:
        response = failure(exc.status_code, translate(exc.key, _lang(request), **exc.params))
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = _lang(request)
        detail = [
            {"field": _field(tuple(e["loc"])), "message": _field_message(e, lang)} for e in exc.errors()
        ]
        return failure(400, translate("validation_failed", lang), detail=detail)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        lang = _lang(request)
        if exc.status_code == 404:
            message = translate("route_not_found", lang, path=request.url.path)
        elif exc.status_code == 405:
            message = translate("method_not_allowed", lang, method=request.method)
        else:
            message = str(exc.detail)
        return failure(exc.status_code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return failure(500, translate("internal_error", _lang(request)))
