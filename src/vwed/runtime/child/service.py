"""The script-service child: one asyncio loop serving one script for the host. Standard library only.

The zygote calls `start` once the sandbox is in place. Frames from the host: `boot` (the source and
`start_params`), `go` (registrations accepted: start timers and heartbeats), `call` (a route, function or
listener, by handler number), `cancel`, `answer` (to a question this child asked) and `stop`. Frames to
the host: `ready` (registrations and the sandbox layers) or `failed`, `result`, `log`, `emit`, `register`
(made after boot), `timer_ended` (a one-shot timer has run), the questions `invoke`
(`VWED.function.call`) and `http` (`VWED.http`), and `hb`.

`async` handlers run on the loop and plain ones in a pool of worker threads, so a blocking handler does
not freeze the others; a sync handler's reply is written from its own thread.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import inspect
import io
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
import types
from collections.abc import Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, cast

from .vwed import Handler, Vwed, now_iso
from .wire import FrameRefused, Text, Texts, Unencodable, Wire, text

HEARTBEAT_SECONDS = 5.0
HANDLER_THREADS = 8
SEND_STALL_SECONDS = 60.0
# Longer lines are cut here already; the host keeps at most VWED_LOG_LINE_MAX_CHARS of them.
LOG_MESSAGE_MAX = 64 * 1024
# An error a call or boot reports is cut here (the host shows no more of it).
ERROR_MAX = 4096
EXIT_STALLED = 75
EXIT_PROTOCOL = 76


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
        if len(self._partial) > LOG_MESSAGE_MAX:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._partial:
            line, self._partial = self._partial, ""
            self._runtime.log(self._level, line, {}, self._source)


class ScriptFailure(Exception):
    """`boot()` could not complete; `kind` says why (`load`, `no_boot`, `boot_error`)."""

    def __init__(self, kind: str, error: str | Text) -> None:
        super().__init__(kind, error)
        self.kind = kind
        self.error = error[:ERROR_MAX] if isinstance(error, str) else error


def describe(exc: BaseException) -> str:
    """`Type: message`, the way errors are reported to callers (at most `ERROR_MAX` characters)."""
    words = str(exc)
    return (f"{type(exc).__name__}: {words}" if words else type(exc).__name__)[:ERROR_MAX]


def format_tb(exc: BaseException) -> str:
    """The traceback of `exc`, limited to frames of the user's script where possible."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<script>"]
    lines = traceback.format_list(frames) if frames else traceback.format_tb(exc.__traceback__)
    return "".join(lines) + describe(exc)


class ServiceRuntime(asyncio.Protocol):
    """One script service: reads host frames, runs `boot()`, handlers, listeners and timers."""

    def __init__(self, sock: socket.socket, wire: Wire, layers: dict[str, str]) -> None:
        self.sock = sock
        self.wire = wire
        self.layers = layers
        self.write_lock = threading.Lock()
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        self.transport: asyncio.Transport | None = None
        self.splitter = wire.splitter()
        self.closed = asyncio.Event()
        self.started = asyncio.Event()
        self.script_id = ""
        self.texts = Texts()
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
        self.questions: dict[int, tuple[asyncio.Future[Any], type[Exception]]] = {}
        self.asked = 0
        self.background: set[Any] = set()
        self.pool = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="vwed-handler")

    # protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not derive from asyncio.Transport, but they implement it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            for payload in self.splitter.feed(data):
                self.handle(self.wire.decode(payload))
        except FrameRefused:
            os._exit(EXIT_PROTOCOL)  # the host does not speak the protocol: nothing sensible is left

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()

    def send(self, message: dict[str, Any]) -> None:
        """Send a frame to the host at once, from the loop thread or any worker thread.

        Raises `Unencodable` when the message breaks a wire cap. Frames are written straight to the
        socket under a lock (the transport only reads), so a sync handler's reply or log line leaves
        without a hop back to the event loop.
        """
        frame = memoryview(self.wire.encode(message))
        with self.write_lock:
            waited = 0.0
            while frame:
                try:
                    sent = self.sock.send(frame)
                except BlockingIOError:
                    # The host reads continuously; a full buffer for long means it is gone or stuck.
                    if waited >= SEND_STALL_SECONDS:
                        os._exit(EXIT_STALLED)
                    _readable, writable, _ = select.select([], [self.sock], [], 1.0)
                    waited += 0 if writable else 1.0
                    continue
                except OSError:
                    return  # the host closed the connection; the reader notices and we stop
                frame = frame[sent:]

    def log(self, level: str, message: str | Text, data: dict[str, Any], source: str = "log") -> None:
        """Send a log line to the host; `source` is `log`, `stdout` or `stderr`. Never raises.

        `message` is the script's text, or a `Text` of the runtime's own; `ts` is the line's Unix time,
        which the host writes in the API's time format.
        """
        words = message[:LOG_MESSAGE_MAX] if isinstance(message, str) else message
        line = {"t": "log", "level": level, "message": words, "ts": time.time()}
        try:
            self.send({**line, "data": data, "source": source})
        except Unencodable as exc:
            self.send({**line, "data": {"unsendable": exc.text}, "source": source})

    def emit(self, event: str, data: Any) -> None:
        """Send `VWED.event.emit`; raises `Unencodable` for data the wire cannot carry."""
        self.send({"t": "emit", "event": str(event), "data": data})

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
            failure = text("child_background_failed", error=describe(exc))
            self.log("ERROR", failure, {"traceback": format_tb(exc)})

    # questions to the host (VWED.function.call, VWED.http) -------------------------------------

    async def ask(self, frame: dict[str, Any], failure: type[Exception]) -> Any:
        """Send a question; the value of its `answer`, or `failure` carrying the host's reason."""
        self.asked += 1
        question = self.asked
        waiter: asyncio.Future[Any] = self.loop.create_future()
        self.questions[question] = (waiter, failure)
        try:
            self.send({**frame, "id": question})
        except Unencodable as exc:
            self.questions.pop(question, None)
            raise failure(self.texts.render(text("child_request_unsendable", reason=exc.text))) from None
        return await waiter

    def wait(self, coro: Coroutine[Any, Any, Any], timeout: float | None, what: str) -> Any:
        """Run `coro` on the loop from a worker thread and wait at most `timeout` for its value."""
        if threading.get_ident() == self.loop_thread:
            coro.close()
            raise RuntimeError(self.texts.render(text("child_sync_in_async", what=what)))
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

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
        """Record a timer (numbered like handlers); timers start once the host has accepted the
        service's registrations."""
        entry = {
            "timer": len(self.timer_funcs) + 1,
            "name": getattr(func, "__name__", "timer"),
            "kind": kind,
            "interval_seconds": interval,
            "delay_seconds": delay,
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
                try:
                    self.pool.submit(self.answer_sync, func, message)
                except RuntimeError as exc:
                    # No thread left under the service's thread limit (RLIMIT_NPROC): fail this call only.
                    self.reply_error(message, exc)
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
            waiter, failure = self.questions.pop(message["id"], (None, Exception))
            if waiter is not None and not waiter.done():
                if message["ok"]:
                    waiter.set_result(message.get("value"))
                else:
                    waiter.set_exception(failure(message.get("error", "")))
        elif kind == "stop" and self.transport is not None:
            self.transport.close()

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
        if func is None:
            self.fail(message, text("child_handler_missing", handler=message["handler"]))
            return
        try:
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
        """Send a handler's value; a route's `(body, status)` pair travels as both.

        A value the wire cannot carry (too large, nested too deep) fails that call with the reason.
        """
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
        try:
            self.send(reply)
        except Unencodable as exc:
            self.fail(message, text("child_value_unsendable", reason=exc.text))

    def reply_error(self, message: dict[str, Any], exc: BaseException) -> None:
        """Log a handler's exception with its traceback and report it to the caller."""
        self.fail(message, describe(exc), format_tb(exc))

    def fail(self, message: dict[str, Any], error: str | Text, trace: str = "") -> None:
        """Log that the call of `message` failed with `error` and report it to the caller."""
        failure = text("child_handler_failed", label=str(message.get("label", "handler")), error=error)
        self.log("ERROR", failure, {"traceback": trace} if trace else {})
        self.send({"t": "result", "id": message["id"], "ok": False, "error": error})

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
        self.texts = Texts(message.get("texts"))
        self.heartbeat_seconds = float(message.get("heartbeat_seconds") or HEARTBEAT_SECONDS)
        self.start_params = message.get("start_params") or {}
        try:
            await self.load(message["source"])
            self.send({"t": "ready", "registrations": self.registrations, "layers": self.layers})
        except (ScriptFailure, Unencodable) as failure:
            kind, error = (
                (failure.kind, failure.error)
                if isinstance(failure, ScriptFailure)
                else ("load", text("child_registrations_unsendable", reason=failure.text))
            )
            self.send({"t": "failed", "kind": kind, "error": error})
            if self.transport is not None:
                self.transport.close()

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
            self.log("ERROR", text("child_boot_failed", error=describe(exc)), {"traceback": format_tb(exc)})
            raise ScriptFailure("boot_error", describe(exc)) from None

    def go(self) -> None:
        """The host accepted the registrations: start timers and heartbeats."""
        self.started.set()
        for func, entry in self.timer_funcs:
            self.spawn(self.run_timer(func, entry), None)
        self.spawn(self.heartbeat(), None)

    async def run_timer(self, func: Handler, entry: dict[str, Any]) -> None:
        """Run a timer's callback after its delay, then every interval for `interval` timers; tell the
        host when a one-shot timer's callback has run (`timer_ended`), so it leaves the registry."""
        await asyncio.sleep(entry["delay_seconds"])
        while True:
            try:
                await self.invoke(func)
            except Exception as exc:
                failure = text("child_timer_failed", name=entry["name"], error=describe(exc))
                self.log("ERROR", failure, {"traceback": format_tb(exc)})
            if entry["kind"] != "interval":
                break
            await asyncio.sleep(max(entry["interval_seconds"], 0.001))
        self.send({"t": "timer_ended", "timer": entry["timer"]})

    async def heartbeat(self) -> None:
        """Tell the host every few seconds that the loop is alive."""
        while True:
            self.send({"t": "hb", "ts": time.time()})
            await asyncio.sleep(self.heartbeat_seconds)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


async def serve(sock: socket.socket, wire: Wire, layers: dict[str, str]) -> None:
    """Run one script service over `sock` until the host closes it or SIGTERM arrives."""
    loop = asyncio.get_running_loop()
    runtime = ServiceRuntime(sock, wire, layers)
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


def start(sock: socket.socket, wire: Wire, layers: dict[str, str]) -> None:
    """The job's entry (from the zygote, sandboxed): serve, then leave without interpreter shutdown."""
    code = 0
    try:
        asyncio.run(serve(sock, wire, layers))
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def preload() -> None:
    """Warm what every service needs in the zygote, before any fork."""
    time.localtime()
    now_iso()
