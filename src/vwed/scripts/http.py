"""`VWED.http` on the host: a script service's HTTP request, validated and done through the egress guard.

A tenant's service has no network of its own (DESIGN.md "Sandbox"); this is its way out. The child's
`http` frame is validated here, the request goes through the same guarded client and caps as the task
SDK's `http_get` (`VWED_SDK_HTTP_TIMEOUT`, `VWED_SDK_HTTP_MAX_BYTES`), and each service may have at most
`VWED_SCRIPT_HTTP_CONCURRENCY` requests in flight.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vwed.errors import BadRequest, Unavailable
from vwed.net.fetch import fetch

Scalar = str | int | float | bool | None


class HttpBadRequest(BadRequest):
    """A `VWED.http` call with arguments the platform does not accept."""

    default_key = "script_http_bad_request"


class HttpBusy(Unavailable):
    """The service already has as many requests in flight as it may."""

    default_key = "script_http_busy"


class HttpRequest(BaseModel):
    """The `http` frame of a service child."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    url: str = Field(max_length=8192)
    params: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict, max_length=200)
    headers: dict[str, str] = Field(default_factory=dict, max_length=100)
    json_body: Any = Field(default=None, alias="json")
    form: dict[str, str] | None = Field(default=None, max_length=1000)
    content: str | None = None
    timeout: float | None = Field(default=None, gt=0)

    def body(self) -> bytes | None:
        """The raw body (sent base64-encoded by the child), if any."""
        if self.content is None:
            return None
        try:
            return base64.b64decode(self.content, validate=True)
        except (binascii.Error, ValueError):
            raise HttpBadRequest(error="content is not base64") from None


class ServiceHttp:
    """Answers the `VWED.http` questions of every service on this node."""

    def __init__(self, client: httpx.AsyncClient, timeout: float, max_bytes: int, concurrency: int) -> None:
        self.client = client
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.concurrency = concurrency
        self.in_flight: dict[str, int] = {}

    async def answer(self, script_id: str, frame: dict[str, Any]) -> dict[str, Any]:
        """Do the request of `frame` for `script_id`: its status, headers, base64 body and final URL.

        Raises a `VwedError` whose message is what `HttpFailed` says in the script.
        """
        try:
            request = HttpRequest.model_validate(frame)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise HttpBadRequest(error=f"{where}: {first['msg']}") from None
        if self.in_flight.get(script_id, 0) >= self.concurrency:
            raise HttpBusy(limit=self.concurrency)
        self.in_flight[script_id] = self.in_flight.get(script_id, 0) + 1
        try:
            response = await fetch(
                self.client,
                request.method,
                request.url,
                max_bytes=self.max_bytes,
                timeout=min(request.timeout or self.timeout, self.timeout),
                headers=request.headers,
                params=request.params,
                json=request.json_body,
                data=request.form,
                content=request.body(),
            )
        finally:
            self.in_flight[script_id] -= 1
            if not self.in_flight[script_id]:
                del self.in_flight[script_id]
        headers: dict[str, str] = {}
        for name, value in response.headers:
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return {
            "status": response.status,
            "headers": headers,
            "body": base64.b64encode(response.content).decode(),
            "url": response.url,
        }

    async def aclose(self) -> None:
        """Close the shared client."""
        await self.client.aclose()
