"""The `VWED` object a script service sees: `api`, `function`, `event`, `timer`, `log`, `data`, `util`,
`http`.

Each module is a thin front over the service runtime (`service.ServiceRuntime`), which it reaches through
the `Host` protocol: registrations are recorded there, calls to other scripts and HTTP requests are
questions to the host, log lines and events are frames. Standard library only.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime
from email.message import Message
from typing import Any, Protocol

from .wire import Text, Texts, text

Handler = Callable[..., Any]
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def now_iso() -> str:
    """The local time as the seed shows it: `2025-09-11T12:00:00.123456`."""
    return datetime.now().isoformat()


class Host(Protocol):
    """What the `VWED` modules need from the service runtime."""

    loop: asyncio.AbstractEventLoop
    script_id: str
    start_params: dict[str, Any]
    texts: Texts

    def register(self, kind: str, func: Handler, entry: dict[str, Any]) -> None:
        """Record a route, function or listener."""

    def add_timer(self, func: Handler, kind: str, interval: float, delay: float) -> None:
        """Record a timer."""

    async def ask(self, frame: dict[str, Any], failure: type[Exception]) -> Any:
        """Send a question frame to the host; its answer's value, or `failure` with the host's reason."""

    def wait(self, coro: Coroutine[Any, Any, Any], timeout: float | None, what: str) -> Any:
        """Run `coro` on the loop from a worker thread and wait for its value."""

    def emit(self, event: str, data: Any) -> None:
        """Send an event to the host."""

    def log(self, level: str, message: str | Text, data: dict[str, Any], source: str = "log") -> None:
        """Send a log line to the host."""


class ApiModule:
    """`VWED.api`: HTTP routes served under `/api/custom`."""

    def __init__(self, runtime: Host) -> None:
        self._runtime = runtime

    def register(
        self, path: str, method: str = "GET", description: str = "", timeout: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Register the decorated function as the handler of `method path`."""

        def decorate(func: Handler) -> Handler:
            route = "/" + path.lstrip("/")
            self._runtime.register(
                "routes",
                func,
                {"method": method.upper(), "path": route, "description": description, "timeout": timeout},
            )
            return func

        return decorate

    def get(
        self, path: str, description: str = "", timeout: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Register a GET route."""
        return self.register(path, "GET", description, timeout)

    def post(
        self, path: str, description: str = "", timeout: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Register a POST route."""
        return self.register(path, "POST", description, timeout)

    def put(
        self, path: str, description: str = "", timeout: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Register a PUT route."""
        return self.register(path, "PUT", description, timeout)

    def delete(
        self, path: str, description: str = "", timeout: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Register a DELETE route."""
        return self.register(path, "DELETE", description, timeout)


class FunctionModule:
    """`VWED.function`: named functions callable through `execute-function` and the task system."""

    def __init__(self, runtime: Host) -> None:
        self._runtime = runtime

    def register(
        self,
        name: str,
        description: str = "",
        parameters: list[dict[str, Any]] | None = None,
        return_schema: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        timeout: float | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register the decorated function (sync or async) under `name`."""

        def decorate(func: Handler) -> Handler:
            self._runtime.register(
                "functions",
                func,
                {
                    "name": name,
                    "description": description,
                    "parameters": parameters or [],
                    "return_schema": return_schema or {},
                    "tags": list(tags or []),
                    "is_async": inspect.iscoroutinefunction(func),
                    "timeout": timeout,
                },
            )
            return func

        return decorate

    async def call(self, name: str, args: Any = None) -> Any:
        """Call a function registered by a running script of the same owner (this one included).

        Raises `FunctionCallFailed` when it failed or no script of this owner registered `name`.
        """
        frame = {"t": "invoke", "name": name, "args": {} if args is None else args}
        return await self._runtime.ask(frame, FunctionCallFailed)

    def call_sync(self, name: str, args: Any = None, timeout: float | None = None) -> Any:
        """`call` from synchronous code (a sync handler's worker thread), waiting at most `timeout`."""
        return self._runtime.wait(self.call(name, args), timeout, "VWED.function.call")


class FunctionCallFailed(Exception):
    """`VWED.function.call` reached a function that failed, or none was registered."""


class EventModule:
    """`VWED.event`: listeners (lower priority runs first, across all scripts) and `emit`."""

    def __init__(self, runtime: Host) -> None:
        self._runtime = runtime

    def listen(
        self, event: str, priority: int = 1, timeout: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Call the decorated function with each `event`'s data."""

        def decorate(func: Handler) -> Handler:
            self._runtime.register(
                "listeners", func, {"event": event, "priority": int(priority), "timeout": timeout}
            )
            return func

        return decorate

    def on(self, event: str, priority: int = 1, timeout: float | None = None) -> Callable[[Handler], Handler]:
        """Alias of `listen`."""
        return self.listen(event, priority, timeout)

    async def emit(self, event: str, data: Any = None) -> None:
        """Deliver `data` to the listeners of `event` in running scripts of the same owner."""
        self._runtime.emit(event, data if data is not None else {})


class TimerModule:
    """`VWED.timer`: periodic and one-shot callbacks run inside this script."""

    def __init__(self, runtime: Host) -> None:
        self._runtime = runtime

    def interval(
        self, seconds: float, repeat: bool = True, delay: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Run every `seconds`; the first run comes after `delay` (default: one interval)."""

        def decorate(func: Handler) -> Handler:
            first = seconds if delay is None else delay
            self._runtime.add_timer(func, "interval" if repeat else "once", float(seconds), float(first))
            return func

        return decorate

    def every(self, seconds: float, delay: float | None = None) -> Callable[[Handler], Handler]:
        """Alias of `interval(seconds)`."""
        return self.interval(seconds, True, delay)

    def once(self, delay: float = 0) -> Callable[[Handler], Handler]:
        """Run once after `delay` seconds."""

        def decorate(func: Handler) -> Handler:
            self._runtime.add_timer(func, "once", 0.0, float(delay))
            return func

        return decorate


class LogModule:
    """`VWED.log`: lines pushed to the platform (WebSocket, log store) with structured keyword data."""

    def __init__(self, runtime: Host) -> None:
        self._runtime = runtime

    async def info(self, message: Any, **data: Any) -> None:
        """Log at INFO."""
        self._runtime.log("INFO", str(message), data)

    async def warning(self, message: Any, **data: Any) -> None:
        """Log at WARNING."""
        self._runtime.log("WARNING", str(message), data)

    async def error(self, message: Any, **data: Any) -> None:
        """Log at ERROR."""
        self._runtime.log("ERROR", str(message), data)

    async def debug(self, message: Any, **data: Any) -> None:
        """Log at DEBUG."""
        self._runtime.log("DEBUG", str(message), data)

    def sync_info(self, message: Any, **data: Any) -> None:
        """Log at INFO from synchronous code."""
        self._runtime.log("INFO", str(message), data)

    def sync_warning(self, message: Any, **data: Any) -> None:
        """Log at WARNING from synchronous code."""
        self._runtime.log("WARNING", str(message), data)

    def sync_error(self, message: Any, **data: Any) -> None:
        """Log at ERROR from synchronous code."""
        self._runtime.log("ERROR", str(message), data)

    def sync_debug(self, message: Any, **data: Any) -> None:
        """Log at DEBUG from synchronous code."""
        self._runtime.log("DEBUG", str(message), data)


class DataModule:
    """`VWED.data`: a key-value store private to this script, kept while it runs."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._lock = threading.Lock()

    def set(self, key: str, value: Any) -> None:
        """Store `value` under `key`."""
        with self._lock:
            self._values[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        """The value of `key`, or `default`."""
        with self._lock:
            return self._values.get(key, default)

    def has(self, key: str) -> bool:
        """Whether `key` is stored."""
        with self._lock:
            return key in self._values

    def keys(self) -> list[str]:
        """Every stored key."""
        with self._lock:
            return list(self._values)

    def delete(self, key: str) -> bool:
        """Remove `key`; whether it was there."""
        with self._lock:
            return self._values.pop(key, None) is not None

    def clear(self) -> None:
        """Remove every key."""
        with self._lock:
            self._values.clear()


class UtilModule:
    """`VWED.util`: time, sleep and ids."""

    @staticmethod
    def now() -> str:
        """The current local time as an ISO string."""
        return now_iso()

    @staticmethod
    def timestamp() -> float:
        """The current Unix time in seconds."""
        return time.time()

    @staticmethod
    def sleep(seconds: float) -> None:
        """Block this handler for `seconds` (sync handlers run in worker threads, so the script goes on)."""
        time.sleep(seconds)

    @staticmethod
    async def async_sleep(seconds: float) -> None:
        """Await `seconds`."""
        await asyncio.sleep(seconds)

    @staticmethod
    def uuid() -> str:
        """A random UUID4 string."""
        return str(uuid.uuid4())


class Vwed:
    """The global `VWED` object a script sees."""

    def __init__(self, runtime: Host) -> None:
        self._runtime = runtime
        self.http = HttpModule(runtime)
        self.api = ApiModule(runtime)
        self.function = FunctionModule(runtime)
        self.event = EventModule(runtime)
        self.timer = TimerModule(runtime)
        self.log = LogModule(runtime)
        self.data = DataModule()
        self.util = UtilModule()

    def get_script_id(self) -> str:
        """This service's `script_id`."""
        return self._runtime.script_id

    def get_start_params(self) -> dict[str, Any]:
        """The `start_params` the service was started with."""
        return dict(self._runtime.start_params)


class HttpFailed(Exception):
    """`VWED.http` got no response: the host refused the request (egress policy, size or time cap) or the
    connection failed; the message says which. A response with an error status is returned, not raised."""


class HttpResponse:
    """What `VWED.http` returns: `status`, `headers` (lower-case names), `body` (bytes), `text`, `json()`."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes, url: str) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    @property
    def ok(self) -> bool:
        """Whether the status is below 400."""
        return self.status < 400

    @property
    def text(self) -> str:
        """The body decoded with the charset of its `content-type` (UTF-8 when none is named)."""
        header = Message()
        header["content-type"] = self.headers.get("content-type", "")
        charset = header.get_content_charset() or "utf-8"
        try:
            return self.body.decode(charset, "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON (raises `ValueError` when it is not)."""
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<HttpResponse {self.status} {self.url} {len(self.body)} bytes>"


class HttpModule:
    """`VWED.http`: outbound HTTP(S) done by the host through the platform's egress guard.

    Loopback, private and cloud-metadata addresses are refused unless `VWED_EGRESS_ALLOW` names them;
    the response body and the time a request may take are capped by the host. `get`, `post` and
    `request` are coroutines; `get_sync`, `post_sync` and `request_sync` wait from synchronous handlers.
    """

    def __init__(self, runtime: Host) -> None:
        self._runtime = runtime

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a cap the host applies, not a local wait
    ) -> HttpResponse:
        """Send one request; `json` is a JSON body, `data` a form (dict), text or bytes."""
        verb = str(method).upper()
        if verb not in HTTP_METHODS:
            raise ValueError(self._runtime.texts.render(text("child_http_method", method=repr(method)[:40])))
        frame: dict[str, Any] = {
            "t": "http",
            "method": verb,
            "url": str(url),
            "params": params or {},
            "headers": {str(k): str(v) for k, v in (headers or {}).items()},
            "timeout": timeout,
        }
        if json is not None:
            frame["json"] = json
        elif isinstance(data, dict):
            frame["form"] = {str(k): str(v) for k, v in data.items()}
        elif data is not None:
            raw = data if isinstance(data, bytes) else str(data).encode()
            frame["content"] = base64.b64encode(raw).decode()
        answer = await self._runtime.ask(frame, HttpFailed)
        return HttpResponse(
            int(answer["status"]),
            dict(answer.get("headers") or {}),
            base64.b64decode(answer.get("body") or ""),
            str(answer.get("url") or url),
        )

    async def get(self, url: str, **options: Any) -> HttpResponse:
        """GET `url` (options as for `request`)."""
        return await self.request("GET", url, **options)

    async def post(self, url: str, **options: Any) -> HttpResponse:
        """POST to `url` (options as for `request`)."""
        return await self.request("POST", url, **options)

    def request_sync(self, method: str, url: str, **options: Any) -> HttpResponse:
        """`request` from synchronous code (a sync handler's worker thread)."""
        response: HttpResponse = self._runtime.wait(
            self.request(method, url, **options), None, "VWED.http.request"
        )
        return response

    def get_sync(self, url: str, **options: Any) -> HttpResponse:
        """`get` from synchronous code."""
        return self.request_sync("GET", url, **options)

    def post_sync(self, url: str, **options: Any) -> HttpResponse:
        """`post` from synchronous code."""
        return self.request_sync("POST", url, **options)
