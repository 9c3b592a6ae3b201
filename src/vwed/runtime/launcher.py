"""Starting script processes: forked from a pre-warmed zygote, or spawned afresh where fork is unsafe."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from vwed.runtime import child

CHILD_PATH = str(Path(child.__file__).resolve())
SEND_ATTEMPTS = 2000


class ZygoteGone(ConnectionError):
    """The zygote exited, taking its children with it."""

    def __str__(self) -> str:
        return "zygote exited"


@dataclass(frozen=True)
class Limits:
    """Resource limits set in each script process (0 leaves a limit as inherited)."""

    cpu_seconds: int = 0
    address_space: int = 0
    open_files: int = 0
    file_size: int = 0

    def as_dict(self) -> dict[str, int]:
        """The limits as the child reads them."""
        return {
            "cpu_seconds": self.cpu_seconds,
            "address_space": self.address_space,
            "open_files": self.open_files,
            "file_size": self.file_size,
        }


@dataclass(frozen=True)
class ChildEntry:
    """Another child-side module (stdlib only) to run instead of the script service, with its options."""

    path: str
    options: dict[str, Any] = field(default_factory=dict)

    def request(self) -> dict[str, Any]:
        """The fields this entry adds to a launch request."""
        return {**self.options, "entry": self.path}


@dataclass
class LaunchedChild:
    """A started script process: its pid (also its process group) and its exit code to come."""

    pid: int
    exited: asyncio.Future[int] = field(repr=False)


def describe_exit(code: int) -> str:
    """`exit code 3` or `signal SIGKILL`, from a code where negative numbers are signals."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def child_command(*args: str) -> list[str]:
    """The interpreter command line of a script-side process: isolated, no site-packages."""
    return [sys.executable, "-I", "-S", CHILD_PATH, *args]


class Launcher(abc.ABC):
    """Starts script processes, each owning one end of a socketpair."""

    name: str = ""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Prepare (the zygote launcher starts its zygote)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Release what `start` prepared."""

    @abc.abstractmethod
    async def launch(
        self, sock: socket.socket, workdir: Path, limits: Limits, entry: ChildEntry | None = None
    ) -> LaunchedChild:
        """Start a process serving on `sock` (which the caller closes afterwards).

        Without `entry` the process is a script service; with it, the `start` of `entry.path` runs
        instead (e.g. a sandboxed task run), receiving `entry.options` in its request.
        """


class SpawnLauncher(Launcher):
    """A fresh interpreter per script: slower to start, but safe where `fork` is not."""

    name = "spawn"

    def __init__(self) -> None:
        self.waiters: set[asyncio.Task[None]] = set()

    async def launch(
        self, sock: socket.socket, workdir: Path, limits: Limits, entry: ChildEntry | None = None
    ) -> LaunchedChild:
        extra = [json.dumps(entry.request())] if entry else []
        process = await asyncio.create_subprocess_exec(
            *child_command(
                "single",
                str(sock.fileno()),
                json.dumps(limits.as_dict()),
                str(workdir),
                str(os.getpid()),
                *extra,
            ),
            pass_fds=(sock.fileno(),),
            env={},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        loop = asyncio.get_running_loop()
        exited: asyncio.Future[int] = loop.create_future()

        async def wait() -> None:
            code = await process.wait()
            if not exited.done():
                exited.set_result(code)

        waiter = loop.create_task(wait())
        self.waiters.add(waiter)
        waiter.add_done_callback(self.waiters.discard)
        return LaunchedChild(process.pid, exited)


class ZygoteLauncher(Launcher):
    """Forks script processes from one pre-warmed zygote that has already imported the child runtime.

    The zygote is single-threaded, so `fork` there is safe. Requests go over a SOCK_SEQPACKET pair, each
    carrying the script's socket as SCM_RIGHTS; the zygote answers with the pid, and later reports the
    exit code of every child it reaps.
    """

    name = "zygote"

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        self.preload = preload
        self.control: socket.socket | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.tokens = 0
        self.forks: dict[int, asyncio.Future[int]] = {}
        self.exits: dict[int, asyncio.Future[int]] = {}
        self.early_exits: dict[int, int] = {}

    @property
    def alive(self) -> bool:
        """Whether the zygote is up."""
        return self.control is not None and self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = await asyncio.create_subprocess_exec(
                *child_command("zygote", str(theirs.fileno()), str(os.getpid()), *self.preload),
                pass_fds=(theirs.fileno(),),
                env={},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        ours.setblocking(False)
        self.control = ours
        asyncio.get_running_loop().add_reader(ours.fileno(), self._readable)

    async def stop(self) -> None:
        control, process = self.control, self.process
        self.control = None
        if control is not None:
            asyncio.get_running_loop().remove_reader(control.fileno())
            control.close()  # the zygote exits on EOF
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), 2)
            except TimeoutError:
                process.kill()
                await process.wait()
        self._fail_waiters()

    def _fail_waiters(self) -> None:
        # Without the zygote no exit code will come; its children died with it (parent-death signal).
        for waiters in (self.forks, self.exits):
            for future in waiters.values():
                if not future.done():
                    future.set_exception(ZygoteGone())
            waiters.clear()

    def _readable(self) -> None:
        control = self.control
        if control is None:
            return
        while True:
            try:
                data = control.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                # The zygote died; its children die with it (parent-death signal) and report EOF.
                asyncio.get_running_loop().remove_reader(control.fileno())
                control.close()
                self.control = None
                self._fail_waiters()
                return
            self._message(orjson.loads(data))

    def _message(self, message: dict[str, Any]) -> None:
        if message["op"] == "forked":
            future = self.forks.pop(message["token"], None)
            if future is not None and not future.done():
                future.set_result(message["pid"])
        elif message["op"] == "exit":
            waiter = self.exits.pop(message["pid"], None)
            if waiter is None:
                self.early_exits[message["pid"]] = message["code"]
            elif not waiter.done():
                waiter.set_result(message["code"])

    async def launch(
        self, sock: socket.socket, workdir: Path, limits: Limits, entry: ChildEntry | None = None
    ) -> LaunchedChild:
        if not self.alive:
            await self.stop()
            await self.start()
        control = self.control
        assert control is not None
        loop = asyncio.get_running_loop()
        self.tokens += 1
        token = self.tokens
        forked: asyncio.Future[int] = loop.create_future()
        self.forks[token] = forked
        fields = entry.request() if entry else {}
        request = orjson.dumps(
            {**fields, "token": token, "workdir": str(workdir), "limits": limits.as_dict()}
        )
        for _ in range(SEND_ATTEMPTS):
            try:
                socket.send_fds(control, [request], [sock.fileno()])
                break
            except BlockingIOError:
                await asyncio.sleep(0.001)
        else:
            raise ConnectionError("the zygote does not take requests")
        pid = await asyncio.wait_for(forked, 10)
        exited: asyncio.Future[int] = loop.create_future()
        if pid in self.early_exits:
            exited.set_result(self.early_exits.pop(pid))
        else:
            self.exits[pid] = exited
        return LaunchedChild(pid, exited)


def kill_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group a script leads, or the process alone if it has no group yet."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    except PermissionError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def make_launcher(kind: str, preload: tuple[str, ...] = ()) -> Launcher:
    """The launcher named `kind`; `zygote` falls back to `spawn` where `fork` is unavailable.

    `preload` names child-side entry modules the zygote imports before its first fork.
    """
    if kind == "zygote" and hasattr(os, "fork") and sys.platform.startswith("linux"):
        return ZygoteLauncher(preload)
    return SpawnLauncher()
