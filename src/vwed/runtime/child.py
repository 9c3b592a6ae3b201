"""The script side of a script service: the zygote loop and the runtime a user's `boot()` runs in.

This module imports only the standard library, because it runs under `python -I -S` (no site-packages).
The host starts it once as a zygote (`child.py zygote <control fd> <host pid>`), which forks one child per
script, or per script as `child.py single <socket fd> <limits json> <workdir>` where forking is unsafe.

Frames on the script socket are a 4-byte big-endian length and a JSON object. The host sends `boot`,
`go`, `call`, `cancel`, `answer` and `stop`; the child sends `ready` / `failed`, `result`, `log`,
`emit`, `register`, `invoke` (a call of another script's function) and `hb` (heartbeat).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import ctypes
import functools
import importlib.util
import inspect
import io
import json
import os
import resource
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import types
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, cast

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024
HEARTBEAT_SECONDS = 5.0
HANDLER_THREADS = 8
SEND_STALL_SECONDS = 60.0
PR_SET_PDEATHSIG = 1
M_ARENA_MAX = -8
Handler = Callable[..., Any]


# -- frames -----------------------------------------------------------------------------------------


def pack(payload: bytes) -> bytes:
    """One frame: the payload's length, then the payload."""
    return HEADER.pack(len(payload)) + payload


class FrameSplitter:
    """Cuts a byte stream into frame payloads, however the bytes arrive."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every payload that is now complete."""
        self.buffer += data
        out: list[bytes] = []
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if size > MAX_FRAME:
                raise ValueError(f"frame of {size} bytes exceeds {MAX_FRAME}")
            end = HEADER.size + size
            if len(self.buffer) < end:
                break
            out.append(bytes(self.buffer[HEADER.size : end]))
            del self.buffer[:end]
        return out


def encode(message: dict[str, Any]) -> bytes:
    """A message as a frame; values JSON cannot carry are sent as their `str()`."""
    return pack(json.dumps(message, ensure_ascii=False, default=str).encode())


# -- sandbox (L0) -----------------------------------------------------------------------------------


def set_parent_death_signal(expected_parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit at once if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        # Few malloc arenas keep the address-space limit from being eaten by per-thread arenas.
        libc.mallopt(M_ARENA_MAX, 2)
    if os.getppid() != expected_parent:
        os._exit(70)


def apply_limits(limits: dict[str, int]) -> None:
    """Set the rlimits the host asked for; a limit above the current hard limit is lowered to it."""
    names = {
        "cpu_seconds": resource.RLIMIT_CPU,
        "address_space": resource.RLIMIT_AS,
        "open_files": resource.RLIMIT_NOFILE,
        "file_size": resource.RLIMIT_FSIZE,
    }
    for key, which in names.items():
        value = limits.get(key)
        if not value:
            continue
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def enter_sandbox(limits: dict[str, int], workdir: str, parent: int) -> None:
    """Become a script process: own session, parent-death signal, rlimits, empty env, private cwd."""
    os.setsid()
    set_parent_death_signal(parent)
    apply_limits(limits)
    os.environ.clear()
    os.makedirs(workdir, mode=0o700, exist_ok=True)
    os.chdir(workdir)
    os.umask(0o077)


# -- the VWED object --------------------------------------------------------------------------------


def now_iso() -> str:
    """The local time as the seed shows it: `2025-09-11T12:00:00.123456`."""
    return datetime.now().isoformat()


class ApiModule:
    """`VWED.api`: HTTP routes served under `/api/custom`."""

    def __init__(self, runtime: ServiceRuntime) -> None:
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

    def __init__(self, runtime: ServiceRuntime) -> None:
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
        """Call a function registered by any running script (this one included); raise if it failed."""
        return await self._runtime.ask_host(name, {} if args is None else args)

    def call_sync(self, name: str, args: Any = None, timeout: float | None = None) -> Any:
        """`call` from synchronous code (a sync handler's worker thread), waiting at most `timeout`."""
        future = asyncio.run_coroutine_threadsafe(self.call(name, args), self._runtime.loop)
        return future.result(timeout)


class FunctionCallFailed(Exception):
    """`VWED.function.call` reached a function that failed, or none was registered."""


class EventModule:
    """`VWED.event`: listeners (lower priority runs first, across all scripts) and `emit`."""

    def __init__(self, runtime: ServiceRuntime) -> None:
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
        """Deliver `data` to every running script's listeners of `event`."""
        self._runtime.send({"t": "emit", "event": event, "data": data if data is not None else {}})


class TimerModule:
    """`VWED.timer`: periodic and one-shot callbacks run inside this script."""

    def __init__(self, runtime: ServiceRuntime) -> None:
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

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime

    async def info(self, message: Any, **data: Any) -> None:
        """Log at INFO."""
        self._runtime.log("INFO", message, data)

    async def warning(self, message: Any, **data: Any) -> None:
        """Log at WARNING."""
        self._runtime.log("WARNING", message, data)

    async def error(self, message: Any, **data: Any) -> None:
        """Log at ERROR."""
        self._runtime.log("ERROR", message, data)

    async def debug(self, message: Any, **data: Any) -> None:
        """Log at DEBUG."""
        self._runtime.log("DEBUG", message, data)

    def sync_info(self, message: Any, **data: Any) -> None:
        """Log at INFO from synchronous code."""
        self._runtime.log("INFO", message, data)

    def sync_warning(self, message: Any, **data: Any) -> None:
        """Log at WARNING from synchronous code."""
        self._runtime.log("WARNING", message, data)

    def sync_error(self, message: Any, **data: Any) -> None:
        """Log at ERROR from synchronous code."""
        self._runtime.log("ERROR", message, data)

    def sync_debug(self, message: Any, **data: Any) -> None:
        """Log at DEBUG from synchronous code."""
        self._runtime.log("DEBUG", message, data)


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

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
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


class ScriptAsyncio(types.ModuleType):
    """The `asyncio` a script sees: the real module, whose `create_task` also works from sync handlers.

    Sync handlers run in worker threads; the seed's examples call `asyncio.create_task(...)` from them,
    which this schedules onto the script's event loop thread-safely.
    """

    def __init__(self, runtime: ServiceRuntime) -> None:
        super().__init__("asyncio", asyncio.__doc__)
        self._runtime = runtime

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    def create_task(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> Any:
        """Schedule `coro` on the script's loop, from the loop thread or any other."""
        return self._runtime.spawn(coro, name)

    def ensure_future(self, awaitable: Any) -> Any:
        """Like `asyncio.ensure_future`, usable from worker threads for coroutines."""
        if inspect.iscoroutine(awaitable):
            return self._runtime.spawn(awaitable, None)
        return asyncio.ensure_future(awaitable)

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        """The script's loop, also from worker threads."""
        return self._runtime.loop


class LogStream(io.TextIOBase):
    """`sys.stdout` / `sys.stderr` of a script: each written line becomes a log line."""

    def __init__(self, runtime: ServiceRuntime, level: str, source: str) -> None:
        self._runtime = runtime
        self._level = level
        self._source = source
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self._runtime.log(self._level, line, {}, self._source)
        return len(text)

    def flush(self) -> None:
        if self._partial:
            line, self._partial = self._partial, ""
            self._runtime.log(self._level, line, {}, self._source)


# -- the runtime ------------------------------------------------------------------------------------


class ScriptFailure(Exception):
    """`boot()` could not complete; `kind` says why (`load`, `no_boot`, `boot_error`)."""

    def __init__(self, kind: str, error: str) -> None:
        super().__init__(kind, error)
        self.kind = kind
        self.error = error


def describe(exc: BaseException) -> str:
    """`Type: message`, the way errors are reported to callers."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ServiceRuntime(asyncio.Protocol):
    """One script service: reads host frames, runs `boot()`, handlers, listeners and timers."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.write_lock = threading.Lock()
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        self.transport: asyncio.Transport | None = None
        self.splitter = FrameSplitter()
        self.closed = asyncio.Event()
        self.booted: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self.started = asyncio.Event()
        self.script_id = ""
        self.heartbeat_seconds = HEARTBEAT_SECONDS
        self.start_params: dict[str, Any] = {}
        self.handlers: dict[int, Handler] = {}
        self.registrations: dict[str, list[dict[str, Any]]] = {
            "routes": [],
            "functions": [],
            "listeners": [],
            "timers": [],
        }
        self.timer_funcs: list[tuple[Handler, dict[str, Any]]] = []
        self.calls: dict[int, asyncio.Task[None]] = {}
        self.questions: dict[int, asyncio.Future[Any]] = {}
        self.asked = 0
        self.background: set[Any] = set()
        self.pool = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="vwed-handler")

    # protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not derive from asyncio.Transport, but they implement it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        for payload in self.splitter.feed(data):
            self.handle(json.loads(payload))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()

    def send(self, message: dict[str, Any]) -> None:
        """Send a frame to the host at once, from the loop thread or any worker thread.

        Frames are written straight to the socket under a lock (the transport only reads), so a sync
        handler's reply or log line leaves without a hop back to the event loop.
        """
        frame = memoryview(encode(message))
        with self.write_lock:
            waited = 0.0
            while frame:
                try:
                    sent = self.sock.send(frame)
                except BlockingIOError:
                    # The host reads continuously; a full buffer for long means it is gone or stuck.
                    if waited >= SEND_STALL_SECONDS:
                        os._exit(75)
                    _readable, writable, _ = select.select([], [self.sock], [], 1.0)
                    waited += 0 if writable else 1.0
                    continue
                except OSError:
                    return  # the host closed the connection; the reader notices and we stop
                frame = frame[sent:]

    def log(self, level: str, message: Any, data: dict[str, Any], source: str = "log") -> None:
        """Send a log line to the host; `source` is `log`, `stdout` or `stderr`."""
        stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        self.send(
            {"t": "log", "level": level, "message": str(message), "data": data, "ts": stamp, "source": source}
        )

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None) -> Any:
        """Run `coro` on the loop; from another thread, return a `concurrent.futures.Future`."""
        if threading.get_ident() == self.loop_thread:
            task = self.loop.create_task(coro, name=name)
            self.background.add(task)
            task.add_done_callback(self._task_done)
            return task
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        future.add_done_callback(self._task_done)
        return future

    def _task_done(self, task: Any) -> None:
        self.background.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.log("ERROR", f"后台任务失败: {describe(exc)}", {"traceback": format_tb(exc)})

    # registration -----------------------------------------------------------------------------

    def register(self, kind: str, func: Handler, entry: dict[str, Any]) -> None:
        """Record a route, function or listener; after start-up it is announced to the host at once."""
        handler = len(self.handlers) + 1
        self.handlers[handler] = func
        entry = {**entry, "handler": handler, "target": getattr(func, "__name__", "handler")}
        self.registrations[kind].append(entry)
        if self.started.is_set():
            self.send({"t": "register", "kind": kind, "entry": entry})

    def add_timer(self, func: Handler, kind: str, interval: float, delay: float) -> None:
        """Record a timer; timers start once the host has accepted the service's registrations."""
        entry = {
            "timer_id": f"{self.script_id}:timer:{len(self.timer_funcs) + 1}",
            "name": getattr(func, "__name__", "timer"),
            "kind": kind,
            "interval_seconds": interval,
            "delay_seconds": delay,
            "registered_at": now_iso(),
        }
        self.timer_funcs.append((func, entry))
        self.registrations["timers"].append(entry)
        if self.started.is_set():
            self.send({"t": "register", "kind": "timers", "entry": entry})
            self.spawn(self.run_timer(func, entry), None)

    # frames from the host ---------------------------------------------------------------------

    def handle(self, message: dict[str, Any]) -> None:
        """Act on one frame from the host."""
        kind = message["t"]
        if kind == "call":
            func = self.handlers.get(message["handler"])
            if func is not None and not inspect.iscoroutinefunction(func):
                # Straight to a worker thread, which also sends the reply: no loop round trips.
                self.pool.submit(self.answer_sync, func, message)
                return
            task = self.loop.create_task(self.answer(message))
            self.calls[message["id"]] = task
            task.add_done_callback(functools.partial(self._call_done, message["id"]))
        elif kind == "cancel":
            running = self.calls.get(message["id"])
            if running is not None:
                running.cancel()
        elif kind == "boot":
            self.loop.create_task(self.boot(message))
        elif kind == "go":
            self.go()
        elif kind == "answer":
            waiter = self.questions.pop(message["id"], None)
            if waiter is not None and not waiter.done():
                if message["ok"]:
                    waiter.set_result(message.get("value"))
                else:
                    waiter.set_exception(FunctionCallFailed(message.get("error", "")))
        elif kind == "stop" and self.transport is not None:
            self.transport.close()

    async def ask_host(self, name: str, args: Any) -> Any:
        """Have the host run function `name` wherever it is registered; its value, or raise."""
        self.asked += 1
        waiter: asyncio.Future[Any] = self.loop.create_future()
        self.questions[self.asked] = waiter
        self.send({"t": "invoke", "id": self.asked, "name": name, "args": args})
        return await waiter

    def _call_done(self, call_id: int, _task: asyncio.Task[None]) -> None:
        self.calls.pop(call_id, None)

    async def invoke(self, func: Handler, *args: Any) -> Any:
        """Call a user function: coroutines on the loop, plain functions in a worker thread."""
        if inspect.iscoroutinefunction(func):
            return await func(*args)
        result = await self.loop.run_in_executor(self.pool, lambda: func(*args))
        if inspect.isawaitable(result):
            return await result
        return result

    async def answer(self, message: dict[str, Any]) -> None:
        """Run an async handler (or report a missing one) on the loop and reply."""
        func = self.handlers.get(message["handler"])
        try:
            if func is None:
                raise LookupError(f"handler {message['handler']} is not registered")
            value = await self.invoke(func, message.get("arg"))
        except asyncio.CancelledError:
            return
        except Exception as exc:
            self.reply_error(message, exc)
            return
        self.reply(message, value)

    def answer_sync(self, func: Handler, message: dict[str, Any]) -> None:
        """Run a sync handler in this worker thread and reply from here."""
        try:
            value = func(message.get("arg"))
            if inspect.isawaitable(value):
                value = asyncio.run_coroutine_threadsafe(_awaited(value), self.loop).result()
        except Exception as exc:
            self.reply_error(message, exc)
            return
        self.reply(message, value)

    def reply(self, message: dict[str, Any], value: Any) -> None:
        """Send a handler's value; a route's `(body, status)` pair travels as both."""
        reply: dict[str, Any] = {"t": "result", "id": message["id"], "ok": True}
        if (
            message.get("kind") == "route"
            and isinstance(value, tuple)
            and len(value) == 2
            and isinstance(value[1], int)
        ):
            reply["value"], reply["status"] = value
        else:
            reply["value"] = value
        self.send(reply)

    def reply_error(self, message: dict[str, Any], exc: BaseException) -> None:
        """Log a handler's exception with its traceback and report it to the caller."""
        self.log(
            "ERROR",
            f"{message.get('label', 'handler')} 执行失败: {describe(exc)}",
            {"traceback": format_tb(exc)},
        )
        self.send({"t": "result", "id": message["id"], "ok": False, "error": describe(exc)})

    # life cycle -------------------------------------------------------------------------------

    def script_globals(self) -> dict[str, Any]:
        """The module namespace of the user's script: `VWED` and `asyncio` need no import."""
        proxy = ScriptAsyncio(self)
        real_import = builtins.__import__

        def script_import(
            name: str,
            globals: dict[str, Any] | None = None,
            locals: dict[str, Any] | None = None,
            fromlist: tuple[str, ...] = (),
            level: int = 0,
        ) -> Any:
            if name == "asyncio" and level == 0:
                return proxy
            return real_import(name, globals, locals, fromlist, level)

        script_builtins = dict(vars(builtins))
        script_builtins["__import__"] = script_import
        return {
            "__name__": "__vwed_script__",
            "__builtins__": script_builtins,
            "VWED": Vwed(self),
            "asyncio": proxy,
        }

    async def boot(self, message: dict[str, Any]) -> None:
        """Load the script and run `boot()`; answer `ready` with the registrations or `failed`."""
        self.script_id = message["script_id"]
        self.heartbeat_seconds = float(message.get("heartbeat_seconds") or HEARTBEAT_SECONDS)
        self.start_params = message.get("start_params") or {}
        try:
            await self.load(message["source"])
        except ScriptFailure as failure:
            self.send({"t": "failed", "kind": failure.kind, "error": failure.error})
            if self.transport is not None:
                self.transport.close()
            return
        self.send({"t": "ready", "registrations": self.registrations})

    async def load(self, source: str) -> None:
        """Compile and run the module, then call its `boot()`; raise `ScriptFailure` on any failure."""
        try:
            code = compile(source, "<script>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            raise ScriptFailure("load", str(exc)) from None
        namespace = self.script_globals()
        try:
            await self.invoke(lambda: exec(code, namespace))  # noqa: S102 - running user code is the job
        except Exception as exc:
            raise ScriptFailure("load", describe(exc)) from None
        boot = namespace.get("boot")
        if not callable(boot):
            raise ScriptFailure("no_boot", "")
        try:
            takes_params = len(inspect.signature(boot).parameters) >= 1
        except (TypeError, ValueError):
            takes_params = False
        try:
            if takes_params:
                await self.invoke(boot, dict(self.start_params))
            else:
                await self.invoke(boot)
        except Exception as exc:
            self.log("ERROR", f"boot() 执行失败: {describe(exc)}", {"traceback": format_tb(exc)})
            raise ScriptFailure("boot_error", describe(exc)) from None

    def go(self) -> None:
        """The host accepted the registrations: start timers and heartbeats."""
        self.started.set()
        for func, entry in self.timer_funcs:
            self.spawn(self.run_timer(func, entry), None)
        self.spawn(self.heartbeat(), None)

    async def run_timer(self, func: Handler, entry: dict[str, Any]) -> None:
        """Run a timer's callback after its delay, then every interval for `interval` timers."""
        await asyncio.sleep(entry["delay_seconds"])
        while True:
            try:
                await self.invoke(func)
            except Exception as exc:
                self.log(
                    "ERROR",
                    f"定时任务 {entry['name']} 执行失败: {describe(exc)}",
                    {"traceback": format_tb(exc)},
                )
            if entry["kind"] != "interval":
                return
            await asyncio.sleep(max(entry["interval_seconds"], 0.001))

    async def heartbeat(self) -> None:
        """Tell the host every few seconds that the loop is alive."""
        while True:
            self.send({"t": "hb", "ts": time.time()})
            await asyncio.sleep(self.heartbeat_seconds)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def format_tb(exc: BaseException) -> str:
    """The traceback of `exc`, limited to frames of the user's script where possible."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<script>"]
    lines = traceback.format_list(frames) if frames else traceback.format_tb(exc.__traceback__)
    return "".join(lines) + describe(exc)


async def serve(sock: socket.socket) -> None:
    """Run one script service over `sock` until the host closes it or SIGTERM arrives."""
    loop = asyncio.get_running_loop()
    runtime = ServiceRuntime(sock)
    sys.stdout = LogStream(runtime, "INFO", "stdout")
    sys.stderr = LogStream(runtime, "ERROR", "stderr")
    loop.add_signal_handler(signal.SIGTERM, runtime.closed.set)
    await loop.create_unix_connection(lambda: runtime, sock=sock)
    await runtime.closed.wait()
    for task in list(runtime.calls.values()):
        task.cancel()
    if runtime.transport is not None and not runtime.transport.is_closing():
        runtime.transport.close()
    # Give the transport one turn to flush what is buffered.
    await asyncio.sleep(0)


def run_service(fd: int) -> None:
    """Serve the script on socket `fd`, then leave without running interpreter shutdown in threads."""
    code = 0
    try:
        asyncio.run(serve(socket.socket(fileno=fd)))
    except BaseException:
        code = 1
    finally:
        os._exit(code)


# -- the zygote -------------------------------------------------------------------------------------


def reap(control: socket.socket) -> None:
    """Report every exited child to the host with its exit code (negative: killed by that signal)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        control.send(json.dumps({"op": "exit", "pid": pid, "code": code}).encode())


_entries: dict[str, types.ModuleType] = {}


def load_entry(path: str) -> types.ModuleType:
    """Load (once) another child-side module by path, e.g. the task-run child; it imports only stdlib."""
    module = _entries.get(path)
    if module is None:
        spec = importlib.util.spec_from_file_location(f"vwed_entry_{len(_entries)}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        preload = getattr(module, "preload", None)
        if callable(preload):
            preload()
        _entries[path] = module
    return module


def run_entry(request: dict[str, Any], fd: int, parent: int) -> None:
    """Run the child of `request`: a script service, or the `start` of the module named by `entry`."""
    enter_sandbox(request["limits"], request["workdir"], parent)
    entry = request.get("entry")
    if entry:
        load_entry(entry).start({**request, "parent": parent}, fd, sys.modules[__name__])
    run_service(fd)


def fork_script(
    control: socket.socket,
    selector: selectors.BaseSelector,
    request: dict[str, Any],
    fd: int,
    wakeup: tuple[int, int],
) -> int:
    """Fork one script child that owns `fd`; return its pid (in the zygote)."""
    parent = os.getpid()
    if request.get("entry"):
        load_entry(request["entry"])  # before the fork, so later children start warm
    pid = os.fork()
    if pid:
        return pid
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # The child keeps only its own socket of the zygote's descriptors.
        selector.close()
        control.close()
        os.close(wakeup[0])
        os.close(wakeup[1])
        run_entry(request, fd, parent)
    finally:
        os._exit(1)


def zygote(control_fd: int, host_pid: int, preload: list[str]) -> None:
    """Wait for fork requests from the host; each carries the script's socket as SCM_RIGHTS."""
    set_parent_death_signal(host_pid)
    os.environ.clear()
    for path in preload:
        load_entry(path)
    control = socket.socket(fileno=control_fd)
    wakeup = os.pipe()
    for end in wakeup:
        os.set_blocking(end, False)
    signal.set_wakeup_fd(wakeup[1])
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wakeup[0], selectors.EVENT_READ)
    while True:
        for key, _events in selector.select():
            if key.fileobj is control:
                try:
                    message, fds, _flags, _addr = socket.recv_fds(control, 1 << 16, 4)
                except InterruptedError:
                    continue
                if not message:
                    os._exit(0)
                request = json.loads(message)
                pid = fork_script(control, selector, request, fds[0], wakeup)
                for fd in fds:
                    os.close(fd)
                control.send(json.dumps({"op": "forked", "token": request["token"], "pid": pid}).encode())
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(wakeup[0], 512)
                reap(control)


def main(argv: list[str]) -> None:
    """`zygote <control fd> <host pid> [entry...]` or
    `single <socket fd> <limits json> <workdir> <host pid> [<request json>]`."""
    if argv[0] == "zygote":
        zygote(int(argv[1]), int(argv[2]), argv[3:])
    elif argv[0] == "single":
        extra = json.loads(argv[5]) if len(argv) > 5 else {}
        request = {**extra, "limits": json.loads(argv[2]), "workdir": argv[3]}
        run_entry(request, int(argv[1]), int(argv[4]))


if __name__ == "__main__":
    main(sys.argv[1:])
