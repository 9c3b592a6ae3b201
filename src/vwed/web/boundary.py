"""The one boundary every HTTP request crosses before a handler sees it, and the last word on errors.

`RequestBoundary` is an ASGI middleware that

- caps every request body (`VWED_MAX_BODY_BYTES`), from `Content-Length` at once and while reading;
- parses a JSON body once with the platform's rules (`check_json`): nesting depth, integers within
  64 bits, no NaN/Infinity, and on the platform's own API no NUL or lone surrogates in any string (the
  databases cannot store them); the parsed value is handed on, so custom routes do not parse again;
- refuses NUL in the path and query of the platform's own API;
- answers an error that escaped every handler with the 500 envelope itself, so the server does not
  close the keep-alive connection as it does for an exception that reaches it.

Nothing here knows a route; rules that depend on one field live in the request models.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from vwed.config import Settings
from vwed.errors import FieldProblem, InvalidFields, PayloadTooLarge, VwedError
from vwed.i18n import negotiate
from vwed.web.errors import failure_body

log = logging.getLogger("vwed.web")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CUSTOM_PREFIX = "/api/custom"
# Where the parsed JSON body waits for the handler (request.state of Starlette is scope["state"]).
STATE_KEY = "vwed_json_body"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class JsonRules:
    """What a JSON body may contain; `plain_text` also refuses NUL and lone surrogates in strings."""

    max_depth: int
    plain_text: bool = True


class _Rejected:
    """A number the parser met that the rules refuse, kept until the walk knows its field path."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key


def _parse_int(text: str) -> int | _Rejected:
    # Digits beyond 20 cannot be in range; checking the length first keeps int() cheap on hostile input.
    if len(text) > 20:
        return _Rejected("json_int_range")
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else _Rejected("json_int_range")


def _parse_float(text: str) -> float | _Rejected:
    value = float(text)
    return value if value not in (float("inf"), float("-inf")) else _Rejected("json_not_finite")


def _parse_constant(_text: str) -> _Rejected:
    return _Rejected("json_not_finite")


def parse_json(raw: bytes) -> Any:
    """`raw` as JSON with numbers the rules refuse kept as markers; `ValueError` if it is not JSON."""
    try:
        return json.loads(raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except RecursionError:
        # Deeper than the parser can go is deeper than any limit: report it at the top.
        return _Rejected("json_too_deep")


def check_json(value: Any, rules: JsonRules, root: str = "body") -> list[FieldProblem]:
    """Every way `value` (parsed by `parse_json`) breaks `rules`, each naming its field path."""
    problems: list[FieldProblem] = []
    stack: list[tuple[Any, str, int]] = [(value, root, 0)]
    while stack and len(problems) < 20:
        item, path, depth = stack.pop()
        if isinstance(item, _Rejected):
            params = {"limit": rules.max_depth} if item.key == "json_too_deep" else {}
            problems.append(FieldProblem(path, item.key, params))
        elif isinstance(item, str):
            if rules.plain_text and _BAD_TEXT.search(item):
                problems.append(FieldProblem(path, "field_bad_text"))
        elif isinstance(item, dict | list):
            if depth >= rules.max_depth:
                problems.append(FieldProblem(path, "json_too_deep", {"limit": rules.max_depth}))
                continue
            if isinstance(item, dict):
                for key, child in item.items():
                    child_path = key if path == root else f"{path}.{key}"
                    if rules.plain_text and _BAD_TEXT.search(key):
                        problems.append(FieldProblem(child_path, "field_bad_text"))
                    stack.append((child, child_path, depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
    return problems


def _is_json(content_type: str | None, custom: bool) -> bool:
    if not content_type:
        # FastAPI reads a body without a type as JSON; a custom route takes it as text.
        return not custom
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class RequestBoundary:
    """The ASGI middleware described in the module docstring.

    Args:
        app: the application inside.
        settings: read on every request (`max_body_bytes`, `max_json_depth`).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = negotiate(_header(scope, b"accept-language"))
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            replay = await self._admit(scope, receive)
        except VwedError as exc:
            await self._answer(send, exc.status_code, failure_body(exc, lang))
            return
        try:
            await self.app(scope, replay, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await self._answer(send, 500, failure_body(VwedError("internal_error"), lang))

    async def _admit(self, scope: Scope, receive: Receive) -> Receive:
        """Check the request line and body; return the `receive` the application reads the body from."""
        path: str = scope.get("path", "")
        custom = path == CUSTOM_PREFIX or path.startswith(CUSTOM_PREFIX + "/")
        if not custom and (b"%00" in scope.get("query_string", b"") or "\x00" in path):
            raise InvalidFields([FieldProblem("url", "url_bad_text")])
        if not custom and b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            raise InvalidFields([FieldProblem("url", "url_bad_text")])
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            raise PayloadTooLarge(size=int(declared), limit=self.settings.max_body_bytes)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; let the application see it.
                return _replay(b"".join(chunks), receive, first=message)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.settings.max_body_bytes:
                raise PayloadTooLarge(size=size, limit=self.settings.max_body_bytes)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(_header(scope, b"content-type"), custom):
            self._check_json(scope, body, JsonRules(self.settings.max_json_depth, plain_text=not custom))
        return _replay(body, receive)

    def _check_json(self, scope: Scope, body: bytes, rules: JsonRules) -> None:
        try:
            value = parse_json(body)
        except ValueError:
            return  # not JSON: the handler reports it (or, on a custom route, takes it as text)
        problems = check_json(value, rules)
        if problems:
            raise InvalidFields(problems)
        scope.setdefault("state", {})[STATE_KEY] = value

    @staticmethod
    async def _answer(send: Send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive, first: Message | None = None) -> Receive:
    """A `receive` that hands out the body read already, then whatever the client sends next."""
    pending: list[Message] = [first] if first else [{"type": "http.request", "body": body}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay


def parsed_body(scope: Scope) -> tuple[bool, Any]:
    """The JSON body the boundary parsed for the request of `scope`: `(found, value)`."""
    values = scope.get("state") or {}
    if STATE_KEY in values:
        return True, values[STATE_KEY]
    return False, None
