"""Security headers on every HTTP response, and a cap on request bodies, as one ASGI middleware.

Every response gets `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (a `?token=` in a
page's URL never leaves in a Referer) and `X-Frame-Options: DENY`. A Content-Security-Policy is added
unless the route set its own: HTML pages may load scripts, styles, fonts, images and workers from this
server only (`blob:` workers for the editor, inline styles for the UI framework), and connect only to
this server; other responses allow nothing at all. No page may be framed (`frame-ancestors 'none'`).
The interactive API docs at `/docs` load Swagger UI from its CDN and get a policy allowing just that.

Bodies larger than `VWED_MAX_REQUEST_BYTES` are refused before the application reads them, so a huge
JSON document is never parsed.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vwed.i18n import negotiate, translate

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
FIXED = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


def page_csp(script_hashes: list[str]) -> str:
    """The page policy, also allowing inline scripts with these `sha256-...` hashes."""
    allowed = " ".join(f"'{h}'" for h in script_hashes)
    return PAGE_CSP.replace("script-src 'self'", f"script-src 'self' {allowed}".rstrip(), 1)


class BodyTooLarge(Exception):
    """The request body passed the cap while it was being read."""


class SecurityHeaders:
    """The middleware; `max_body` is the request body cap in bytes."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, send, int(declared))
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _secured(list(message.get("headers") or []))
            await send(message)

        try:
            await self.app(scope, limited, with_headers)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, send, seen)

    async def _too_large(self, scope: Scope, send: Send, size: int) -> None:
        headers = dict(scope.get("headers") or [])
        lang = negotiate(headers.get(b"accept-language", b"").decode("latin-1") or None)
        body = orjson.dumps(
            {"success": False, "error": translate("payload_too_large", lang, size=size, limit=self.max_body)}
        )
        start: dict[str, Any] = {
            "type": "http.response.start",
            "status": 400,
            "headers": _secured([(b"content-type", b"application/json")]),
        }
        await send(start)
        await send({"type": "http.response.body", "body": body})


def _secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {name.lower() for name, _ in headers}
    out = list(headers)
    out += [(name, value) for name, value in FIXED if name not in names]
    if b"content-security-policy" not in names:
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        policy = PAGE_CSP if content_type.startswith(b"text/html") else API_CSP
        out.append((b"content-security-policy", policy.encode()))
    return out
