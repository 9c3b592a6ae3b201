"""Sandboxed task runs, host side: probe the sandbox layers, start runs, broker SDK frames, enforce limits.

A run is a fresh child forked from a zygote that has already imported the task job
(`vwed.runtime.child.task`; DESIGN.md "Sandbox"). The host speaks frames with it: `ready` (active
layers) -> `run` -> any number of `out` and `call`/`reply` -> `done`. The wall-clock timeout, the
output cap and the end of the run are enforced here: at a limit the child's whole process group is
killed and the outcome names the limit.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shutil
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vwed.i18n import Text, translate
from vwed.runtime.child import wire
from vwed.runtime.child.sandbox import DEPS_MOUNT, Rlimits, SandboxSpec
from vwed.runtime.child.wire import DEFAULT_MAX_FRAME, Unencodable
from vwed.runtime.child.zygote import ForkRequest
from vwed.runtime.framing import FrameProtocol, host_wire
from vwed.runtime.launcher import Launcher, SpawnLauncher, describe_exit, kill_group, make_launcher
from vwed.runtime.layers import SandboxReport, UidSlots, child_spec, probe_layers, protect_host
from vwed.runtime.texts import Reported, child_templates, from_child

log = logging.getLogger("vwed.runtime.tasks")

READY_SECONDS = 10.0
EXIT_SECONDS = 5.0
MIB = 1024 * 1024


class SdkRefused(Exception):
    """An SDK call refused or failed on the host; its text is what the script's `SdkError` says."""


Broker = Callable[[str, dict[str, Any]], Awaitable[Any]]
OutputSink = Callable[[str], None]


@dataclass(frozen=True)
class TaskLimits:
    """Limits of one run: wall clock, memory (address space), output, disk and threads."""

    timeout_seconds: float = 300.0
    memory_bytes: int = 512 * MIB
    output_bytes: int = 1 * MIB
    disk_bytes: int = 64 * MIB
    open_files: int = 64
    max_threads: int = 16

    def rlimits(self) -> Rlimits:
        """The rlimits set in the child: CPU just above the wall clock, so the wall clock speaks first."""
        return Rlimits(
            cpu_seconds=int(self.timeout_seconds) + 2,
            address_space=self.memory_bytes,
            open_files=self.open_files,
            file_size=self.disk_bytes,
        )


@dataclass
class TaskRunResult:
    """How a run ended; `kind`: ok, error, timeout, memory, output, cpu, sandbox, crash or deps.

    `error` is the script's exception as `Type: message`, or a message to render in the reader's language.
    """

    ok: bool
    kind: str
    output: str
    error: Reported | None = None
    line: int | None = None
    result: Any = None
    layers: dict[str, str] = field(default_factory=dict)
    duration_ms: int = 0


@dataclass(frozen=True)
class RunSpec:
    """What to run: the source, its parameters and identity, and an optional dependency environment."""

    source: str
    params: dict[str, Any]
    task_id: int | None
    tenant_id: str | None
    trace_id: str
    deps_path: str | None = None


class _Run:
    """One run's frames and output, as they arrive."""

    def __init__(self, limits: TaskLimits, on_output: OutputSink, max_frame: int) -> None:
        self.limits = limits
        self.on_output = on_output
        self.messages: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.chunks: list[str] = []
        self.size = 0
        self.refused: wire.Text | None = None
        self.protocol = FrameProtocol(
            host_wire(max_frame),
            self.messages.put_nowait,
            lambda: self.messages.put_nowait(None),
            self.refuse,
        )

    def refuse(self, reason: wire.Text) -> None:
        """The child broke the protocol: the run ends with that reason (what it sent)."""
        self.refused = reason

    def add_output(self, text: str) -> bool:
        """Keep `text`; False once the output cap is passed."""
        self.size += len(text.encode())
        if self.size > self.limits.output_bytes:
            return False
        self.chunks.append(text)
        self.on_output(text)
        return True

    @property
    def output(self) -> str:
        return "".join(self.chunks)


class TaskRuntime:
    """Starts sandboxed runs from a zygote, with the strongest layers the probe found working."""

    def __init__(
        self,
        launcher_kind: str,
        workdir_root: Path,
        run_uid_base: int,
        layers: str = "auto",
        hide: tuple[str, ...] = (),
        max_frame: int = DEFAULT_MAX_FRAME,
    ) -> None:
        self.launcher: Launcher = make_launcher(launcher_kind, ("task",))
        self.workdir_root = workdir_root
        self.run_uid_base = run_uid_base
        self.wanted = layers
        self.hide = hide
        self.max_frame = max_frame
        self.report = SandboxReport()
        self.counter = itertools.count(1)
        self.uids = UidSlots(run_uid_base)

    async def start(self) -> None:
        """Start the zygote (or fall back to spawning) and probe the layers."""
        await asyncio.to_thread(self._reset)
        protect_host()
        try:
            await self.launcher.start()
        except OSError:
            log.exception("the task zygote did not start; runs spawn a fresh interpreter each")
            self.launcher = SpawnLauncher()
        self.report = await self.probe()
        log.info("task sandbox level %s: %s", self.report.level, self.report.layers)

    async def stop(self) -> None:
        """Stop the zygote; runs in flight were stopped by their owners."""
        await self.launcher.stop()
        await asyncio.to_thread(shutil.rmtree, self.workdir_root, True)

    def _reset(self) -> None:
        shutil.rmtree(self.workdir_root, ignore_errors=True)
        self.workdir_root.mkdir(parents=True, mode=0o700)

    async def probe(self) -> SandboxReport:
        """Try every layer in a throwaway child; keep those that work (none when `wanted` is L0)."""
        if self.wanted == "L0":
            return SandboxReport({"L0": "ok"}, SandboxSpec())
        uid = self.run_uid_base if os.geteuid() == 0 else 0
        return await probe_layers(
            self.launcher, self.workdir_root / "probe", SandboxSpec(uid=uid, hide=self.hide)
        )

    async def run(
        self, spec: RunSpec, limits: TaskLimits, broker: Broker, on_output: OutputSink
    ) -> TaskRunResult:
        """Run `spec` in a fresh sandboxed child; never raises for anything the script does."""
        started = time.perf_counter()
        uid = self.uids.take() if self.report.spec.uid else 0
        workdir = self.workdir_root / f"run-{next(self.counter)}"
        sandbox = child_spec(
            self.report,
            uid,
            disk_bytes=limits.disk_bytes,
            max_threads=limits.max_threads,
            hide=self.hide,
            deps=spec.deps_path,
        )
        request = ForkRequest("task", str(workdir), limits.rlimits(), sandbox, self.max_frame)
        run = _Run(limits, on_output, self.max_frame)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            child = await self.launcher.launch(theirs, request)
        except BaseException:
            self.uids.give_back(uid)
            raise
        finally:
            theirs.close()
        # The uid is free again only once the child is reaped, so two live runs never share one.
        child.exited.add_done_callback(lambda _done: self.uids.give_back(uid))
        try:
            loop = asyncio.get_running_loop()
            await loop.create_unix_connection(lambda: run.protocol, sock=ours)
            try:
                result = await asyncio.wait_for(
                    self._converse(run, spec, broker, sandbox.namespaces), limits.timeout_seconds
                )
            except TimeoutError:
                result = TaskRunResult(False, "timeout", run.output)
            if result.kind in ("timeout", "output") or run.refused:
                kill_group(child.pid, signal.SIGKILL)
            try:
                code = await asyncio.wait_for(asyncio.shield(child.exited), EXIT_SECONDS)
            except (TimeoutError, ConnectionError):
                kill_group(child.pid, signal.SIGKILL)
                code = None
            if run.refused:
                result.kind = "crash"
                result.error = Text("runtime_killed", {"reason": from_child(run.refused)})
            elif result.kind == "crash":
                result.kind, result.error = _crash_reason(code)
        finally:
            kill_group(child.pid, signal.SIGKILL)
            if run.protocol.transport is not None:
                run.protocol.transport.close()
            await asyncio.to_thread(shutil.rmtree, workdir, True)
        result.output = run.output
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        return result

    async def _converse(self, run: _Run, spec: RunSpec, broker: Broker, in_namespace: bool) -> TaskRunResult:
        layers: dict[str, str] = {}
        while True:
            message = await run.messages.get()
            if message is None:
                return TaskRunResult(False, "crash", run.output, layers=layers)
            kind = message.get("t")
            if kind == "ready":
                reported = message.get("layers")
                layers = {str(k): str(v) for k, v in reported.items()} if isinstance(reported, dict) else {}
                deps = [DEPS_MOUNT if in_namespace else spec.deps_path] if spec.deps_path else []
                try:
                    run.protocol.send(
                        {
                            "t": "run",
                            "source": spec.source,
                            "params": spec.params,
                            "task_id": spec.task_id,
                            "tenant_id": spec.tenant_id,
                            "trace_id": spec.trace_id,
                            "sys_path": deps,
                            "texts": child_templates(),
                        }
                    )
                except Unencodable as exc:
                    reason = Text("runtime_script_unsendable", {"reason": from_child(exc.text)})
                    return TaskRunResult(False, "error", run.output, error=reason)
            elif kind == "sandbox_failed":
                return TaskRunResult(False, "sandbox", run.output, error=from_child(message.get("error")))
            elif kind == "out":
                if not run.add_output(str(message.get("text", ""))):
                    return TaskRunResult(False, "output", run.output, layers=layers)
            elif kind == "call":
                reply = await _answer(broker, message)
                try:
                    run.protocol.send(reply)
                except Unencodable as exc:
                    refusal = translate("child_value_unsendable", reason=from_child(exc.text))
                    run.protocol.send({**reply, "ok": False, "value": None, "error": refusal})
            elif kind == "done":
                ok = bool(message.get("ok"))
                error, line = message.get("error"), message.get("line")
                return TaskRunResult(
                    ok,
                    "ok" if ok else str(message.get("kind") or "error"),
                    run.output,
                    error=None if error is None else from_child(error),
                    line=line if isinstance(line, int) else None,
                    result=message.get("result"),
                    layers=layers,
                )


async def _answer(broker: Broker, message: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = {"t": "reply", "id": message.get("id")}
    try:
        value = await broker(str(message.get("fn")), dict(message.get("args") or {}))
    except SdkRefused as exc:
        return {**reply, "ok": False, "error": str(exc)}
    except Exception as exc:
        log.exception("SDK call %s failed", message.get("fn"))
        return {**reply, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {**reply, "ok": True, "value": value}


def _crash_reason(code: int | None) -> tuple[str, Text]:
    if code is None:
        return "crash", Text("runtime_no_exit_status")
    return "cpu" if code == -signal.SIGXCPU else "crash", describe_exit(code)
