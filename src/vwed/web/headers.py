"""Security headers on every HTTP response, as one ASGI middleware.

Every response gets `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (a `?token=` in a
page's URL never leaves in a Referer) and `X-Frame-Options: DENY`. A Content-Security-Policy is added
unless the route set its own: HTML pages may load scripts, styles, fonts, images and workers from this
server only (`blob:` workers for the editor, inline styles for the UI framework), and connect only to
this server; other responses allow nothing at all. No page may be framed (`frame-ancestors 'none'`).
Request bodies are capped in one other place, the request boundary (`vwed.web.boundary`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeaders:
    """The middleware: adds the fixed headers and the policy to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _secured(list(message.get("headers") or []))
            await send(message)

        await self.app(scope, receive, with_headers)


def _secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {name.lower() for name, _ in headers}
    out = list(headers)
    out += [(name, value) for name, value in FIXED if name not in names]
    if b"content-security-policy" not in names:
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        policy = PAGE_CSP if content_type.startswith(b"text/html") else API_CSP
        out.append((b"content-security-policy", policy.encode()))
    return out
