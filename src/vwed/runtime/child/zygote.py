"""The zygote, which forks one sandboxed child per request, and the entry of a child spawned on its own.

`main(argv)` (called by `__main__.py`):

- `zygote <control fd> <host pid> <job>...`: import the named jobs (so every child starts warm), then
  serve fork requests from the host over a SOCK_SEQPACKET socket, each carrying the child's socket as
  SCM_RIGHTS; answer `forked` with the pid, and report `exit` with the code of every child reaped. The
  zygote is single-threaded, so `fork` there is safe.
- `single <socket fd> <host pid> <request json>`: become one child directly, where forking is unsafe.

A child enters L0 (`sandbox.enter`), applies the requested layers (`sandbox.apply_layers`), then runs its
job's `start(sock, wire, layers)`. If a layer fails it sends `sandbox_failed` and exits before any user
code; a `probe` request tries each layer instead and answers `probe` with the verdicts.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import selectors
import signal
import socket
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import sandbox
from .sandbox import Rlimits, SandboxSpec
from .wire import DEFAULT_MAX_FRAME, Wire, child_wire

JOBS = ("service", "task")
# Standard-library modules every child gets already imported, whatever its sandbox lets it read later: a
# child with a uid of its own but no mount namespace (L1 without L3) cannot read an interpreter installed
# below a directory only its owner may enter (`/root/.pyenv`), so an import after the fork would fail.
# `_strptime` is what `datetime.strptime` and `time.strptime` import on first use (seed 004).
STDLIB_PRELOAD = (
    "_strptime",
    "calendar",
    "zoneinfo",
    "decimal",
    "fractions",
    "statistics",
    "numbers",
    "collections",
    "dataclasses",
    "enum",
    "functools",
    "itertools",
    "operator",
    "copy",
    "pprint",
    "heapq",
    "bisect",
    "array",
    "struct",
    "string",
    "textwrap",
    "unicodedata",
    "difflib",
    "html",
    "html.parser",
    "shlex",
    "fnmatch",
    "csv",
    "io",
    "uuid",
    "urllib.parse",
    "hmac",
    "secrets",
    "zlib",
    "binascii",
    "ipaddress",
    "contextlib",
    "typing",
)
PROBE = "probe"
REQUEST_BYTES = 1 << 16
EXIT_SANDBOX = 3


@dataclass(frozen=True)
class ForkRequest:
    """One child to start: its job (`service`, `task` or `probe`), where and under which limits."""

    job: str
    workdir: str
    limits: Rlimits
    sandbox: SandboxSpec
    max_frame: int = DEFAULT_MAX_FRAME
    token: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The request as it travels to the zygote."""
        return {
            "job": self.job,
            "workdir": self.workdir,
            "limits": self.limits.as_dict(),
            "sandbox": self.sandbox.as_dict(),
            "max_frame": self.max_frame,
            "token": self.token,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ForkRequest:
        """A request received by the zygote."""
        return cls(
            job=str(raw["job"]),
            workdir=str(raw["workdir"]),
            limits=Rlimits.from_dict(raw.get("limits") or {}),
            sandbox=SandboxSpec.from_dict(raw.get("sandbox") or {}),
            max_frame=int(raw.get("max_frame") or DEFAULT_MAX_FRAME),
            token=int(raw.get("token") or 0),
        )


def job_module(job: str) -> ModuleType:
    """The module of `job` (imported once; the zygote imports its jobs before the first fork)."""
    if job not in JOBS:
        raise ValueError(f"unknown child job {job!r}")
    return importlib.import_module(f".{job}", __package__)


def preload(jobs: list[str]) -> None:
    """Import the common standard library and warm every job, before any child is forked or started."""
    for name in STDLIB_PRELOAD:
        importlib.import_module(name)
    for job in jobs:
        job_module(job).preload()


def _send(sock: socket.socket, wire: Wire, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(wire.encode(message))


def run_child(request: ForkRequest, fd: int, parent: int) -> None:
    """Become the child of `request` on socket `fd`; never returns."""
    try:
        fd = sandbox.enter(request.limits, request.workdir, parent, fd)
        sock = socket.socket(fileno=fd)
        wire = child_wire(request.max_frame)
        if request.job == PROBE:
            _send(sock, wire, {"t": "probe", "layers": sandbox.probe(request.sandbox)})
            os._exit(0)
        try:
            layers = sandbox.apply_layers(request.sandbox, parent)
        except OSError as exc:
            _send(sock, wire, {"t": "sandbox_failed", "error": str(exc)})
            os._exit(EXIT_SANDBOX)
        job_module(request.job).start(sock, wire, layers)
    finally:
        os._exit(1)


def fork_child(
    control: socket.socket,
    selector: selectors.BaseSelector,
    request: ForkRequest,
    fd: int,
    wakeup: tuple[int, int],
) -> int:
    """Fork one child that owns `fd`; return its pid (in the zygote)."""
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # Closed through their objects first, so nothing later closes a reused descriptor number.
        selector.close()
        control.close()
        os.close(wakeup[0])
        os.close(wakeup[1])
        run_child(request, fd, parent)
    finally:
        os._exit(1)


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


def zygote(control_fd: int, host_pid: int, jobs: list[str]) -> None:
    """Wait for fork requests from the host; each carries the child's socket as SCM_RIGHTS."""
    sandbox.set_parent_death_signal(host_pid)
    sandbox.forbid_inspection()
    os.environ.clear()
    preload(jobs)
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
                    message, fds, _flags, _addr = socket.recv_fds(control, REQUEST_BYTES, 4)
                except InterruptedError:
                    continue
                if not message:
                    os._exit(0)
                request = ForkRequest.from_dict(json.loads(message))
                pid = fork_child(control, selector, request, fds[0], wakeup)
                for fd in fds:
                    os.close(fd)
                control.send(json.dumps({"op": "forked", "token": request.token, "pid": pid}).encode())
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(wakeup[0], 512)
                reap(control)


def main(argv: list[str]) -> None:
    """`zygote <control fd> <host pid> <job>...` or `single <socket fd> <host pid> <request json>`."""
    sandbox.libc()
    if argv[0] == "zygote":
        zygote(int(argv[1]), int(argv[2]), argv[3:])
    elif argv[0] == "single":
        request = ForkRequest.from_dict(json.loads(argv[3]))
        if request.job != PROBE:
            preload([request.job])
        run_child(request, int(argv[1]), int(argv[2]))
    else:
        sys.exit(f"unknown mode {argv[0]!r}")
