"""One HTTP request to a user-supplied URL, through an egress-guarded client, with a body cap and a timeout.

Every feature that fetches on a script's behalf uses this: the task SDK's `http_get` / `http_post` and
the services' `VWED.http`. The client must come from `vwed.net.egress.guarded_client`, so every
connection (redirects included) passes the egress policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from vwed.errors import BadRequest
from vwed.net.egress import validate_url


class ResponseTooLarge(BadRequest):
    """The response body is larger than the cap."""

    default_key = "http_too_large"


class FetchTimeout(BadRequest):
    """The request did not finish in time."""

    default_key = "http_timeout"


class FetchFailed(BadRequest):
    """The request failed (connection refused, TLS error, too many redirects, ...)."""

    default_key = "http_failed"


@dataclass(frozen=True)
class Fetched:
    """A complete response: status, headers in order, the whole body, the final URL, its charset."""

    status: int
    headers: list[tuple[str, str]]
    content: bytes
    url: str
    encoding: str | None

    @property
    def content_type(self) -> str:
        """The `content-type` header, or empty."""
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")

    @property
    def text(self) -> str:
        """The body decoded with its charset (UTF-8 when none is named)."""
        return self.content.decode(self.encoding or "utf-8", errors="replace")


async def fetch(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    max_bytes: int,
    timeout: float,  # noqa: ASYNC109 - passed to httpx, which applies it per connect, read and write
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    json: Any = None,
    data: dict[str, Any] | None = None,
    content: bytes | str | None = None,
) -> Fetched:
    """Send one request and read at most `max_bytes` of its body, within `timeout` seconds per step.

    Raises `InvalidUrl`, `EgressDenied` (from the guarded client), `ResponseTooLarge`, `FetchTimeout`
    or `FetchFailed`, each carrying the message a script sees.
    """
    validate_url(url)
    try:
        async with client.stream(
            method,
            url,
            headers=headers or None,
            params=params or None,
            json=json,
            data=data,
            content=content,
            timeout=timeout,
        ) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ResponseTooLarge(cap=max_bytes)
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise FetchTimeout(seconds=f"{timeout:g}") from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, UnicodeError) as exc:
        # InvalidURL and StreamError are not HTTPError; a bad header value is a UnicodeError or
        # a protocol error: all are the caller's request failing, not the platform.
        raise FetchFailed(error=str(exc) or type(exc).__name__) from None
    return Fetched(
        status=response.status_code,
        headers=list(response.headers.multi_items()),
        content=b"".join(chunks),
        url=str(response.url),
        encoding=response.encoding,
    )
