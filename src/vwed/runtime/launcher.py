"""Starting child processes: forked from a pre-warmed zygote, or spawned afresh where fork is unsafe.

What a child is (its job, working directory, rlimits, sandbox layers, frame cap) is one `ForkRequest`,
the same structure the child side reads (`vwed.runtime.child.zygote`).
"""

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from vwed.i18n import Text
from vwed.runtime import child
from vwed.runtime.child.zygote import ForkRequest

CHILD_ENTRY = str(Path(child.__file__).resolve().with_name("__main__.py"))
SEND_ATTEMPTS = 2000


class ZygoteGone(ConnectionError):
    """The zygote exited, taking its children with it."""

    def __str__(self) -> str:
        return "zygote exited"


@dataclass
class LaunchedChild:
    """A started script process: its pid (also its process group) and its exit code to come."""

    pid: int
    exited: asyncio.Future[int] = field(repr=False)


def describe_exit(code: int) -> Text:
    """`exit code 3` or `signal SIGKILL`, from a code where negative numbers are signals."""
    if code < 0:
        try:
            return Text("runtime_exit_signal", {"signal": signal.Signals(-code).name})
        except ValueError:
            return Text("runtime_exit_signal", {"signal": -code})
    return Text("runtime_exit_code", {"code": code})


def child_command(*args: str) -> list[str]:
    """The interpreter command line of a child-side process: isolated, no site-packages."""
    return [sys.executable, "-I", "-S", CHILD_ENTRY, *args]


class Launcher(abc.ABC):
    """Starts child processes, each owning one end of a socketpair."""

    name: str = ""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Prepare (the zygote launcher starts its zygote)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Release what `start` prepared."""

    @abc.abstractmethod
    async def launch(self, sock: socket.socket, request: ForkRequest) -> LaunchedChild:
        """Start the child of `request` serving on `sock` (which the caller closes afterwards)."""


class SpawnLauncher(Launcher):
    """A fresh interpreter per script: slower to start, but safe where `fork` is not."""

    name = "spawn"

    def __init__(self) -> None:
        self.waiters: set[asyncio.Task[None]] = set()

    async def launch(self, sock: socket.socket, request: ForkRequest) -> LaunchedChild:
        process = await asyncio.create_subprocess_exec(
            *child_command("single", str(sock.fileno()), str(os.getpid()), json.dumps(request.as_dict())),
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
    """Forks children from one pre-warmed zygote that has already imported the jobs it will run.

    The zygote is single-threaded, so `fork` there is safe. Requests go over a SOCK_SEQPACKET pair, each
    carrying the child's socket as SCM_RIGHTS; the zygote answers with the pid, and later reports the
    exit code of every child it reaps.
    """

    name = "zygote"

    def __init__(self, jobs: tuple[str, ...]) -> None:
        self.jobs = jobs
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
                *child_command("zygote", str(theirs.fileno()), str(os.getpid()), *self.jobs),
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

    async def launch(self, sock: socket.socket, request: ForkRequest) -> LaunchedChild:
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
        payload = orjson.dumps(replace(request, token=token).as_dict())
        for _ in range(SEND_ATTEMPTS):
            try:
                socket.send_fds(control, [payload], [sock.fileno()])
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
    """Signal the process group a child leads, or the process alone if it has no group yet."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    except PermissionError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def make_launcher(kind: str, jobs: tuple[str, ...]) -> Launcher:
    """The launcher named `kind`; `zygote` falls back to `spawn` where `fork` is unavailable.

    `jobs` names the child jobs (`service`, `task`) the zygote imports before its first fork.
    """
    if kind == "zygote" and hasattr(os, "fork") and sys.platform.startswith("linux"):
        return ZygoteLauncher(jobs)
    return SpawnLauncher()
