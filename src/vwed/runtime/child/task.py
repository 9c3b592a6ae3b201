"""The task-run child: one run of a scheduled script, with the SDK as its globals. Standard library only.

The zygote calls `start` once the sandbox is in place. The child announces its layers (`ready`), gets
one `run` frame (source, parameters, identity), then talks `call` / `reply` for every SDK call and `out`
for output, and ends with one `done` frame carrying the `result` dict or the error and its line.
"""

from __future__ import annotations

import builtins
import json
import os
import socket
import sys
import threading
import traceback
from typing import Any

from . import sdk
from .wire import FrameRefused, Text, Texts, Unencodable, Wire, text

SCRIPT_FILE = "<script>"
# Output is sent in pieces of at most this many characters, far below any frame cap.
OUT_CHUNK = 64 * 1024
# An error the run reports is cut here (the host shows no more of it).
ERROR_MAX = 4096


class Channel:
    """Blocking frames over the run's socket; a call holds the channel until its reply, so threads of
    the script may make SDK calls without mixing up their replies."""

    def __init__(self, sock: socket.socket, wire: Wire) -> None:
        self.sock = sock
        self.wire = wire
        self.splitter = wire.splitter()
        self.pending: list[bytes] = []
        self.calls = 0
        self.lock = threading.Lock()
        self.texts = Texts()

    def send(self, message: dict[str, Any]) -> None:
        """Send one frame (raises `Unencodable` when the message breaks a wire cap)."""
        frame = self.wire.encode(message)
        with self.lock:
            self.sock.sendall(frame)

    def receive(self) -> dict[str, Any]:
        """Wait for the next frame; exit quietly when the host has gone."""
        while not self.pending:
            data = self.sock.recv(1 << 16)
            if not data:
                os._exit(0)
            try:
                self.pending += self.splitter.feed(data)
            except FrameRefused:
                os._exit(3)
        try:
            return self.wire.decode(self.pending.pop(0))
        except FrameRefused:
            os._exit(3)

    def out(self, text: str) -> None:
        """Append `text` to the run's output, in pieces that always fit a frame."""
        for start in range(0, max(len(text), 1), OUT_CHUNK):
            self.send({"t": "out", "text": text[start : start + OUT_CHUNK]})

    def call(self, fn: str, **args: Any) -> Any:
        """Ask the host to do `fn(**args)` and return its answer, or raise `SdkError`."""
        with self.lock:
            self.calls += 1
            try:
                frame = self.wire.encode({"t": "call", "id": self.calls, "fn": fn, "args": args})
            except Unencodable as exc:
                refusal = text("child_sdk_args_unsendable", name=fn, reason=exc.text)
                raise sdk.SdkError(self.texts.render(refusal)) from None
            self.sock.sendall(frame)
            reply = self.receive()
        if not reply.get("ok"):
            raise sdk.SdkError(str(reply.get("error") or fn))
        return reply.get("value")


def script_line(exc: BaseException) -> int | None:
    """The line of the user's script where `exc` was raised (deepest script frame), if any."""
    if isinstance(exc, SyntaxError) and exc.filename == SCRIPT_FILE:
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == SCRIPT_FILE:
            line = frame.lineno
    return line


def describe(exc: BaseException) -> str:
    """`Type: message`, without the executor's frames (at most `ERROR_MAX` characters)."""
    words = str(exc)
    return (f"{type(exc).__name__}: {words}" if words else type(exc).__name__)[:ERROR_MAX]


def run_script(channel: Channel, message: dict[str, Any]) -> dict[str, Any]:
    """Execute the script of a `run` frame; return the `done` frame."""
    channel.texts = Texts(message.get("texts"))
    sdk.bind(channel, message.get("params") or {})
    for path in message.get("sys_path") or []:
        sys.path.insert(0, path)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    namespace.update(sdk.PRELOADED)
    namespace.update({fn.__name__: fn for fn in sdk.SDK_FUNCTIONS})
    namespace.update({name: message.get(name) for name in sdk.SDK_VARIABLES})
    try:
        code = compile(message["source"], SCRIPT_FILE, "exec", dont_inherit=True)
        exec(code, namespace)  # noqa: S102 - running the user's script is the job
    except MemoryError:
        namespace.clear()
        return failed("memory", "MemoryError")
    except BaseException as exc:
        if isinstance(exc, SystemExit) and exc.code in (None, 0):
            return finished(namespace.get("result"))
        kind = "exit" if isinstance(exc, SystemExit) else "error"
        return failed(kind, describe(exc), script_line(exc))
    return finished(namespace.get("result"))


def failed(kind: str, error: str | Text, line: int | None = None) -> dict[str, Any]:
    """The `done` frame of a run that failed."""
    return {"t": "done", "ok": False, "kind": kind, "error": error, "line": line}


def finished(result: Any) -> dict[str, Any]:
    """The `done` frame of a run that finished; its `result` must be plain JSON."""
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        return failed("error", text("child_result_not_json", error=describe(exc)))
    return {"t": "done", "ok": True, "result": result}


def serve(channel: Channel, layers: dict[str, str]) -> None:
    """Announce the active layers, run the script of the first `run` frame, report `done`."""
    channel.send({"t": "ready", "layers": layers})
    message = channel.receive()
    if message.get("t") != "run":
        return
    try:
        done = run_script(channel, message)
    except MemoryError:
        done = failed("memory", "MemoryError")
    try:
        channel.send(done)
    except Unencodable as exc:
        channel.send(failed("error", text("child_result_unsendable", reason=exc.text)))


def start(sock: socket.socket, wire: Wire, layers: dict[str, str]) -> None:
    """The job's entry (from the zygote, sandboxed): one run, then leave without interpreter shutdown."""
    code = 0
    try:
        serve(Channel(sock, wire), layers)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def preload() -> None:
    """Warm what every run needs in the zygote, before any fork: local time and its formatting."""
    sdk.PRELOADED["datetime"].now().strftime("%H:%M:%S")
