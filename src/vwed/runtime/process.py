"""The host's handle on one script process: boot handshake, calls with timeouts, stop, exit.

Frames from the child are untrusted: each is checked by the wire (size, nesting), registrations are
validated (`Registrations`), and a child that breaks the protocol is killed with the reason, which then
is its exit reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from vwed.i18n import Text, translate
from vwed.runtime.child import wire
from vwed.runtime.child.wire import Unencodable, Wire
from vwed.runtime.framing import FrameProtocol
from vwed.runtime.launcher import LaunchedChild, ZygoteGone, describe_exit, kill_group
from vwed.runtime.registry import RegistrationError, Registrations
from vwed.runtime.texts import Reported, child_templates, from_child


class ProcessObserver(Protocol):
    """What the supervisor hears from a running script."""

    def on_log(self, script_id: str, message: dict[str, Any]) -> None:
        """A log line (`level`, `message`, `data`, `ts` (Unix time), `source`)."""

    def on_emit(self, script_id: str, event: str, data: Any) -> None:
        """`VWED.event.emit(event, data)` was called."""

    def on_register(self, script_id: str, kind: str, entry: Registrations) -> None:
        """A registration made after start-up (validated)."""

    def on_timer_ended(self, script_id: str, timer: int) -> None:
        """The last run of timer number `timer` is over (a one-shot timer has fired)."""

    def on_invoke(self, script_id: str, request_id: int, name: str, args: Any) -> None:
        """`VWED.function.call(name, args)`: answer with `ScriptProcess.answer`."""

    def on_http(self, script_id: str, request_id: int, request: dict[str, Any]) -> None:
        """`VWED.http.request(...)`: answer with `ScriptProcess.answer`."""

    def on_exit(self, script_id: str, reason: Text, expected: bool) -> None:
        """The process is gone; `expected` when the host stopped it."""


class BootFailed(Exception):
    """`boot()` did not complete: `kind` is `load`, `no_boot`, `boot_error`, `sandbox`, `timeout` or
    `exited`."""

    def __init__(self, kind: str, error: Reported) -> None:
        super().__init__(kind, error)
        self.kind = kind
        self.error = error


@dataclass(frozen=True)
class CallResult:
    """The answer of a handler: `ok` with `value` (and an HTTP `status` for routes), or an `error` (the
    handler's exception as `Type: message`, or a message to render in the reader's language).

    `unsendable` means the call never left the host: its argument breaks a wire cap.
    """

    ok: bool
    value: Any = None
    status: int | None = None
    error: Reported = ""
    timed_out: bool = False
    unsendable: bool = False
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class Booted:
    """A script that started: what it registered, and the sandbox layers it reported."""

    registrations: Registrations
    layers: dict[str, str] = field(default_factory=dict)


class ScriptProcess:
    """One running script: talks frames with its child and turns them into calls and notifications."""

    def __init__(self, script_id: str, child: LaunchedChild, observer: ProcessObserver, wire: Wire) -> None:
        self.script_id = script_id
        self.child = child
        self.observer = observer
        self.protocol = FrameProtocol(wire, self._message, self._closed, self._refused)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.calls = 0
        self.booted: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.heartbeat = time.time()
        self.stopping = False
        self.closed = asyncio.Event()
        self.exit_reason: Text | None = None
        self.layers: dict[str, str] = {}
        self._exit_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        """The child's pid, which is also its process group."""
        return self.child.pid

    async def connect(self, sock: socket.socket) -> None:
        """Start reading frames from `sock` (the host's end of the pair)."""
        loop = asyncio.get_running_loop()
        await loop.create_unix_connection(lambda: self.protocol, sock=sock)

    async def boot(self, spec: dict[str, Any], seconds: float) -> Booted:
        """Send the script and wait for its registrations, or raise `BootFailed`."""
        try:
            self.protocol.send({"t": "boot", **spec, "texts": child_templates()})
        except Unencodable as exc:
            reason = from_child(exc.text)
            raise BootFailed("load", Text("runtime_script_unsendable", {"reason": reason})) from None
        try:
            message = await asyncio.wait_for(asyncio.shield(self.booted), seconds)
        except TimeoutError:
            raise BootFailed("timeout", str(seconds)) from None
        kind = message["t"]
        if kind == "failed":
            raise BootFailed(str(message.get("kind")), from_child(message.get("error")))
        if kind == "sandbox_failed":
            raise BootFailed("sandbox", from_child(message.get("error")))
        if kind == "exited":
            raise BootFailed("exited", message["reason"])
        try:
            registrations = Registrations.parse(message.get("registrations"))
        except RegistrationError as exc:
            raise BootFailed("load", exc.text) from None
        layers = message.get("layers")
        self.layers = {str(k): str(v) for k, v in layers.items()} if isinstance(layers, dict) else {}
        return Booted(registrations, self.layers)

    def go(self) -> None:
        """Tell the child its registrations are accepted: timers and heartbeats start."""
        self.protocol.send({"t": "go"})

    async def call(self, kind: str, handler: int, arg: Any, seconds: float, label: str) -> CallResult:
        """Run handler `handler` with `arg` in the child; a hung one is cut off after `seconds`."""
        started = time.perf_counter()
        if self.closed.is_set():
            return CallResult(ok=False, error=self.exit_reason or Text("runtime_connection_lost"))
        self.calls += 1
        call_id = self.calls
        try:
            self.protocol.send(
                {"t": "call", "id": call_id, "kind": kind, "handler": handler, "arg": arg, "label": label}
            )
        except Unencodable as exc:
            return CallResult(ok=False, error=from_child(exc.text), unsendable=True)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[call_id] = future
        # A timer handle is much cheaper per call than `asyncio.wait_for`, which wraps the await in a task.
        expiry = asyncio.get_running_loop().call_later(seconds, _expire, future)
        try:
            reply = await future
        except TimeoutError:
            with contextlib.suppress(Unencodable):
                self.protocol.send({"t": "cancel", "id": call_id})
            return CallResult(ok=False, timed_out=True, elapsed_ms=_ms(started))
        finally:
            expiry.cancel()
            self.pending.pop(call_id, None)
        if reply.get("t") == "exited":
            return CallResult(ok=False, error=reply["reason"], elapsed_ms=_ms(started))
        status = reply.get("status")
        return CallResult(
            ok=bool(reply["ok"]),
            value=reply.get("value"),
            status=status if isinstance(status, int) and 100 <= status <= 599 else None,
            error=from_child(reply.get("error", "")),
            elapsed_ms=_ms(started),
        )

    def answer(self, request_id: int, ok: bool, value: Any = None, error: str = "") -> None:
        """Reply to the child's question `request_id`; a value the wire cannot carry becomes an error.

        `error` is worded already (in Chinese, the language of the script's exceptions).
        """
        try:
            self.protocol.send({"t": "answer", "id": request_id, "ok": ok, "value": value, "error": error})
        except Unencodable as exc:
            refusal = translate("child_value_unsendable", reason=from_child(exc.text))
            self.protocol.send({"t": "answer", "id": request_id, "ok": False, "error": refusal})

    async def stop(self, grace: float) -> None:
        """SIGTERM the process group, wait `grace` seconds, then SIGKILL; return once it is reaped."""
        self.stopping = True
        if not self.child.exited.done():
            kill_group(self.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(self.child.exited), grace)
            except TimeoutError:
                kill_group(self.pid, signal.SIGKILL)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self.child.exited), 5)
        if self.protocol.transport is not None:
            self.protocol.transport.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closed.wait(), 5)
        if self._exit_task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._exit_task), 5)

    # frames -----------------------------------------------------------------------------------

    def _message(self, message: dict[str, Any]) -> None:
        kind = message["t"]
        if kind == "result":
            future = self.pending.get(message["id"])
            if future is not None and not future.done():
                future.set_result(message)
        elif kind == "log":
            self.observer.on_log(self.script_id, message)
        elif kind == "hb":
            self.heartbeat = time.time()
        elif kind == "emit":
            self.observer.on_emit(self.script_id, str(message["event"]), message.get("data"))
        elif kind == "invoke":
            self.observer.on_invoke(
                self.script_id, int(message["id"]), str(message["name"]), message.get("args")
            )
        elif kind == "http":
            self.observer.on_http(self.script_id, int(message["id"]), message)
        elif kind == "register":
            entry = Registrations.one(str(message["kind"]), message["entry"])
            self.observer.on_register(self.script_id, str(message["kind"]), entry)
        elif kind == "timer_ended":
            self.observer.on_timer_ended(self.script_id, int(message["timer"]))
        elif kind in ("ready", "failed", "sandbox_failed") and not self.booted.done():
            self.heartbeat = time.time()
            self.booted.set_result(message)

    def _refused(self, reason: wire.Text) -> None:
        # A child that breaks the protocol is not trusted to exit by itself.
        self.exit_reason = Text("runtime_killed", {"reason": from_child(reason)})
        kill_group(self.pid, signal.SIGKILL)

    def _closed(self) -> None:
        # EOF on the socket is the first sign of a crash; the exit code follows from the reaper.
        if self.closed.is_set():
            return
        self.closed.set()
        self._exit_task = asyncio.get_running_loop().create_task(self._report_exit())

    async def _report_exit(self) -> None:
        refusal = self.exit_reason
        try:
            code = await asyncio.wait_for(asyncio.shield(self.child.exited), 5)
            reason = refusal or describe_exit(code)
        except ZygoteGone:
            reason = refusal or Text("runtime_zygote_gone")
        except TimeoutError:
            kill_group(self.pid, signal.SIGKILL)
            reason = refusal or Text("runtime_connection_lost")
        self.exit_reason = reason
        gone = {"t": "exited", "reason": reason}
        if not self.booted.done():
            self.booted.set_result(gone)
        for future in list(self.pending.values()):
            if not future.done():
                future.set_result(gone)
        self.observer.on_exit(self.script_id, reason, self.stopping)


def _expire(future: asyncio.Future[dict[str, Any]]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
